/* cashier hosted payment pages: brand detection, number formatting and inline validation.
 * Progressive enhancement only: every form posts and is validated by the server without it.
 * Messages come from <script type="application/json" id="i18n">, the brand table (the same
 * one the gateway uses, internal/card: ranges, national prefixes, names) from id="brands".
 * No inline script; the one network call is a payment waiting on the issuer asking for its
 * state (pollStatus). */
(function () {
  'use strict';

  // ---- pure helpers (also loaded by the Go tests under Node) ----

  function digitsOf(s) {
    return String(s).replace(/\D/g, '');
  }

  // admits mirrors card.BrandRange.admits: the first n digits, as strings of equal length,
  // lie between low and high.
  function admits(r, p) {
    var n = Math.min(p.length, r.low.length);
    var a = p.slice(0, n);
    return r.low.slice(0, n) <= a && a <= r.high.slice(0, n);
  }

  // detectBrand mirrors card.DetectBrand: a brand once every range the digits could still
  // reach has that brand, '' while ambiguous or unknown.
  function detectBrand(ranges, pan) {
    var p = String(pan).replace(/[ -]/g, '');
    if (p === '' || /\D/.test(p)) return '';
    var brand = '';
    for (var i = 0; i < ranges.length; i++) {
      if (!admits(ranges[i], p)) continue;
      if (brand !== '' && brand !== ranges[i].brand) return '';
      brand = ranges[i].brand;
    }
    return brand;
  }

  // recognized mirrors card.Recognized: a brand's range, or a domestic scheme's national
  // prefix (the Korean local cards), whose brand the issuer names.
  function recognized(table, pan) {
    var p = String(pan).replace(/[ -]/g, '');
    if (detectBrand(table.ranges || [], p) !== '') return true;
    return (table.national || []).some(function (n) {
      return p.slice(0, n.length) === n;
    });
  }

  function luhn(p) {
    if (p.length < 2 || /\D/.test(p)) return false;
    var sum = 0;
    var dbl = false;
    for (var i = p.length - 1; i >= 0; i--) {
      var d = p.charCodeAt(i) - 48;
      if (dbl) {
        d *= 2;
        if (d > 9) d -= 9;
      }
      sum += d;
      dbl = !dbl;
    }
    return sum % 10 === 0;
  }

  function maxDigits(brand) {
    return brand === 'AMEX' ? 15 : 19;
  }

  // formatNumber groups digits as the card prints them: in fours, AMEX as 4-6-5, a 14-digit
  // Diners Club card as 4-6-4.
  function formatNumber(d, brand) {
    var groups = [4, 4, 4, 4, 3];
    if (brand === 'AMEX') groups = [4, 6, 5];
    else if (brand === 'DINERS' && d.length <= 14) groups = [4, 6, 4];
    var out = [];
    var i = 0;
    for (var g = 0; g < groups.length && i < d.length; g++) {
      out.push(d.slice(i, i + groups[g]));
      i += groups[g];
    }
    if (i < d.length) out.push(d.slice(i));
    return out.join(' ');
  }

  function validNumber(d) {
    return d.length >= 12 && d.length <= 19 && luhn(d);
  }

  // parseExpiry reads MM/YY (also M/YY, MM/YYYY, MMYY) as {m, y} two-digit strings, or null.
  function parseExpiry(v) {
    var s = String(v).replace(/\s/g, '');
    var m;
    var y;
    var parts = s.split('/');
    if (parts.length === 2) {
      m = parts[0];
      y = parts[1];
    } else if (/^\d{4}$/.test(s)) {
      m = s.slice(0, 2);
      y = s.slice(2);
    } else {
      return null;
    }
    if (/^\d$/.test(m)) m = '0' + m;
    if (/^\d{4}$/.test(y)) y = y.slice(2);
    if (!/^\d{2}$/.test(m) || !/^\d{2}$/.test(y)) return null;
    var mm = +m;
    if (mm < 1 || mm > 12) return null;
    return { m: m, y: y };
  }

  // expiryState: 'empty', 'invalid', 'past' or 'ok'. A card is good through its month.
  function expiryState(v, now) {
    if (String(v).trim() === '') return 'empty';
    var e = parseExpiry(v);
    if (!e) return 'invalid';
    var year = 2000 + +e.y;
    var month = +e.m;
    var nowYear = now.getFullYear();
    var nowMonth = now.getMonth() + 1;
    if (year < nowYear || (year === nowYear && month < nowMonth)) return 'past';
    return 'ok';
  }

  // formatExpiry inserts the slash as the buyer types; '4' becomes '04/'.
  function formatExpiry(v) {
    var s = String(v);
    if (s.indexOf('/') >= 0) {
      var parts = s.split('/');
      var m = digitsOf(parts[0]).slice(0, 2);
      var y = digitsOf(parts.slice(1).join('')).slice(0, 4);
      if (m.length === 1 && y.length > 0) m = '0' + m;
      return m + '/' + y;
    }
    var d = digitsOf(s).slice(0, 4);
    if (d.length === 1 && d > '1') return '0' + d + '/';
    if (d.length >= 2) return d.slice(0, 2) + '/' + d.slice(2);
    return d;
  }

  // coBadgedBrands mirrors card.CoBadged: the brands of a co-badged number, the default
  // first; [] for a card of one brand (or too few digits to tell).
  function coBadgedBrands(list, pan) {
    for (var i = 0; i < list.length; i++) {
      if (pan.indexOf(list[i].bin) === 0) return list[i].brands.slice();
    }
    return [];
  }

  function cvvLength(brand) {
    return brand === 'AMEX' ? 4 : 3;
  }

  var api = {
    detectBrand: detectBrand,
    coBadgedBrands: coBadgedBrands,
    recognized: recognized,
    luhn: luhn,
    formatNumber: formatNumber,
    validNumber: validNumber,
    parseExpiry: parseExpiry,
    expiryState: expiryState,
    formatExpiry: formatExpiry,
    cvvLength: cvvLength,
    maxDigits: maxDigits
  };
  if (typeof module === 'object' && module.exports) {
    module.exports = api;
  }
  if (typeof document === 'undefined') return;

  // ---- the page ----

  function readJSON(id, fallback) {
    var el = document.getElementById(id);
    if (!el) return fallback;
    try {
      return JSON.parse(el.textContent);
    } catch (e) {
      return fallback;
    }
  }

  var messages = readJSON('i18n', {});
  var table = readJSON('brands', null) || {};
  var ranges = table.ranges || [];
  var names = table.names || {};
  var coBadged = table.coBadged || [];

  function t(key) {
    return messages[key] || '';
  }

  function byId(id) {
    return document.getElementById(id);
  }

  function setError(input, message) {
    var el = byId(input.id + '-error');
    if (el) el.textContent = message || '';
    input.setAttribute('aria-invalid', message ? 'true' : 'false');
  }

  function hasError(input) {
    return input.getAttribute('aria-invalid') === 'true';
  }

  // Each validator returns the message for the field's value, '' when it is fine.
  var validators = {
    cardNo: function (input) {
      var d = digitsOf(input.value);
      if (d === '') return t('errCardNoRequired');
      if (!validNumber(d)) return t('errCardNoInvalid');
      return recognized(table, d) ? '' : t('errCardNotSupported');
    },
    expiry: function (input) {
      switch (expiryState(input.value, new Date())) {
        case 'empty': return t('errExpiryRequired');
        case 'invalid': return t('errExpiryInvalid');
        case 'past': return t('errExpiryPast');
      }
      return '';
    },
    cvv: function (input, form) {
      var v = input.value.replace(/\s/g, '');
      if (v === '') return t('errCvvRequired');
      var n = cvvLength(currentBrand(form));
      if (v.length !== n || /\D/.test(v)) return t(n === 4 ? 'errCvvInvalid4' : 'errCvvInvalid3');
      return '';
    },
    holderName: function (input) {
      return input.value.trim() === '' ? t('errHolderRequired') : '';
    },
    region: function (input) {
      var v = input.value.trim();
      return v === '' || /^[A-Za-z]{2}$/.test(v) ? '' : t('errRegionInvalid');
    },
    otp: function (input) {
      return input.value.trim() === '' ? t('errOtpRequired') : '';
    }
  };

  function currentBrand(form) {
    if (form.dataset.brand) return form.dataset.brand;
    var number = form.querySelector('#cardNo');
    return number ? detectBrand(ranges, digitsOf(number.value)) : '';
  }

  function fieldsOf(form) {
    var list = [];
    Object.keys(validators).forEach(function (id) {
      var input = form.querySelector('#' + id);
      if (input) list.push(input);
    });
    return list;
  }

  function check(input, form) {
    var message = validators[input.id](input, form);
    setError(input, message);
    return message === '';
  }

  // ---- card number: brand logo and grouping ----

  // brandName is what a buyer (and a screen reader) is told: "UnionPay", never "CUP".
  function brandName(brand) {
    return names[brand] || brand;
  }

  function showBrand(brand) {
    var logo = byId('brand-logo');
    var name = byId('brand-name');
    if (logo) {
      if (brand) {
        logo.src = '/static/logos/' + encodeURIComponent(brand) + '.svg';
        logo.alt = brandName(brand);
        logo.hidden = false;
      } else {
        logo.hidden = true;
        logo.removeAttribute('src');
        logo.alt = '';
      }
    }
    if (name) {
      var text = brand ? t('detectedBrand').replace('{brand}', brandName(brand)) : '';
      if (name.textContent !== text) name.textContent = text;
    }
  }

  function onNumberInput(input) {
    var before = input.value;
    var caret = input.selectionStart == null ? before.length : input.selectionStart;
    var digitsBeforeCaret = digitsOf(before.slice(0, caret)).length;
    var d = digitsOf(before);
    var brand = detectBrand(ranges, d);
    d = d.slice(0, maxDigits(brand));
    var formatted = formatNumber(d, brand);
    if (formatted !== before) {
      input.value = formatted;
      var pos = 0;
      var seen = 0;
      while (pos < formatted.length && seen < digitsBeforeCaret) {
        if (/\d/.test(formatted.charAt(pos))) seen++;
        pos++;
      }
      if (document.activeElement === input) input.setSelectionRange(pos, pos);
    }
    showBrand(brand);
    showBrandChoice(d);
    updatePlans(input.form, d);
    var form = input.form;
    if (form && form.dataset.shownBrand !== brand) {
      form.dataset.shownBrand = brand;
      brandChanged(form, brand);
    }
  }

  // showBrandChoice offers the brands of a co-badged card as a radio group, the default
  // checked: in the EU the buyer chooses which network pays (Regulation (EU) 2015/751). It
  // is rebuilt only when the brands change, so a choice made survives further typing.
  function showBrandChoice(d) {
    var box = byId('brand-choice');
    var options = byId('brand-options');
    if (!box || !options) return;
    var brands = coBadgedBrands(coBadged, d);
    var key = brands.join(' ');
    if (box.dataset.brands === key) return;
    box.dataset.brands = key;
    options.textContent = '';
    brands.forEach(function (b, i) {
      var row = document.createElement('div');
      row.className = 'brand-option';
      var radio = document.createElement('input');
      radio.type = 'radio';
      radio.name = 'selectedCardBrand';
      radio.id = 'brand-' + b;
      radio.value = b;
      radio.checked = i === 0;
      var label = document.createElement('label');
      label.htmlFor = radio.id;
      var mark = document.createElement('img');
      mark.src = '/static/logos/' + encodeURIComponent(b) + '.svg';
      mark.alt = '';
      mark.width = 40;
      mark.height = 25;
      label.appendChild(mark);
      label.appendChild(document.createTextNode(brandName(b)));
      row.appendChild(radio);
      row.appendChild(label);
      options.appendChild(row);
    });
    box.hidden = brands.length === 0;
  }

  // ---- installment plans ----
  //
  // A session that collects installments has a plan select (hidden, holding "pay in full")
  // whose data-plans URL says which plans the card's BIN has for this payment. It is asked
  // once the first PLAN_BIN digits are typed, and again only when they change: the BIN goes
  // out, never the number. No plans, or no answer, leaves the select hidden and the payment
  // in full; without JavaScript the server lists the card's plans once the form is sent.

  var PLAN_BIN = 8;

  function updatePlans(form, digits) {
    var select = form && form.querySelector('#installments');
    if (!select) return;
    var bin = digits.length >= PLAN_BIN ? digits.slice(0, PLAN_BIN) : '';
    if (select.dataset.bin === bin) return;
    select.dataset.bin = bin;
    if (bin === '') {
      showPlans(select, []);
      return;
    }
    fetch(select.getAttribute('data-plans') + '&bin=' + encodeURIComponent(bin), { headers: { Accept: 'application/json' }, cache: 'no-store' })
      .then(function (r) {
        return r.ok ? r.json() : null;
      })
      .then(function (v) {
        // The buyer may have typed another card meanwhile: only the latest BIN's plans show.
        if (select.dataset.bin === bin) showPlans(select, v && Array.isArray(v.plans) ? v.plans : []);
      }, function () {
        if (select.dataset.bin === bin) showPlans(select, []);
      });
  }

  // showPlans fills the select, keeping the buyer's choice (or the merchant's preselected
  // plan) when the new card has it too, and shows the field only when there is a choice.
  function showPlans(select, plans) {
    var want = select.value !== '0' ? select.value : (select.getAttribute('data-selected') || '0');
    while (select.options.length > 1) select.remove(1);
    plans.forEach(function (p) {
      var o = document.createElement('option');
      o.value = String(p.installmentNum);
      o.textContent = String(p.label);
      select.appendChild(o);
    });
    select.value = plans.some(function (p) { return String(p.installmentNum) === want; }) ? want : '0';
    var field = byId('installments-field');
    if (field) field.hidden = plans.length === 0;
  }

  // brandChanged fits the CVV field to the card: its length, where to find it, and its
  // message, which may have been about the last brand's length.
  function brandChanged(form, brand) {
    var cvv = form.querySelector('#cvv');
    if (!cvv) return;
    cvv.maxLength = cvvLength(brand);
    var hint = byId('cvv-hint');
    if (hint) hint.textContent = brand === '' ? t('cvvHint') : t(brand === 'AMEX' ? 'cvvHint4' : 'cvvHint3');
    if (hasError(cvv) || cvv.value !== '') check(cvv, form);
  }

  function onExpiryInput(input, ev) {
    if (ev && ev.inputType && ev.inputType.indexOf('delete') === 0) return;
    var formatted = formatExpiry(input.value);
    if (formatted !== input.value) input.value = formatted;
  }

  // validate checks every field of the form, shows the messages and the form-level summary,
  // opens the billing section and focuses the first bad field. It answers whether all is fine.
  function validate(form) {
    var firstBad = null;
    fieldsOf(form).forEach(function (input) {
      if (!check(input, form) && !firstBad) firstBad = input;
    });
    var summary = byId('form-error');
    if (firstBad) {
      if (summary) {
        summary.textContent = t('formErrors');
        summary.hidden = false;
      }
      var details = firstBad.closest('details');
      if (details) details.open = true;
      firstBad.focus();
      return false;
    }
    if (summary) summary.hidden = true;
    return true;
  }

  // setBusy shows a form at work: its buttons disabled, its fields read-only (still sent,
  // unlike disabled ones) and its checkboxes locked, the submitter saying what happens; and
  // makes it usable again. frame.js uses it too.
  function setBusy(form, on, submitter) {
    form.setAttribute('aria-busy', on ? 'true' : 'false');
    form.querySelectorAll('button').forEach(function (b) {
      b.disabled = on;
      if (!on) {
        b.removeAttribute('aria-busy');
        if (b.dataset.label) {
          b.textContent = b.dataset.label;
          delete b.dataset.label;
        }
      }
    });
    form.querySelectorAll('input').forEach(function (i) {
      if (i.type === 'hidden') return;
      i.readOnly = on;
      if (on) i.setAttribute('aria-disabled', 'true');
      else i.removeAttribute('aria-disabled');
    });
    if (on && submitter) {
      submitter.setAttribute('aria-busy', 'true');
      if (submitter.dataset.busy) {
        submitter.dataset.label = submitter.textContent;
        submitter.textContent = submitter.dataset.busy;
      }
    }
  }

  // A checkbox ignores readOnly: a busy form keeps it as it was sent.
  document.addEventListener('click', function (ev) {
    var el = ev.target;
    if (el && el.type === 'checkbox' && el.form && el.form.getAttribute('aria-busy') === 'true') ev.preventDefault();
  }, true);

  // ---- the hosted card form after a decline ----
  //
  // A declined card brings the buyer back to the form (a new page, after Post/Redirect/Get).
  // What they typed besides the card number and the CVV is kept for that one return, in this
  // tab's sessionStorage: never the number or the CVV, and gone once any form of the payment
  // is shown again (or the tab closes).

  var KEPT = ['expiry', 'holderName', 'region', 'state', 'city', 'address1', 'address2', 'zipCode', 'saveCard'];

  // The key is the page's path: the form posts to it and the decline comes back to it.
  function keptKey() {
    return 'cashier-form:' + window.location.pathname;
  }

  function keep(form) {
    var v = {};
    KEPT.forEach(function (name) {
      var el = form.elements.namedItem(name);
      if (el) v[name] = el.type === 'checkbox' ? el.checked : el.value;
    });
    try {
      window.sessionStorage.setItem(keptKey(), JSON.stringify(v));
    } catch (e) { /* storage off: the buyer types again */ }
  }

  function restore(form) {
    var v = null;
    try {
      v = JSON.parse(window.sessionStorage.getItem(keptKey()) || 'null');
      window.sessionStorage.removeItem(keptKey());
    } catch (e) {
      v = null;
    }
    if (!v || typeof v !== 'object' || form.dataset.form !== 'card' || !form.hasAttribute('data-declined')) return;
    KEPT.forEach(function (name) {
      var el = form.elements.namedItem(name);
      if (!el || !(name in v)) return;
      if (el.type === 'checkbox') el.checked = v[name] === true;
      else if (el.value === '' && typeof v[name] === 'string') el.value = v[name];
    });
    var details = form.querySelector('details.billing');
    if (details && ['region', 'state', 'city', 'address1', 'address2', 'zipCode'].some(function (n) { return v[n]; })) details.open = true;
  }

  // In the browser SDK's frame (<html data-sdk>) nothing posts: a valid submit becomes a
  // 'cashier:submit' event (detail.action is the button's action), an invalid one a
  // 'cashier:invalid' event, and frame.js sends the form with fetch.
  var sdkMode = document.documentElement.hasAttribute('data-sdk');

  function guardSDKSubmit(form) {
    form.noValidate = true;
    form.addEventListener('submit', function (ev) {
      ev.preventDefault();
      var submitter = ev.submitter || null;
      var skip = submitter && submitter.hasAttribute('formnovalidate');
      if (!skip && !validate(form)) {
        form.dispatchEvent(new CustomEvent('cashier:invalid'));
        return;
      }
      var action = submitter && submitter.name === 'action' ? submitter.value : '';
      form.dispatchEvent(new CustomEvent('cashier:submit', { detail: { action: action, submitter: submitter } }));
    });
  }

  // ---- submit: validate, then block a second submit ----

  function guardSubmit(form) {
    if (sdkMode) {
      guardSDKSubmit(form);
      return;
    }
    var busy = false;
    form.noValidate = true;
    form.addEventListener('submit', function (ev) {
      if (busy) {
        ev.preventDefault();
        return;
      }
      var submitter = ev.submitter || null;
      var skip = submitter && submitter.hasAttribute('formnovalidate');
      if (!skip && !validate(form)) {
        ev.preventDefault();
        return;
      }
      busy = true;
      // A disabled submit button is left out of the form data; carry its name=value.
      if (submitter && submitter.name) {
        var hidden = document.createElement('input');
        hidden.type = 'hidden';
        hidden.name = submitter.name;
        hidden.value = submitter.value;
        form.appendChild(hidden);
      }
      if (form.dataset.form === 'card') keep(form);
      setBusy(form, true, submitter);
    });
    // Back/forward cache: a page shown again must be usable again.
    window.addEventListener('pageshow', function (ev) {
      if (!ev.persisted) return;
      busy = false;
      setBusy(form, false);
      form.querySelectorAll('input[type="hidden"][name="action"]').forEach(function (h) {
        h.remove();
      });
    });
  }

  function wire(form) {
    fieldsOf(form).forEach(function (input) {
      input.addEventListener('blur', function () {
        if (input.value !== '' || hasError(input)) check(input, form);
      });
      input.addEventListener('input', function (ev) {
        if (input.id === 'cardNo') onNumberInput(input);
        if (input.id === 'expiry') onExpiryInput(input, ev);
        if (input.id === 'region') input.value = input.value.toUpperCase();
        if (hasError(input)) check(input, form);
      });
    });
    if (!sdkMode) restore(form);
    // The plan select is served disabled, so that a form without JavaScript posts no plan and
    // the server asks for one once it knows the card; here it is this script's to show.
    var plans = form.querySelector('select#installments');
    if (plans) plans.disabled = false;
    var number = form.querySelector('#cardNo');
    if (number && number.value) onNumberInput(number);
    var cvv = form.querySelector('#cvv');
    if (cvv && form.dataset.brand) cvv.maxLength = cvvLength(form.dataset.brand);
    guardSubmit(form);
  }

  // pollStatus: a result page waiting on the issuer asks for the payment's state every few
  // seconds and reloads once there is an outcome, instead of a timed refresh that would
  // reload under a buyer who is reading (WCAG 2.2.1). A failed look-up is tried again; the
  // page's "Check status" link does the same by hand, and without JavaScript, which is what
  // the page says until this swaps in the wording of a page that updates by itself.
  function pollStatus(result) {
    var url = result.getAttribute('data-poll');
    var message = result.querySelector('#result-message[data-live]');
    if (message) message.textContent = message.getAttribute('data-live');
    function again() {
      window.setTimeout(check, 3000);
    }
    function check() {
      fetch(url, { headers: { Accept: 'application/json' }, cache: 'no-store' })
        .then(function (r) {
          return r.ok ? r.json() : null;
        })
        .then(function (v) {
          if (v && (v.final || v.step !== 'result')) {
            window.location.reload();
            return;
          }
          again();
        }, again);
    }
    again();
  }

  function init() {
    document.querySelectorAll('form[data-form]').forEach(wire);
    var waiting = document.querySelector('#result[data-poll]');
    if (waiting) pollStatus(waiting);
  }

  // For frame.js: validate a form as a submit would, and reset the brand after the card
  // number was cleared.
  window.CashierCard = {
    validate: validate,
    setBusy: setBusy,
    refreshNumber: function (input) {
      onNumberInput(input);
    }
  };

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', init);
  } else {
    init();
  }
})();
