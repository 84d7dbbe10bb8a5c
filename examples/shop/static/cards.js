/*
 * The saved cards page's card-saving form: cashier's AMSVaulting (Antom's web SDK API) in a
 * popup, opened with the vaulting session the shop's server created.
 *
 * The page never decides whether a card was saved: after the result the SDK sends the buyer
 * back to /cards (the session's redirectUrl), whose list comes from the shop's server
 * (verified notifyVaulting, or inquireVaulting). The events only choose what to tell the
 * buyer meanwhile. #vaulting gets data-last-event, the last SDK event code.
 */
(function () {
  'use strict';

  var root = document.getElementById('vaulting');
  if (!root || !window.AMSVaulting) {
    return;
  }
  var message = document.getElementById('vault-message');

  function say(text, kind) {
    message.textContent = text;
    message.setAttribute('data-kind', kind || 'info');
    message.hidden = !text;
  }

  var vaulting = new window.AMSVaulting({
    environment: root.getAttribute('data-environment') || 'sandbox',
    locale: root.getAttribute('data-locale') || 'en_US',
    onEventCallback: function (e) {
      root.setAttribute('data-last-event', e.code);
      switch (e.code) {
        case 'SDK_PAYMENT_CHALLENGE':
          say('Your bank asks you to confirm this card: follow the steps in the card form.');
          break;
        case 'SDK_PAYMENT_SUCCESSFUL':
          say('Card submitted. Checking with the shop…', 'ok');
          break;
        case 'SDK_PAYMENT_FAIL':
          say('The card was not saved.', 'error');
          break;
        case 'SDK_PAYMENT_CANCEL':
          say('Cancelled: no card was saved.');
          break;
        default:
          break;
      }
    },
    onError: function () {
      say('The card form could not be opened. Please try again.', 'error');
    }
  });
  vaulting.createComponent({ sessionData: root.getAttribute('data-session'), appearance: { showLoading: true } })
    .catch(function () {
      // onError has told the buyer.
    });
})();
