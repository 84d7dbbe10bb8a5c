/*! cashier web SDK: a drop-in for Antom's @alipay/ams-checkout (v1 API) that talks to cashier.
 *
 * The merchant's page keeps its code; only the script changes:
 *
 *   <script src="https://<cashier>/sdk/ams-checkout.js"></script>
 *   const checkout = new AMSCashierPayment({environment: 'sandbox', locale: 'en_US', onEventCallback});
 *   checkout.mountComponent({sessionData}, '#card');   // or createComponent({sessionData}) for a popup
 *
 * and, to save a card without paying, new AMSVaulting({...}) with a vaulting session's data.
 *
 * The card form runs in an iframe on cashier's origin (/sdk/form/{token}); card data goes
 * from it straight to cashier. The iframe and this script exchange postMessage messages
 * {source: 'cashier-sdk', type, id, payload}, each side checking the other's window and
 * origin. No build step: this file is served as is (UMD), and /sdk/ams-checkout.mjs is the
 * same core as an ES module. */
(function (root, factory) {
  'use strict';
  // The gateway is found from this script's own URL unless the session data names it;
  // document.currentScript is only set while the script first runs.
  var scriptURL = '';
  try {
    if (typeof document !== 'undefined' && document.currentScript && document.currentScript.src) {
      scriptURL = document.currentScript.src;
    }
  } catch (e) {
    scriptURL = '';
  }
  var api = factory(scriptURL);
  if (typeof define === 'function' && define.amd) {
    define([], function () {
      return api;
    });
  }
  if (typeof module === 'object' && module && module.exports) {
    module.exports = api;
  }
  if (root) {
    root.AMSCashierPayment = api.AMSCashierPayment;
    root.AMSCheckout = api.AMSCheckout;
    root.AMSVaulting = api.AMSVaulting;
    if (!root.AMSCheckoutPage) root.AMSCheckoutPage = api.AMSCheckoutPage;
    // The other products' globals, unless a page already has them from elsewhere.
    Object.keys(api).forEach(function (name) {
      if (api[name] && api[name].unsupported && !root[name]) root[name] = api[name];
    });
  }
})(typeof window !== 'undefined' ? window : typeof self !== 'undefined' ? self : this,
// @cashier-sdk-core-begin
function cashierSDK(scriptURL) {
  'use strict';

  var VERSION = '1.0.0';
  var SOURCE = 'cashier-sdk';
  var LOAD_TIMEOUT_MS = 15000;
  var REPLY_TIMEOUT_MS = 10000;
  var REDIRECT_DELAY_MS = 2000;
  var ENVIRONMENTS = ['sandbox', 'prod', 'light_sandbox'];
  var UNSUPPORTED = ['AMSElement', 'AntomElement', 'AMSAutoDebit', 'AMSEasyPay', 'AddressElement'];
  // The productScene of a vaulting session's data (createVaultingSession).
  var VAULTING_SCENE = 'CARD_VAULTING';
  var CALLBACKS = ['onEventCallback', 'onError', 'onLog', 'onClose', 'onSizeChanged',
    'onPaymentMethodSelected', 'onChange', 'onBeforeSubmit'];
  // The fields of submit({billingAddress}), as the card form and Antom's API name them.
  var BILLING_FIELDS = ['region', 'state', 'city', 'address1', 'address2', 'zipCode'];
  // onBeforeSubmit answers that stop a submission; CONTINUE, IGNORE and TIMEOUT let it go.
  var STOPS_SUBMIT = { CANCEL: true, ERROR: true };
  var TOKEN_RE = /^[A-Za-z0-9_-]{1,128}\.[A-Za-z0-9_-]{16,128}$/;

  // Events that answer a submit() call.
  var SETTLES_SUBMIT = {
    SDK_FORM_VERIFICATION_FAILED: true,
    SDK_PAYMENT_SUCCESSFUL: true,
    SDK_PAYMENT_FAIL: true,
    SDK_PAYMENT_PROCESSING: true,
    SDK_PAYMENT_ERROR: true,
    SDK_PAYMENT_CANCEL: true,
    SDK_SUBMIT_NETWORK_ERROR: true
  };

  function isFunction(f) {
    return typeof f === 'function';
  }

  function isObject(o) {
    return o !== null && typeof o === 'object';
  }

  function warn(message) {
    if (typeof console !== 'undefined' && console.warn) console.warn('[AMSCashierPayment] ' + message);
  }

  function sdkError(code, message) {
    return { code: code, message: message };
  }

  // ---- session data ----

  function decodeBase64(s) {
    var t = String(s).replace(/\s/g, '').replace(/-/g, '+').replace(/_/g, '/');
    while (t.length % 4) t += '=';
    var bin = atob(t);
    if (typeof TextDecoder === 'undefined') return bin;
    var bytes = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  }

  // parseSessionData reads paymentSessionData (or vaultingSessionData, shaped alike),
  // '<opaque>&&<region>&&<opaque>' with, in newer sessions, '&&<base64 JSON>'. cashier's first
  // segment is the base64 page token; the JSON has cashier.token and cashier.gateway, and
  // paymentSessionConfig.productScene. It throws a message when the data is unusable; help
  // says which data the product takes.
  function parseSessionData(data, help) {
    if (typeof data !== 'string' || data.trim() === '') {
      throw new Error('sessionData is required: ' + help);
    }
    var parts = data.trim().split('&&');
    if (parts.length !== 3 && parts.length !== 4) {
      throw new Error('sessionData is malformed: expected 3 or 4 segments separated by &&');
    }
    for (var i = 0; i < parts.length; i++) {
      if (parts[i] === '') throw new Error('sessionData is malformed: segment ' + (i + 1) + ' is empty');
    }
    var info = { region: parts[1], token: '', gateway: '', scene: '', config: null };
    if (parts.length === 4) {
      var config;
      try {
        config = JSON.parse(decodeBase64(parts[3]));
      } catch (e) {
        throw new Error('sessionData is malformed: its last segment is not base64 JSON');
      }
      if (!isObject(config)) throw new Error('sessionData is malformed: its last segment is not a JSON object');
      info.config = config;
      var c = config.cashier;
      if (isObject(c)) {
        if (typeof c.token === 'string') info.token = c.token;
        if (typeof c.gateway === 'string') info.gateway = c.gateway;
      }
      var sc = config.paymentSessionConfig;
      if (isObject(sc) && typeof sc.productScene === 'string') info.scene = sc.productScene;
    }
    if (!info.token) {
      try {
        info.token = decodeBase64(parts[0]);
      } catch (e) {
        info.token = '';
      }
    }
    if (!TOKEN_RE.test(info.token)) {
      throw new Error('sessionData is malformed or was not issued by this gateway');
    }
    return info;
  }

  // baseOf returns the gateway's base URL (no trailing slash) from an absolute http(s) URL:
  // a gateway URL as is, a script URL without its /sdk/... path.
  function baseOf(u, isScript) {
    if (typeof u !== 'string' || u === '') return '';
    var url;
    try {
      url = new URL(u);
    } catch (e) {
      return '';
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return '';
    var path = url.pathname;
    if (isScript) {
      var i = path.lastIndexOf('/sdk/');
      path = i >= 0 ? path.slice(0, i) : '';
    }
    return url.origin + path.replace(/\/+$/, '');
  }

  // ---- DOM helpers (style through the CSSOM only: allowed by a strict style-src) ----

  function make(tag, attrs, style) {
    var el = document.createElement(tag);
    if (attrs) {
      for (var k in attrs) {
        if (!Object.prototype.hasOwnProperty.call(attrs, k)) continue;
        if (k === 'text') el.textContent = attrs[k];
        else el.setAttribute(k, attrs[k]);
      }
    }
    if (style) {
      for (var s in style) {
        if (Object.prototype.hasOwnProperty.call(style, s)) el.style[s] = style[s];
      }
    }
    return el;
  }

  function spinner() {
    var box = make('div', { id: 'ams-cashier-loading', role: 'status', 'aria-live': 'polite', 'aria-label': 'Loading' }, {
      display: 'flex', alignItems: 'center', justifyContent: 'center', minHeight: '160px', width: '100%'
    });
    var ring = make('div', { 'aria-hidden': 'true' }, {
      width: '36px', height: '36px', boxSizing: 'border-box', borderRadius: '50%',
      border: '4px solid #cbd5e0', borderTopColor: '#1a56db'
    });
    if (isFunction(ring.animate)) {
      try {
        ring.animate([{ transform: 'rotate(0deg)' }, { transform: 'rotate(360deg)' }], { duration: 800, iterations: Infinity });
      } catch (e) {
        // a static ring is fine
      }
    }
    box.appendChild(ring);
    return box;
  }

  function resolveContainer(selector) {
    if (typeof Element !== 'undefined' && selector instanceof Element) return selector;
    if (typeof selector !== 'string' || selector.trim() === '') return null;
    try {
      return document.querySelector(selector);
    } catch (e) {
      return null;
    }
  }

  function safeRedirectURL(u) {
    if (typeof u !== 'string' || u === '') return '';
    try {
      var url = new URL(u);
      return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : '';
    } catch (e) {
      return '';
    }
  }

  // ---- results ----

  function resultStatusOf(code) {
    if (code === 'SUCCESS') return 'S';
    if (code === 'PAYMENT_IN_PROCESS' || code === 'UNKNOWN_EXCEPTION' || code === 'REQUEST_TRAFFIC_EXCEED_LIMIT') return 'U';
    return 'F';
  }

  // buildResult is the `result` of an event, in the shape of Antom's SDK.
  function buildResult(view, decline) {
    var code = decline ? view.declineCode : view.resultCode;
    var message = decline ? view.declineMessage : view.resultMessage;
    var status = decline ? 'FAIL' : view.status;
    var res = {
      result: {
        resultCode: code || '',
        resultStatus: (decline ? '' : view.resultStatus) || resultStatusOf(code),
        resultMessage: message || ''
      },
      paymentResultCode: code || '',
      paymentResultMessage: message || '',
      paymentStatus: status || '',
      redirectUrls: { normalUrl: view.redirectUrl || '', schemeUrl: '', applinkUrl: '' }
    };
    if (view.cardMasked || view.cardBrand) {
      res.cardPaymentResultInfo = { cardNo: view.cardMasked || '', cardBrand: view.cardBrand || '' };
    }
    return res;
  }

  // maskedCardNo writes a masked number as notifyVaulting does: all but the last four digits
  // as '*'.
  function maskedCardNo(masked) {
    var digits = String(masked || '').replace(/[^0-9*]/g, '');
    if (digits.length <= 4) return digits;
    return new Array(digits.length - 3).join('*') + digits.slice(-4);
  }

  // buildVaultingResult is the `result` of an AMSVaulting event: the vaulting's result and
  // vaultingStatus as notifyVaulting has them, and the card for display. The cardToken is
  // not in it: like every client-side result this one is for display, and the token reaches
  // the merchant's server with notifyVaulting and inquireVaulting.
  function buildVaultingResult(view) {
    var code = view.resultCode;
    var res = {
      result: {
        resultCode: code || '',
        resultStatus: view.resultStatus || (code ? resultStatusOf(code) : ''),
        resultMessage: view.resultMessage || ''
      },
      vaultingStatus: view.status || '',
      redirectUrls: { normalUrl: view.redirectUrl || '', schemeUrl: '', applinkUrl: '' }
    };
    if (view.cardMasked || view.cardBrand) {
      res.paymentMethodDetail = {
        paymentMethodType: 'CARD',
        card: { maskedCardNo: maskedCardNo(view.cardMasked), brand: view.cardBrand || '' }
      };
    }
    return res;
  }

  // The two products on the one card form: the payment drop-in (AMSCashierPayment, sessions
  // of createPaymentSession) and card saving (AMSVaulting, sessions of createVaultingSession).
  // Each takes only its own sessions, and words its events and results its own way.
  var PAYMENT = {
    vaulting: false,
    noun: 'payment',
    label: 'Card payment form',
    help: 'pass the paymentSessionData of createPaymentSession',
    wrongSession: 'sessionData is a vaulting session (createVaultingSession): render it with AMSVaulting',
    done: 'Payment successful',
    failed: 'Payment failed',
    authorized: 'The buyer was authenticated and the card authorized',
    result: buildResult
  };
  var VAULTING = {
    vaulting: true,
    noun: 'vaulting',
    label: 'Card saving form',
    help: 'pass the vaultingSessionData of createVaultingSession',
    wrongSession: 'sessionData is a payment session: AMSVaulting takes the vaultingSessionData of createVaultingSession',
    done: 'The card was saved',
    failed: 'The card was not saved',
    authorized: 'The buyer was authenticated and the card verified',
    result: buildVaultingResult
  };

  // ---- the class ----

  function AMSCashierPayment(options) {
    if (!(this instanceof AMSCashierPayment)) return new AMSCashierPayment(options);
    var o = isObject(options) ? options : {};
    for (var i = 0; i < CALLBACKS.length; i++) {
      var cb = o[CALLBACKS[i]];
      if (cb !== undefined && cb !== null && !isFunction(cb)) {
        if (isFunction(o.onError)) {
          try {
            o.onError(sdkError('SDK_INIT_PARAMETER_ERROR', CALLBACKS[i] + ' must be a function'));
          } catch (e) {
            // the merchant's handler failed; the constructor still throws below
          }
        }
        throw new Error('Parameter type should be function');
      }
    }
    var environment = o.environment;
    if (environment === undefined || environment === null) {
      environment = 'prod';
    } else if (ENVIRONMENTS.indexOf(environment) < 0) {
      warn('environment "' + environment + '" is not one of ' + ENVIRONMENTS.join(', ') + '; using prod');
      environment = 'prod';
    }
    this.options = {
      environment: environment,
      // Passed on as given, as the real package does: the form shows a locale it lacks in en_US.
      locale: typeof o.locale === 'string' && o.locale !== '' ? o.locale : 'en_US',
      // cashier sends no analytics anywhere; the option is accepted for compatibility.
      analytics: { enabled: !!(isObject(o.analytics) && o.analytics.enabled) }
    };
    for (var j = 0; j < CALLBACKS.length; j++) this.options[CALLBACKS[j]] = o[CALLBACKS[j]] || null;
    this.version = VERSION;
    this._component = null;
  }

  AMSCashierPayment.prototype._product = PAYMENT;

  // preconnect opens the connection to the gateway ahead of the card form, once a page. The
  // form page and what it loads belong to one session and revalidate by ETag, so there is
  // nothing to fetch before a session exists; the DNS, TCP and TLS round trips of the first
  // frame request are what a preload can save.
  var preconnected = {};

  function preconnect(base) {
    if (!base || typeof document === 'undefined' || !document.head) return;
    var origin = new URL(base).origin;
    if (origin === window.location.origin || preconnected[origin]) return;
    preconnected[origin] = true;
    document.head.appendChild(make('link', { rel: 'preconnect', href: origin, 'data-cashier': '' }));
  }

  /** preload prepares the gateway's connection before the checkout page creates the SDK
   * (the real package's static AMSCashierPayment.preload({environment, securityRegion})). */
  AMSCashierPayment.preload = function () {
    preconnect(baseOf(scriptURL, true));
  };

  /** preloadComponent is preload for an instance; the real package's arguments name its own
   * web apps and mean nothing here. */
  AMSCashierPayment.prototype.preloadComponent = function () {
    AMSCashierPayment.preload();
  };

  /** canMakePayments resolves whether the component can take a payment method: its own, the
   * card, when none is named; cashier has no wallet, so not Apple Pay, the one method the
   * real package checks. */
  AMSCashierPayment.prototype.canMakePayments = function (paymentMethod) {
    return Promise.resolve(!paymentMethod || paymentMethod === 'CARD');
  };

  AMSCashierPayment.prototype._call = function (name, arg) {
    var f = this.options[name];
    if (!isFunction(f)) return;
    try {
      f(arg);
    } catch (e) {
      if (typeof console !== 'undefined' && console.error) console.error('[AMSCashierPayment] ' + name + ' threw', e);
    }
  };

  AMSCashierPayment.prototype._log = function (code, message) {
    this._call('onLog', { code: code, message: message });
  };

  AMSCashierPayment.prototype._emit = function (c, event) {
    if (c && c.dead) return;
    this._call('onEventCallback', event);
    if (c && SETTLES_SUBMIT[event.code]) {
      var pending = c.submits;
      c.submits = [];
      for (var i = 0; i < pending.length; i++) pending[i].resolve(event);
    }
  };

  // _reject ends a creation that failed: onError (and onEventCallback for a component error),
  // then a rejected promise.
  AMSCashierPayment.prototype._reject = function (code, message) {
    var err = sdkError(code, message);
    if (code === 'SDK_CREATECOMPONENT_ERROR') this._call('onEventCallback', { code: code, message: message });
    this._call('onError', err);
    return Promise.reject(err);
  };

  /** createComponent opens the card form in a full-page popup. */
  AMSCashierPayment.prototype.createComponent = function (params) {
    return this._create('popup', params, null);
  };

  /** mountComponent puts the card form into the element `selector` names. */
  AMSCashierPayment.prototype.mountComponent = function (params, selector) {
    return this._create('embedded', params, selector);
  };

  AMSCashierPayment.prototype._create = function (mode, params, selector) {
    var self = this;
    if (this._component) {
      return this._reject('SDK_CREATECOMPONENT_ERROR', 'Only one component can be rendered simultaneously');
    }
    if (typeof document === 'undefined' || typeof window === 'undefined') {
      return this._reject('SDK_INTERNAL_ERROR', 'The SDK needs a browser page');
    }
    if (!isObject(params)) {
      return this._reject('SDK_CREATEPAYMENT_PARAMETER_ERROR', 'params must be an object with sessionData');
    }
    var product = this._product;
    var data = params.sessionData;
    if (data === undefined || data === null) data = product.vaulting ? params.vaultingSessionData : params.paymentSessionData;
    var info;
    try {
      info = parseSessionData(data, product.help);
    } catch (e) {
      return this._reject('SDK_CREATEPAYMENT_PARAMETER_ERROR', e.message);
    }
    // The frame checks again from the session itself (_onReady): data of three segments
    // names no scene.
    if (info.scene && (info.scene === VAULTING_SCENE) !== product.vaulting) {
      return this._reject('SDK_CREATEPAYMENT_PARAMETER_ERROR', product.wrongSession);
    }
    var base = baseOf(info.gateway, false) || baseOf(scriptURL, true);
    if (!base) {
      return this._reject('SDK_CREATECOMPONENT_ERROR', 'The payment gateway is unknown: load the SDK from cashier or pass session data from createPaymentSession');
    }
    var container = null;
    if (mode === 'embedded') {
      container = resolveContainer(selector);
      if (!container) {
        return this._reject('SDK_CREATEPAYMENT_PARAMETER_ERROR', 'No element matches the selector ' + String(selector));
      }
    }
    var pageOrigin = window.location.origin;
    if (!/^https?:\/\//.test(pageOrigin || '')) {
      return this._reject('SDK_CREATECOMPONENT_ERROR', 'The page must be served over http or https');
    }
    var appearance = isObject(params.appearance) ? params.appearance : {};
    var appoint = isObject(params.merchantAppointParam) ? params.merchantAppointParam : {};
    var stored = isObject(appoint.storedCard) ? appoint.storedCard : {};
    var c = {
      mode: mode,
      base: base,
      frameOrigin: new URL(base).origin,
      token: info.token,
      showLoading: appearance.showLoading !== false,
      showSubmit: typeof appearance.showSubmitButton === 'boolean' ? appearance.showSubmitButton : mode === 'popup',
      redirect: params.notRedirectAfterComplete !== true,
      // In a native app's webview the app opens paymentRedirectUrl itself (SDK_REDIRECT).
      nativeApp: params.isNativeAppWebview === true,
      // A vaulting takes a new card: no saved card's CVV to ask for.
      needCVV: !product.vaulting && stored.needCVV === true,
      themeType: typeof appearance.themeType === 'string' ? appearance.themeType : '',
      accentColor: typeof appearance.accentColor === 'string' ? appearance.accentColor : '',
      // The overlay holds the focus: the popup always, an embedded form during 3-D Secure.
      modal: mode === 'popup',
      ready: false,
      dead: false,
      step: '',
      challenged: false,
      final: false,
      processing: false,
      height: 0,
      nextId: 1,
      submits: [],
      replies: {},
      reloading: false,
      queue: [],
      timers: []
    };
    this._component = c;
    this._emit(c, { code: 'SDK_START_OF_LOADING' });
    this._log('SDK_LOG', 'creating the ' + mode + ' component on ' + c.frameOrigin);

    var promise = new Promise(function (resolve, reject) {
      c.resolveReady = resolve;
      c.rejectReady = reject;
    });
    this._build(c, container);
    c.onMessage = function (ev) {
      self._onMessage(c, ev);
    };
    window.addEventListener('message', c.onMessage);
    c.onFocusIn = function (ev) {
      if (c.modal && !c.root.contains(ev.target)) self._focusInside(c, false);
    };
    document.addEventListener('focusin', c.onFocusIn);
    c.loadTimer = setTimeout(function () {
      if (c.ready || c.dead) return;
      self._failCreation(c, 'SDK_CREATECOMPONENT_ERROR', 'Load resource timeout');
    }, LOAD_TIMEOUT_MS);
    c.iframe.src = this._frameURL(c);
    return promise;
  };

  AMSCashierPayment.prototype._frameURL = function (c) {
    var q = [
      'origin=' + encodeURIComponent(window.location.origin),
      'locale=' + encodeURIComponent(this.options.locale),
      'showSubmitButton=' + (c.showSubmit ? '1' : '0'),
      'needCVV=' + (c.needCVV ? '1' : '0'),
      'redirect=' + (c.redirect ? '1' : '0'),
      'mode=' + c.mode
    ];
    // Read by frame.js only: the frame keeps them across its own reloads, the server ignores them.
    if (c.themeType) q.push('themeType=' + encodeURIComponent(c.themeType));
    if (c.accentColor) q.push('accentColor=' + encodeURIComponent(c.accentColor));
    if (this.options.onBeforeSubmit) q.push('beforeSubmit=1');
    return c.base + '/sdk/form/' + encodeURIComponent(c.token) + '?' + q.join('&');
  };

  AMSCashierPayment.prototype._build = function (c, container) {
    var self = this;
    var label = this._product.label;
    var iframe = make('iframe', {
      'class': 'ams-cashier-frame',
      title: label,
      scrolling: 'no',
      referrerpolicy: 'origin',
      allow: 'payment'
    }, { display: 'block', width: '100%', height: '0px', border: '0', margin: '0', padding: '0', overflow: 'hidden', background: 'transparent' });
    c.iframe = iframe;
    c.spinner = c.showLoading ? spinner() : null;
    if (c.mode === 'popup') {
      var phone = isFunction(window.matchMedia) && window.matchMedia('(max-width: 480px)').matches;
      var overlay = make('div', { id: 'ams-cashier-overlay', role: 'dialog', 'aria-modal': 'true', 'aria-label': label }, {
        position: 'fixed', top: '0', right: '0', bottom: '0', left: '0', zIndex: '2147483000',
        background: 'rgba(17, 24, 39, 0.55)', overflowY: 'auto', WebkitOverflowScrolling: 'touch'
      });
      var box = make('div', { 'class': 'ams-cashier-popup' }, {
        position: 'relative', boxSizing: 'border-box', width: '100%', maxWidth: phone ? 'none' : '480px',
        minHeight: phone ? '100%' : '0', margin: phone ? '0' : '6vh auto', padding: '48px 16px 16px',
        background: panelOf(c).bg, borderRadius: phone ? '0' : '12px', boxShadow: '0 12px 40px rgba(0, 0, 0, 0.25)'
      });
      var close = make('button', { id: 'ams-cashier-close', type: 'button', 'aria-label': 'Close', text: '\u00d7' }, {
        position: 'absolute', top: '6px', right: '6px', width: '44px', height: '44px', padding: '0',
        border: '0', borderRadius: '8px', background: 'transparent', color: panelOf(c).fg,
        fontSize: '30px', lineHeight: '44px', cursor: 'pointer', fontFamily: 'system-ui, sans-serif'
      });
      close.addEventListener('click', function () {
        self._closePopup(c);
      });
      box.appendChild(close);
      if (c.spinner) box.appendChild(c.spinner);
      box.appendChild(iframe);
      overlay.appendChild(box);
      c.root = overlay;
      c.close = close;
      c.onKey = function (ev) {
        if (ev.key === 'Escape' || ev.key === 'Esc') {
          self._closePopup(c);
        } else if (ev.key === 'Tab' && document.activeElement === close) {
          // The close button and the form are all the dialog holds: Tab and Shift+Tab from
          // the button go to the form's first and last fields.
          ev.preventDefault();
          self._focusInside(c, ev.shiftKey);
        }
      };
      document.addEventListener('keydown', c.onKey);
      c.previousFocus = document.activeElement;
      c.bodyOverflow = document.body.style.overflow;
      document.body.style.overflow = 'hidden';
      document.body.appendChild(overlay);
      try {
        close.focus();
      } catch (e) {
        // not focusable yet
      }
    } else {
      var wrap = make('div', { 'class': 'ams-cashier-component' }, { position: 'relative', width: '100%' });
      if (c.spinner) wrap.appendChild(c.spinner);
      wrap.appendChild(iframe);
      c.root = wrap;
      container.appendChild(wrap);
    }
  };

  AMSCashierPayment.prototype._closePopup = function (c) {
    if (c.dead || this._component !== c) return;
    if (!c.final && !c.processing) {
      this._emit(c, { code: 'SDK_PAYMENT_CANCEL', message: 'The buyer closed the ' + this._product.noun + ' form' });
    }
    this._call('onClose');
    this._teardown(c, 'The component was closed before it was ready');
  };

  AMSCashierPayment.prototype._failCreation = function (c, code, message) {
    if (c.dead) return;
    var err = sdkError(code, message);
    if (code === 'SDK_CREATECOMPONENT_ERROR') this._emit(c, { code: code, message: message });
    this._call('onError', err);
    var reject = c.rejectReady;
    c.rejectReady = null;
    this._teardown(c, '');
    if (reject) reject(err);
  };

  // _teardown removes the component's DOM, listeners and timers.
  AMSCashierPayment.prototype._teardown = function (c, pendingMessage) {
    if (c.dead) return;
    c.dead = true;
    if (this._component === c) this._component = null;
    window.removeEventListener('message', c.onMessage);
    document.removeEventListener('focusin', c.onFocusIn);
    if (c.onKey) document.removeEventListener('keydown', c.onKey);
    clearTimeout(c.loadTimer);
    for (var i = 0; i < c.timers.length; i++) clearTimeout(c.timers[i]);
    for (var id in c.replies) {
      if (Object.prototype.hasOwnProperty.call(c.replies, id)) c.replies[id]({ isValid: false });
    }
    c.replies = {};
    if (c.root && c.root.parentNode) c.root.parentNode.removeChild(c.root);
    if (c.modal) {
      document.body.style.overflow = c.bodyOverflow || '';
      if (c.previousFocus && isFunction(c.previousFocus.focus)) {
        try {
          c.previousFocus.focus();
        } catch (e) {
          // gone
        }
      }
    }
    if (!c.ready && c.rejectReady && pendingMessage) {
      var reject = c.rejectReady;
      c.rejectReady = null;
      reject(sdkError('SDK_CREATECOMPONENT_ERROR', pendingMessage));
    }
  };

  /** unmount removes the component and its listeners. */
  AMSCashierPayment.prototype.unmount = function () {
    var c = this._component;
    if (!c) return;
    this._teardown(c, 'The component was unmounted before it was ready');
  };

  AMSCashierPayment.prototype._post = function (c, type, id, payload) {
    if (c.dead || !c.iframe.contentWindow) return;
    if (c.reloading) {
      // The frame is loading its next step; it hears the request once it is ready.
      c.queue.push({ type: type, id: id, payload: payload });
      return;
    }
    c.iframe.contentWindow.postMessage({ source: SOURCE, version: 1, type: type, id: id, payload: payload || {} }, c.frameOrigin);
  };

  // _focusInside puts the focus on the form's first field, or its last.
  AMSCashierPayment.prototype._focusInside = function (c, last) {
    c.iframe.focus();
    this._post(c, 'focus', null, { at: last ? 'last' : 'first' });
  };

  /** submit sends the form (the merchant's own pay button), with data.billingAddress in
   * place of the form's billing fields; it resolves with the event that ends the attempt. */
  AMSCashierPayment.prototype.submit = function (data) {
    var c = this._component;
    if (!c || !c.ready) {
      return Promise.reject(sdkError('SDK_CREATECOMPONENT_ERROR', 'No component is ready: call mountComponent or createComponent first'));
    }
    var payload = {};
    var billing = isObject(data) && isObject(data.billingAddress) ? data.billingAddress : null;
    if (billing) {
      payload.billingAddress = {};
      for (var i = 0; i < BILLING_FIELDS.length; i++) {
        var v = billing[BILLING_FIELDS[i]];
        if (typeof v === 'string') payload.billingAddress[BILLING_FIELDS[i]] = v;
      }
    }
    var id = 'submit-' + c.nextId++;
    var self = this;
    return new Promise(function (resolve) {
      c.submits.push({ id: id, resolve: resolve });
      self._post(c, 'submit', id, payload);
    });
  };

  /** validateFields checks the form's fields and shows their messages. */
  AMSCashierPayment.prototype.validateFields = function () {
    var c = this._component;
    if (!c || !c.ready) return Promise.resolve({ isValid: false });
    var id = 'validate-' + c.nextId++;
    var self = this;
    return new Promise(function (resolve) {
      var timer = setTimeout(function () {
        delete c.replies[id];
        resolve({ isValid: false });
      }, REPLY_TIMEOUT_MS);
      c.timers.push(timer);
      c.replies[id] = function (res) {
        clearTimeout(timer);
        delete c.replies[id];
        resolve(res);
      };
      self._post(c, 'validate', id);
    });
  };

  // ---- messages from the frame ----

  AMSCashierPayment.prototype._onMessage = function (c, ev) {
    if (c.dead || ev.source !== c.iframe.contentWindow || ev.origin !== c.frameOrigin) return;
    var m = ev.data;
    if (!isObject(m) || m.source !== SOURCE || typeof m.type !== 'string') return;
    var payload = isObject(m.payload) ? m.payload : {};
    switch (m.type) {
      case 'ready':
        this._onReady(c, payload);
        break;
      case 'resize':
        this._resize(c, payload.height);
        break;
      case 'submitting':
        c.submitting = true;
        break;
      case 'invalid':
        this._emit(c, { code: 'SDK_FORM_VERIFICATION_FAILED', message: payload.message || 'The form has invalid fields' });
        break;
      case 'duplicate':
        this._duplicate(c, m.id);
        break;
      case 'view':
        c.submitting = false;
        this._onView(c, payload.view, payload.context || 'submit');
        break;
      case 'network-error':
        c.submitting = false;
        this._emit(c, { code: 'SDK_SUBMIT_NETWORK_ERROR', message: payload.message || 'The payment could not be sent; check the network and retry' });
        break;
      case 'http-error':
        c.submitting = false;
        this._emit(c, { code: 'SDK_PAYMENT_ERROR', message: payload.message || 'The payment could not be processed (HTTP ' + payload.status + ')' });
        break;
      case 'before-submit':
        this._beforeSubmit(c, m.id);
        break;
      case 'submit-cancelled':
        c.submitting = false;
        this._settle(c, m.id, { code: 'SDK_PAYMENT_CANCEL', message: 'onBeforeSubmit stopped the submission' });
        break;
      case 'tab-out':
        // The buyer tabbed past an end of the form: the close button is the dialog's other
        // stop; without one the focus wraps to the form's other end.
        if (c.close) c.close.focus();
        else this._focusInside(c, payload.backward === true);
        break;
      case 'escape':
        if (c.mode === 'popup') this._closePopup(c);
        break;
      case 'validate-result':
        if (typeof m.id === 'string' && c.replies[m.id]) c.replies[m.id]({ isValid: payload.isValid === true });
        break;
      default:
        this._log('SDK_LOG', 'ignored a message of type ' + m.type);
    }
  };

  AMSCashierPayment.prototype._duplicate = function (c, id) {
    var event = { code: 'SDK_DUPLICATE_SUBMISSION_BEHAVIOR', message: 'The payment is already being submitted or is complete' };
    this._call('onEventCallback', event);
    this._settle(c, id, event);
  };

  // _settle resolves the submit() call of id alone.
  AMSCashierPayment.prototype._settle = function (c, id, event) {
    for (var i = 0; i < c.submits.length; i++) {
      if (c.submits[i].id === id) {
        c.submits.splice(i, 1)[0].resolve(event);
        return;
      }
    }
  };

  // _beforeSubmit asks the merchant's onBeforeSubmit whether a submission may go, and gives
  // the frame its answer. As in the real package, a handler that throws or rejects answers
  // ERROR; one that does not answer in time, TIMEOUT.
  AMSCashierPayment.prototype._beforeSubmit = function (c, id) {
    var self = this;
    var answered = false;
    var timer = setTimeout(function () {
      answer('TIMEOUT');
    }, REPLY_TIMEOUT_MS);
    c.timers.push(timer);
    function answer(result) {
      if (answered) return;
      answered = true;
      clearTimeout(timer);
      self._post(c, 'before-submit-done', id, { result: result, stop: STOPS_SUBMIT[result] === true });
    }
    var f = this.options.onBeforeSubmit;
    new Promise(function (resolve) {
      resolve(f({ paymentMethodType: 'CARD' }));
    }).then(function (res) {
      answer(isObject(res) && typeof res.result === 'string' ? res.result : 'CONTINUE');
    }, function (e) {
      if (typeof console !== 'undefined' && console.error) console.error('[AMSCashierPayment] onBeforeSubmit failed', e);
      answer('ERROR');
    });
  };

  AMSCashierPayment.prototype._resize = function (c, height) {
    var h = Math.ceil(Number(height));
    if (!isFinite(h) || h < 0 || h > 100000) return;
    c.height = h;
    if (!c.ready) return;
    this._applyHeight(c);
  };

  AMSCashierPayment.prototype._applyHeight = function (c) {
    var px = c.height + 'px';
    if (c.iframe.style.height === px) return;
    c.iframe.style.height = px;
    this._call('onSizeChanged', { width: c.iframe.offsetWidth, height: c.height });
  };

  AMSCashierPayment.prototype._onReady = function (c, payload) {
    if (typeof payload.frameTitle === 'string' && payload.frameTitle) {
      c.iframe.setAttribute('title', payload.frameTitle);
      if (c.mode === 'popup') c.root.setAttribute('aria-label', payload.frameTitle);
    }
    if (c.close && typeof payload.closeLabel === 'string' && payload.closeLabel) {
      c.close.setAttribute('aria-label', payload.closeLabel);
      c.close.setAttribute('title', payload.closeLabel);
    }
    if (payload.height !== undefined) c.height = Math.max(0, Math.ceil(Number(payload.height)) || 0);
    var view = isObject(payload.view) ? payload.view : null;
    if (c.ready) {
      // The frame moved to another step (challenge, result) and loaded again.
      if (view) {
        c.step = view.step;
        c.frameStatus = view.status;
      }
      this._applyHeight(c);
      c.reloading = false;
      var queue = c.queue;
      c.queue = [];
      for (var i = 0; i < queue.length; i++) this._post(c, queue[i].type, queue[i].id, queue[i].payload);
      this._announceModal(c);
      return;
    }
    var noun = this._product.noun;
    if (payload.error) {
      if (payload.error === 404) {
        this._failCreation(c, 'SDK_CREATEPAYMENT_PARAMETER_ERROR', 'The ' + noun + ' session does not exist');
      } else if (payload.error === 400) {
        this._failCreation(c, 'SDK_CREATEPAYMENT_PARAMETER_ERROR', 'The ' + noun + ' form refused the request');
      } else {
        this._failCreation(c, 'SDK_CREATECOMPONENT_ERROR', 'The ' + noun + ' form could not be loaded (HTTP ' + payload.error + ')');
      }
      return;
    }
    if (!view) {
      this._failCreation(c, 'SDK_INTERNAL_ERROR', 'The ' + noun + ' form sent no state');
      return;
    }
    if ((view.vaulting === true) !== this._product.vaulting) {
      this._failCreation(c, 'SDK_CREATEPAYMENT_PARAMETER_ERROR', this._product.wrongSession);
      return;
    }
    if (view.expired) {
      this._failCreation(c, 'SDK_CREATEPAYMENT_PARAMETER_ERROR', 'The ' + noun + ' session has expired');
      return;
    }
    if (view.step === 'result' && view.final) {
      this._failCreation(c, 'SDK_CREATEPAYMENT_PARAMETER_ERROR', 'The ' + noun + ' session is already complete (' + view.status + ')');
      return;
    }
    c.ready = true;
    clearTimeout(c.loadTimer);
    if (c.spinner && c.spinner.parentNode) c.spinner.parentNode.removeChild(c.spinner);
    this._applyHeight(c);
    this._emit(c, { code: 'SDK_END_OF_LOADING' });
    this._log('SDK_LOG', 'the ' + c.mode + ' component is ready');
    var resolve = c.resolveReady;
    c.resolveReady = null;
    c.rejectReady = null;
    if (resolve) resolve();
    // The component takes cards only: the buyer's method is chosen as the form shows.
    this._call('onPaymentMethodSelected', { paymentMethodType: 'CARD' });
    if (c.needCVV && view.step === 'card') {
      this._emit(c, { code: 'SDK_PAYMENT_WARN', message: 'merchantAppointParam.storedCard.needCVV applies to a saved card; this session takes a new card' });
    }
    c.frameStatus = view.status;
    this._onView(c, view, 'load');
    this._announceModal(c);
  };

  // _announceModal tells a frame page that has just loaded whether it is in a modal, where it
  // hands Tab at its ends and Escape to the SDK.
  AMSCashierPayment.prototype._announceModal = function (c) {
    if (!c.modal) return;
    this._post(c, 'modal', null, { on: true });
    if (c.mode === 'embedded') this._focusInside(c, false);
  };

  // Styles that turn the embedded component into a dialog over the page, and back.
  var CHALLENGE_ROOT = {
    on: { position: 'fixed', top: '0', right: '0', bottom: '0', left: '0', zIndex: '2147483000', background: 'rgba(17, 24, 39, 0.55)', overflowY: 'auto' },
    off: { position: 'relative', top: '', right: '', bottom: '', left: '', zIndex: '', background: '', overflowY: '' }
  };
  var CHALLENGE_FRAME = {
    on: { maxWidth: '480px', margin: '6vh auto', padding: '16px', boxSizing: 'border-box', borderRadius: '12px', boxShadow: '0 12px 40px rgba(0, 0, 0, 0.25)' },
    off: { maxWidth: '', margin: '0', padding: '0', boxSizing: '', background: 'transparent', borderRadius: '', boxShadow: '' }
  };

  // The dialog's box around the form takes the form's theme (frame.js THEMES): a night form
  // in a white box would be a light frame around a dark page.
  var PANELS = { night: { bg: '#2d3748', fg: '#e2e8f0' } };
  var DEFAULT_PANEL = { bg: '#fff', fg: '#4a5568' };

  function panelOf(c) {
    return Object.prototype.hasOwnProperty.call(PANELS, c.themeType) ? PANELS[c.themeType] : DEFAULT_PANEL;
  }

  function restyle(el, style) {
    for (var k in style) {
      if (Object.prototype.hasOwnProperty.call(style, k)) el.style[k] = style[k];
    }
  }

  // _challengeModal shows an embedded component's 3-D Secure challenge in a dialog over the
  // page, where the merchant's own pay button and fields cannot be reached, and puts the
  // component back in its place after. The iframe keeps its place in the DOM: moving it would
  // reload it.
  AMSCashierPayment.prototype._challengeModal = function (c, on) {
    if (c.mode !== 'embedded' || c.modal === on) return;
    c.modal = on;
    restyle(c.root, on ? CHALLENGE_ROOT.on : CHALLENGE_ROOT.off);
    restyle(c.iframe, on ? CHALLENGE_FRAME.on : CHALLENGE_FRAME.off);
    if (on) c.iframe.style.background = panelOf(c).bg;
    if (on) {
      c.root.setAttribute('role', 'dialog');
      c.root.setAttribute('aria-modal', 'true');
      c.root.setAttribute('aria-label', c.iframe.getAttribute('title') || 'Card payment form');
      c.previousFocus = document.activeElement;
      c.bodyOverflow = document.body.style.overflow;
      document.body.style.overflow = 'hidden';
      return; // the challenge page takes the focus when it is ready (_announceModal)
    }
    c.root.removeAttribute('role');
    c.root.removeAttribute('aria-modal');
    c.root.removeAttribute('aria-label');
    document.body.style.overflow = c.bodyOverflow || '';
  };

  // _onView turns the payment's view after a load, a submission or a poll into events.
  AMSCashierPayment.prototype._onView = function (c, view, context) {
    if (!isObject(view)) return;
    var previous = c.step;
    c.step = view.step;
    this._challengeModal(c, view.step === 'challenge');
    if (context !== 'load' && (view.step !== previous || (view.step === 'result' && view.status !== c.frameStatus))) {
      c.reloading = true; // frame.js loads the page of the new step (see its apply)
    }
    if (view.fieldErrors && Object.keys(view.fieldErrors).length > 0 && view.step !== 'result') {
      this._emit(c, { code: 'SDK_FORM_VERIFICATION_FAILED', message: view.formError || 'The form has invalid fields' });
      return;
    }
    switch (view.step) {
      case 'card':
      case 'cvv':
        if (view.declineCode && context === 'submit') {
          // An issuer's decline: the session stays open and the buyer may try another card.
          this._emit(c, {
            code: 'SDK_PAYMENT_FAIL',
            message: view.message || view.declineMessage || 'The card was declined',
            result: buildResult(view, true)
          });
        }
        return;
      case 'challenge':
        if (previous !== 'challenge' || context === 'load') {
          c.challenged = true;
          this._emit(c, { code: 'SDK_PAYMENT_CHALLENGE', message: '3-D Secure authentication is required', result: this._product.result(view, false) });
        }
        return;
      case 'issuer':
        return;
      case 'result':
        this._finish(c, view);
        return;
    }
  };

  AMSCashierPayment.prototype._finish = function (c, view) {
    var product = this._product;
    var result = product.result(view, false);
    if (!view.final) {
      if (!c.processing) {
        c.processing = true;
        this._emit(c, { code: 'SDK_PAYMENT_PROCESSING', message: view.message || 'The payment is processing', result: result });
      }
      return;
    }
    if (c.final) return;
    c.final = true;
    if (view.status === 'SUCCESS') {
      if (c.challenged) {
        // The buyer passed 3-D Secure and the card was authorized.
        this._emit(c, { code: 'SDK_PAYMENT_AUTHORIZATION_SUCCESSFUL', message: product.authorized });
      }
      this._emit(c, { code: 'SDK_PAYMENT_SUCCESSFUL', message: view.message || product.done, result: result });
    } else if (view.status === 'FAIL' || view.status === 'CANCELLED') {
      this._emit(c, { code: 'SDK_PAYMENT_FAIL', message: view.message || view.resultMessage || product.failed, result: result });
    } else {
      this._emit(c, { code: 'SDK_PAYMENT_ERROR', message: 'The payment is in an unexpected state: ' + view.status, result: result });
    }
    if (!c.redirect) return;
    // createVaultingSession's redirectUrl is optional: without one the merchant's page acts on
    // the events, as Antom's vaulting guide has it, and nothing is wrong.
    if (product.vaulting && !view.redirectUrl) return;
    if (c.nativeApp) {
      this._emit(c, { code: 'SDK_REDIRECT', result: { redirectUrls: { normalUrl: safeRedirectURL(view.redirectUrl), schemeUrl: '', applinkUrl: '' } } });
      return;
    }
    this._redirect(c, view.redirectUrl);
  };

  AMSCashierPayment.prototype._redirect = function (c, to) {
    var self = this;
    var url = safeRedirectURL(to);
    if (!url) {
      this._emit(c, { code: 'SDK_CALL_URL_ERROR', message: 'paymentRedirectUrl is missing or is not an http(s) URL' });
      return;
    }
    c.timers.push(setTimeout(function () {
      if (c.dead) return;
      try {
        var top = window.top || window;
        try {
          top.location.href = url;
        } catch (e) {
          window.location.href = url;
        }
        self._emit(c, { code: 'SDK_CALL_URL_SUCCESS', message: url });
      } catch (e2) {
        self._emit(c, { code: 'SDK_CALL_URL_ERROR', message: 'The page could not go to ' + url });
      }
    }, REDIRECT_DELAY_MS));
  };

  /** AMSVaulting renders the card-saving form of a vaulting session (createVaultingSession's
   * vaultingSessionData): the same options, methods and events as AMSCashierPayment, on the
   * same frame, which shows the session's "Save card" form. The card is verified, through
   * 3-D Secure when its issuer asks, and SDK_PAYMENT_SUCCESSFUL or SDK_PAYMENT_FAIL carry the
   * vaulting's result; the merchant's server gets the card token from notifyVaulting. */
  function AMSVaulting(options) {
    if (!(this instanceof AMSVaulting)) return new AMSVaulting(options);
    AMSCashierPayment.call(this, options);
  }
  AMSVaulting.prototype = Object.create(AMSCashierPayment.prototype);
  AMSVaulting.prototype.constructor = AMSVaulting;
  AMSVaulting.prototype._product = VAULTING;
  AMSVaulting.preload = AMSCashierPayment.preload;

  // The real package's other globals are products beyond the card drop-in (payment
  // elements, vaulting, auto debit, ...). They exist so that merchant code naming them loads,
  // and fail at construction with an error that says what cashier serves instead.
  function unsupported(name) {
    var F = function () {
      throw new Error(name + ' is not supported by cashier: it serves the card drop-in (AMSCashierPayment, AMSCheckoutPage) and card saving (AMSVaulting) only');
    };
    F.unsupported = true;
    return F;
  }

  var api = {
    AMSCashierPayment: AMSCashierPayment,
    AMSCheckout: AMSCashierPayment,
    AMSCheckoutPage: AMSCashierPayment,
    AMSVaulting: AMSVaulting,
    version: VERSION
  };
  UNSUPPORTED.forEach(function (name) {
    api[name] = unsupported(name);
  });
  api['default'] = AMSCashierPayment;
  return api;
}
// @cashier-sdk-core-end
);
