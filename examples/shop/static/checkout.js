/*
 * The web SDK page of the demo shop: the popup (createComponent) or the embedded card form
 * (mountComponent + submit) of cashier's drop-in for Antom's web SDK.
 *
 * This page never decides whether the order is paid. SDK events only choose what to tell the
 * buyer and when to go to the order page, whose state comes from the shop's server (verified
 * notifyPayment, or inquiryPayment).
 *
 * Data comes from #checkout's data- attributes; the element ids are stable for tests:
 * #card-element, #sdk-pay, #sdk-message, #reopen, #restart. #checkout gets data-last-event
 * (the last SDK event code) and data-phase (loading, ready, submitting, leaving, expired,
 * error).
 */
(function () {
  'use strict';

  var root = document.getElementById('checkout');
  if (!root) {
    return;
  }
  var mode = root.getAttribute('data-mode');
  var sessionData = root.getAttribute('data-session');
  var orderUrl = root.getAttribute('data-order-url');
  var expiresAt = Date.parse(root.getAttribute('data-expires') || '');
  var message = document.getElementById('sdk-message');
  var payButton = document.getElementById('sdk-pay');
  var reopenButton = document.getElementById('reopen');
  var restartForm = document.getElementById('restart-form');

  var checkout = null; // the AMSCashierPayment instance
  var mounted = false;
  var leaving = false;
  var submitting = false;
  var failed = false; // the last result was SDK_PAYMENT_FAIL
  // The buyer closed the popup. Closed while it was still loading, the SDK also rejects the
  // createComponent promise; that is the same cancel, not a form that failed to load.
  var closed = false;

  function phase(p) {
    root.setAttribute('data-phase', p);
  }

  function say(text, kind) {
    message.textContent = text || '';
    message.setAttribute('data-kind', kind || 'info');
    message.hidden = !text;
  }

  function sessionValid() {
    if (root.getAttribute('data-expired') === 'true') {
      return false;
    }
    return isNaN(expiresAt) || Date.now() < expiresAt;
  }

  function enablePay(on) {
    if (payButton) {
      payButton.disabled = !on || leaving || submitting;
    }
  }

  function showReopen(on) {
    reopenButton.hidden = !on;
  }

  function unmount() {
    if (checkout && mounted) {
      try {
        checkout.unmount();
      } catch (e) {
        // already gone
      }
    }
    mounted = false;
  }

  // The result is for the server to decide: go and look at the order.
  function goToOrder(text) {
    if (leaving) {
      return;
    }
    leaving = true;
    phase('leaving');
    enablePay(false);
    showReopen(false);
    say(text || 'Payment submitted. Checking the result…', 'ok');
    window.location.assign(orderUrl);
  }

  // The session cannot be used any more: a new attempt needs a new session.
  function expired() {
    if (leaving) {
      return;
    }
    phase('expired');
    unmount();
    enablePay(false);
    if (payButton) {
      payButton.hidden = true;
    }
    showReopen(false);
    say('Your payment session has expired. Start again to pay.', 'error');
    restartForm.hidden = false;
  }

  // The buyer may try again with the same session, while it is valid.
  function tryAgain(text, kind) {
    if (!sessionValid()) {
      expired();
      return;
    }
    say(text, kind);
    if (mode === 'popup') {
      showReopen(true);
    } else {
      enablePay(true);
    }
  }

  // reasons word Antom's result codes for the shopper; a code is for the shop's logs, never
  // for the page. Codes not listed get the general sentence.
  var reasons = {
    DO_NOT_HONOR: 'Your bank declined the payment.',
    USER_BALANCE_NOT_ENOUGH: 'The card does not have enough funds for this payment.',
    CARD_EXPIRED: 'This card has expired.',
    INVALID_CARD_NUMBER: 'The card number is not valid.',
    INVALID_CVV: 'The security code does not match the card.',
    INVALID_EXPIRATION_DATE: 'The expiry date does not match the card.',
    USER_PAYMENT_VERIFICATION_FAILED: 'Your bank could not confirm that the payment is yours.',
    RISK_REJECT: 'The payment was refused for security reasons.',
    CARD_NOT_SUPPORTED: 'This shop does not accept this card.',
    SELECTED_CARD_BRAND_NOT_AVAILABLE: 'This shop does not accept this card.'
  };
  // sessionOver: codes that say the session itself has ended, not the card.
  var sessionOver = { ORDER_IS_CLOSED: true, ORDER_IS_CANCELED: true, ORDER_STATUS_INVALID: true };

  function resultCode(e) {
    var r = (e && e.result) || {};
    return r.paymentResultCode || (r.result && r.result.resultCode) || '';
  }

  function onEvent(e) {
    var code = e && e.code;
    if (!code) {
      return;
    }
    root.setAttribute('data-last-event', code);
    switch (code) {
      case 'SDK_START_OF_LOADING':
        root.setAttribute('aria-busy', 'true');
        break;
      case 'SDK_END_OF_LOADING':
        root.removeAttribute('aria-busy');
        break;
      case 'SDK_FORM_VERIFICATION_FAILED':
        say('Please check the card details marked in the form.', 'error');
        enablePay(true);
        break;
      case 'SDK_PAYMENT_CHALLENGE':
        say('Your bank asks you to confirm this payment: follow the steps in the card form.', 'info');
        break;
      case 'SDK_PAYMENT_AUTHORIZATION_SUCCESSFUL':
        say('Verification complete. Finishing the payment…', 'info');
        break;
      case 'SDK_PAYMENT_SUCCESSFUL':
        goToOrder('Payment submitted. Checking the result…');
        break;
      case 'SDK_PAYMENT_PROCESSING':
        goToOrder('Your payment is processing. Checking the result…');
        break;
      case 'SDK_PAYMENT_ERROR':
        goToOrder('We could not confirm the payment here. Checking with the shop…');
        break;
      case 'SDK_PAYMENT_FAIL':
        failed = true;
        if (sessionOver[resultCode(e)]) {
          expired();
          break;
        }
        // The card form shows the decline as an error beside the card: the shop's line is a
        // hint in words, not a second error box.
        tryAgain((reasons[resultCode(e)] || 'The payment did not go through.') + ' Try another card.', 'info');
        break;
      case 'SDK_PAYMENT_CANCEL':
        closed = true;
        tryAgain('Payment cancelled. You can try again.', 'info');
        break;
      case 'SDK_DUPLICATE_SUBMISSION_BEHAVIOR':
        if (failed && !leaving) {
          // The failed payment is over for the form: load it again, which either offers the
          // same session again or reports that it has ended (then: start again).
          open();
        } else {
          say('Your payment is already being processed.', 'info');
        }
        break;
      case 'SDK_SUBMIT_NETWORK_ERROR':
        tryAgain('The payment could not be sent (network error). Please try again.', 'error');
        break;
      case 'SDK_CREATEPAYMENT_PARAMETER_ERROR':
        expired();
        break;
      case 'SDK_CALL_URL_ERROR':
        say('The next step of the payment could not be opened. Please try again.', 'error');
        showReopen(mode === 'popup' && sessionValid());
        break;
      case 'SDK_CREATECOMPONENT_ERROR':
      case 'SDK_INIT_PARAMETER_ERROR':
      case 'SDK_INTERNAL_ERROR':
        phase('error');
        mounted = false;
        say('The card form could not be loaded' + (e.message ? ': ' + e.message : '') + '.', 'error');
        showReopen(sessionValid());
        enablePay(false);
        break;
      default:
        break;
    }
  }

  function open() {
    if (!sessionValid()) {
      expired();
      return;
    }
    unmount();
    failed = false;
    closed = false;
    say('', '');
    showReopen(false);
    phase('loading');
    var params = {
      sessionData: sessionData,
      notRedirectAfterComplete: true
    };
    var created;
    try {
      if (mode === 'popup') {
        params.appearance = { showLoading: true };
        created = checkout.createComponent(params);
      } else {
        params.appearance = { showSubmitButton: false };
        created = checkout.mountComponent(params, '#card-element');
      }
    } catch (err) {
      onEvent({ code: (err && err.code) || 'SDK_CREATECOMPONENT_ERROR', message: err && err.message });
      return;
    }
    mounted = true;
    Promise.resolve(created).then(function () {
      if (!leaving && root.getAttribute('data-phase') === 'loading') {
        phase('ready');
      }
      enablePay(true);
    }, function (err) {
      mounted = false;
      if (closed) {
        return;
      }
      onEvent(err && err.code ? err : { code: 'SDK_CREATECOMPONENT_ERROR', message: err && err.message });
    });
  }

  function pay() {
    if (!checkout || submitting || leaving) {
      return;
    }
    if (!sessionValid()) {
      expired();
      return;
    }
    submitting = true;
    enablePay(false);
    phase('submitting');
    say('Paying…', 'info');
    Promise.resolve(checkout.submit()).then(function (res) {
      // The same object also comes through onEventCallback; handling it twice is harmless.
      onEvent(res);
    }, function (err) {
      if (err && err.code) {
        onEvent(err);
      } else {
        say('The payment could not be sent. Please try again.', 'error');
      }
    }).then(function () {
      submitting = false;
      if (!leaving && root.getAttribute('data-phase') === 'submitting') {
        phase('ready');
      }
      enablePay(true);
    });
  }

  if (!sessionValid()) {
    expired();
    return;
  }
  if (typeof window.AMSCashierPayment !== 'function') {
    phase('error');
    say('The payment form could not be loaded. Please reload the page.', 'error');
    return;
  }
  try {
    checkout = new window.AMSCashierPayment({
      environment: root.getAttribute('data-environment') || 'sandbox',
      locale: root.getAttribute('data-locale') || 'en_US',
      onEventCallback: onEvent,
      onError: onEvent,
      onClose: function () {
        mounted = false;
        if (!leaving && message.hidden) {
          tryAgain('Payment cancelled. You can try again.', 'info');
        }
      }
    });
  } catch (err) {
    phase('error');
    say('The payment form could not be started: ' + (err && err.message) + '.', 'error');
    return;
  }
  reopenButton.addEventListener('click', open);
  if (payButton) {
    payButton.addEventListener('click', pay);
  }
  open();
}());
