/* cashier SDK frame: the card form's side of the channel with the browser SDK.
 *
 * This page (/sdk/form/{token}) runs in an iframe that ams-checkout.js puts into the
 * merchant's page. It sends the form with fetch to cashier's JSON endpoints (same origin,
 * CSRF token in a header) and tells the SDK what happened with postMessage:
 *
 *   frame → SDK  {source: 'cashier-sdk', version: 1, type, id, payload}
 *     ready          {step, view, error, frameTitle, closeLabel, height}  each time a page loads
 *     resize         {height}                 the content's height changed
 *     submitting     {}                       a submission left for cashier
 *     view           {context, view}          cashier's answer (context: submit | poll)
 *     invalid        {message}                the form's own checks failed
 *     duplicate      {}                       a submission is under way, or nothing to submit
 *     network-error  {message}                the submission did not reach cashier
 *     http-error     {status, message}        cashier refused or failed
 *     validate-result {isValid}              answer to validate
 *     before-submit  {}                       may this submission go? (onBeforeSubmit; ?beforeSubmit=1)
 *     submit-cancelled {}                     onBeforeSubmit stopped the submission
 *     tab-out        {backward}               in a modal, Tab left the form at one end
 *     escape         {}                       in a modal, the buyer pressed Escape
 *   SDK → frame
 *     submit {billingAddress?}, validate       id: echoed in the answer
 *     before-submit-done {result, stop}        the answer to before-submit, same id
 *     modal {on}                               the form is in a dialog that holds the focus
 *     focus {at: first | last}                 focus the form's first or last control
 *
 * The SDK's ?themeType= and ?accentColor= set the page's colours, and ?beforeSubmit=1 says
 * that the merchant's onBeforeSubmit is asked before each payment submission.
 *
 * Messages go only to the origin the SDK named in ?origin=, and only when that origin is the
 * parent's (location.ancestorOrigins, else document.referrer, where the browser tells);
 * messages are taken only from window.parent at that origin. Card data never leaves this
 * frame except to cashier. Validation, brand detection and formatting are card.js's. */
(function () {
  'use strict';

  var SOURCE = 'cashier-sdk';

  function byId(id) {
    return document.getElementById(id);
  }

  function readConfig() {
    var el = byId('sdk-config');
    if (!el) return null;
    try {
      return JSON.parse(el.textContent);
    } catch (e) {
      return null;
    }
  }

  var cfg = readConfig();
  if (!cfg || typeof cfg !== 'object') return;
  var messages = cfg.messages || {};
  var params = new URLSearchParams(window.location.search);
  var askBeforeSubmit = params.get('beforeSubmit') === '1';

  function t(key) {
    return messages[key] || '';
  }

  // ---- the parent ----

  function isOrigin(o) {
    if (typeof o !== 'string' || o === '') return false;
    try {
      var u = new URL(o);
      return (u.protocol === 'http:' || u.protocol === 'https:') && u.origin === o;
    } catch (e) {
      return false;
    }
  }

  // parentOrigin is the origin to talk to, or '' when the SDK's word cannot be trusted.
  function parentOrigin() {
    var o = cfg.origin;
    if (!isOrigin(o) || window.parent === window) return '';
    var ancestors = window.location.ancestorOrigins;
    if (ancestors && ancestors.length > 0) return ancestors[0] === o ? o : '';
    if (document.referrer) {
      var r = '';
      try {
        r = new URL(document.referrer).origin;
      } catch (e) {
        r = '';
      }
      // After this frame loaded its next step itself, the referrer is cashier (or nothing).
      if (r && r !== window.location.origin && r !== o) return '';
    }
    return o;
  }

  var origin = parentOrigin();

  function post(type, id, payload) {
    if (!origin) return;
    window.parent.postMessage({ source: SOURCE, version: 1, type: type, id: id == null ? null : id, payload: payload || {} }, origin);
  }

  // ---- appearance ----

  // Themes by the real package's names; the default is card.css's own.
  var THEMES = {
    night: {
      fg: '#e2e8f0', muted: '#a0aec0', line: '#718096', bg: '#1a202c', panel: '#2d3748', field: '#1a202c',
      'field-invalid': '#3b1d1d', error: '#feb2b2', 'error-bg': '#3b1d1d', 'error-line': '#9b2c2c'
    }
  };

  function applyAppearance(theme, accent) {
    var root = document.documentElement;
    var vars = Object.prototype.hasOwnProperty.call(THEMES, theme) ? THEMES[theme] : null;
    if (vars) {
      Object.keys(vars).forEach(function (k) {
        root.style.setProperty('--' + k, vars[k]);
      });
      root.style.colorScheme = 'dark';
      // An embedded form is transparent over the merchant's page; light text needs its panel.
      document.body.style.background = 'var(--panel)';
    }
    if (accent && window.CSS && CSS.supports('color', accent)) {
      root.style.setProperty('--accent', accent);
      root.style.setProperty('--accent-dark', CSS.supports('color', 'color-mix(in srgb, red 80%, black)')
        ? 'color-mix(in srgb, ' + accent + ' 80%, black)' : accent);
    }
  }

  applyAppearance(params.get('themeType') || '', params.get('accentColor') || '');

  // ---- the dialog's keyboard ----

  var modal = false;

  function focusables() {
    return Array.prototype.filter.call(document.querySelectorAll('a[href], button, input, select, textarea, summary, [tabindex]'), function (el) {
      return !el.disabled && el.type !== 'hidden' && el.tabIndex >= 0 && el.getClientRects().length > 0;
    });
  }

  function focusEdge(last) {
    var els = focusables();
    if (els.length) els[last ? els.length - 1 : 0].focus();
  }

  // In a dialog the SDK owns what lies beyond the form: Tab past either end and Escape are
  // handed to it, since keys pressed in this frame never reach the merchant's page.
  document.addEventListener('keydown', function (ev) {
    if (!modal) return;
    if (ev.key === 'Escape' || ev.key === 'Esc') {
      post('escape', null);
      return;
    }
    if (ev.key !== 'Tab') return;
    var els = focusables();
    if (!els.length || document.activeElement !== els[ev.shiftKey ? 0 : els.length - 1]) return;
    ev.preventDefault();
    post('tab-out', null, { backward: ev.shiftKey });
  });

  // ---- height ----

  var lastHeight = -1;
  var measurePending = false;

  function height() {
    return document.body ? Math.ceil(document.body.getBoundingClientRect().height) : 0;
  }

  function measure() {
    measurePending = false;
    var h = height();
    if (h !== lastHeight) {
      lastHeight = h;
      post('resize', null, { height: h });
    }
  }

  function measureSoon() {
    if (measurePending) return;
    measurePending = true;
    Promise.resolve().then(measure);
  }

  // ---- the form ----

  var busy = false;

  function currentForm() {
    return document.querySelector('form[data-form]');
  }

  function val(form, name) {
    var el = form.elements.namedItem(name);
    return el && typeof el.value === 'string' ? el.value : '';
  }

  // chosenBrand is the checked radio of the co-badged card's brand choice, '' when none is shown.
  function chosenBrand(form) {
    var checked = form.querySelector('input[name="selectedCardBrand"]:checked');
    return checked ? checked.value : '';
  }

  function bodyOf(form, action) {
    switch (form.dataset.form) {
      case 'card':
        var save = form.elements.namedItem('saveCard');
        return {
          cardNo: val(form, 'cardNo'), expiry: val(form, 'expiry'), cvv: val(form, 'cvv'),
          holderName: val(form, 'holderName'), saveCard: !!(save && save.checked),
          region: val(form, 'region'), state: val(form, 'state'), city: val(form, 'city'),
          address1: val(form, 'address1'), address2: val(form, 'address2'), zipCode: val(form, 'zipCode'),
          selectedCardBrand: chosenBrand(form), installments: val(form, 'installments'), locale: cfg.locale
        };
      case 'cvv':
        return { cvv: val(form, 'cvv'), installments: val(form, 'installments'), locale: cfg.locale };
      case 'challenge':
        return { otp: action === 'cancel' ? '' : val(form, 'otp'), action: action === 'cancel' ? 'cancel' : 'submit', locale: cfg.locale };
    }
    return null;
  }

  // setBusy is card.js's: fields read-only and buttons disabled while a submission is out.
  function setBusy(form, on, submitter) {
    if (window.CashierCard) window.CashierCard.setBusy(form, on, submitter);
  }

  function showFormError(message) {
    var el = byId('form-error');
    if (!el) return;
    el.textContent = message || '';
    el.hidden = !message;
    measureSoon();
  }

  function showFieldErrors(view) {
    var first = null;
    Object.keys(view.fieldMessages || {}).forEach(function (id) {
      var input = byId(id);
      var el = byId(id + '-error');
      if (el) el.textContent = view.fieldMessages[id];
      if (input) {
        input.setAttribute('aria-invalid', 'true');
        if (!first) first = input;
      }
    });
    showFormError(view.formError || t('formErrors'));
    if (first) {
      var details = first.closest('details');
      if (details) details.open = true;
      first.focus();
    }
  }

  // showDecline: the issuer declined this card; the session is open for another.
  function showDecline(view) {
    showFormError(view.message || view.declineMessage || '');
    ['cardNo', 'cvv'].forEach(function (id) {
      var input = byId(id);
      if (!input) return;
      input.value = '';
      input.setAttribute('aria-invalid', 'false');
      var el = byId(id + '-error');
      if (el) el.textContent = '';
    });
    var number = byId('cardNo');
    if (number) {
      if (window.CashierCard) window.CashierCard.refreshNumber(number);
      number.focus();
    }
  }

  // apply acts on cashier's answer: the SDK hears of it first; a new step (or a result that
  // changed) is rendered by loading this page again, the same step is updated in place.
  function apply(view, id, context) {
    post('view', id, { context: context, view: view });
    var current = cfg.view || {};
    if (view.step !== cfg.step || (view.step === 'result' && view.status !== current.status)) {
      busy = true;
      window.location.replace(window.location.href);
      return;
    }
    busy = false;
    var form = currentForm();
    if (form) setBusy(form, false);
    if (view.fieldMessages && Object.keys(view.fieldMessages).length > 0) {
      showFieldErrors(view);
    } else if (view.declineCode && context === 'submit') {
      showDecline(view);
    }
    measureSoon();
  }

  // setBilling puts the merchant's billing address (submit({billingAddress})) into the
  // form's fields, where the buyer sees it and the server's messages about it land.
  function setBilling(form, billing) {
    if (!billing || typeof billing !== 'object' || form.dataset.form !== 'card') return;
    Object.keys(billing).forEach(function (name) {
      var el = form.elements.namedItem(name);
      if (el && typeof billing[name] === 'string' && el.closest('.billing')) el.value = billing[name];
    });
  }

  var beforeSubmits = {};
  var beforeSeq = 0;

  function send(form, action, submitter, id) {
    var body = bodyOf(form, action);
    if (!body) {
      post('duplicate', id);
      return;
    }
    busy = true;
    setBusy(form, true, submitter);
    showFormError('');
    if (!askBeforeSubmit || form.dataset.form === 'challenge') {
      transmit(form, body, id);
      return;
    }
    var ask = 'before-' + (++beforeSeq);
    beforeSubmits[ask] = function (stop) {
      if (!stop) {
        transmit(form, body, id);
        return;
      }
      busy = false;
      setBusy(form, false);
      post('submit-cancelled', id);
    };
    post('before-submit', ask);
  }

  function transmit(form, body, id) {
    post('submitting', id);
    var request = fetch(cfg.api + '/' + form.dataset.form, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Cashier-CSRF': cfg.csrf || '' },
      body: JSON.stringify(body),
      credentials: 'omit',
      cache: 'no-store',
      redirect: 'error'
    });
    body = null;
    request.then(function (res) {
      return res.json().then(function (data) {
        return { res: res, data: data };
      }, function () {
        return { res: res, data: null };
      });
    }).then(function (r) {
      if (r.res.ok && r.data && typeof r.data.step === 'string') {
        apply(r.data, id, 'submit');
        return;
      }
      busy = false;
      setBusy(form, false);
      showFormError(t('errorBody'));
      post('http-error', id, { status: r.res.status, message: (r.data && r.data.message) || '' });
    }, function () {
      busy = false;
      setBusy(form, false);
      showFormError(t('errNetwork'));
      post('network-error', id, { message: 'The payment could not be sent to the gateway; check the network and retry' });
    });
  }

  function defaultSubmitter(form) {
    return form.querySelector('#pay, #challenge-submit');
  }

  function wire(form) {
    form.addEventListener('cashier:submit', function (ev) {
      var d = ev.detail || {};
      if (busy) {
        post('duplicate', null);
        return;
      }
      send(form, d.action || '', d.submitter || null, null);
    });
    form.addEventListener('cashier:invalid', function () {
      post('invalid', null, { message: t('formErrors') });
      measureSoon();
    });
  }

  window.addEventListener('message', function (ev) {
    if (!origin || ev.source !== window.parent || ev.origin !== origin) return;
    var m = ev.data;
    if (!m || typeof m !== 'object' || m.source !== SOURCE || typeof m.type !== 'string') return;
    var id = typeof m.id === 'string' ? m.id : null;
    var form = currentForm();
    var card = window.CashierCard;
    switch (m.type) {
      case 'validate':
        post('validate-result', id, { isValid: !!(form && card && card.validate(form)) });
        measureSoon();
        break;
      case 'submit':
        if (busy || !form || ['card', 'cvv', 'challenge'].indexOf(form.dataset.form) < 0) {
          post('duplicate', id);
          return;
        }
        setBilling(form, m.payload && m.payload.billingAddress);
        if (card && !card.validate(form)) {
          post('invalid', id, { message: t('formErrors') });
          measureSoon();
          return;
        }
        send(form, 'submit', defaultSubmitter(form), id);
        break;
      case 'before-submit-done':
        var done = id && beforeSubmits[id];
        if (done) {
          delete beforeSubmits[id];
          done(!!(m.payload && m.payload.stop));
        }
        break;
      case 'modal':
        modal = !!(m.payload && m.payload.on);
        break;
      case 'focus':
        focusEdge(!!(m.payload && m.payload.at === 'last'));
        break;
    }
  });

  // ---- a result still processing: ask again until it is final ----

  function poll() {
    var tries = 0;
    function later() {
      if (++tries > 200) return;
      setTimeout(function () {
        fetch(cfg.api + '?locale=' + encodeURIComponent(cfg.locale || ''), { credentials: 'omit', cache: 'no-store' })
          .then(function (res) {
            return res.ok ? res.json() : null;
          })
          .then(function (v) {
            if (v && typeof v.step === 'string' && (v.step !== 'result' || v.final)) {
              apply(v, null, 'poll');
              return;
            }
            later();
          }, later);
      }, 3000);
    }
    later();
  }

  // ---- start ----

  var form = currentForm();
  if (form) wire(form);
  if (cfg.step === 'result' && cfg.view && !cfg.view.final) poll();

  lastHeight = height();
  post('ready', null, {
    step: cfg.step, view: cfg.view || null, error: cfg.error || 0,
    frameTitle: t('frameTitle'), closeLabel: t('close'), height: lastHeight
  });

  if (window.ResizeObserver) new ResizeObserver(measure).observe(document.body);
  if (window.MutationObserver) {
    new MutationObserver(measureSoon).observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
  }
  document.addEventListener('toggle', measureSoon, true);
  window.addEventListener('resize', measureSoon);
  window.addEventListener('load', measure);
})();
