/*
 * The order page: polls the shop's own /orders/{id}/status every 2 seconds until the order
 * has a final state, shows "Processing…" (not an error) when that takes more than a few
 * seconds, and keeps the state, the buttons, the attempts and the event log up to date.
 * The server decides the state from notifications and inquiryPayment.
 */
(function () {
  'use strict';

  var root = document.getElementById('order');
  if (!root) {
    return;
  }
  var INTERVAL = 2000;
  var PROCESSING_AFTER = 4000;
  var statusUrl = root.getAttribute('data-status-url');
  var stateEl = document.getElementById('state');
  var processing = document.getElementById('processing');
  var started = Date.now();
  var final = root.getAttribute('data-final') === 'true';

  function el(tag, text, attrs) {
    var e = document.createElement(tag);
    if (text) {
      e.textContent = text;
    }
    Object.keys(attrs || {}).forEach(function (k) {
      e.setAttribute(k, attrs[k]);
    });
    return e;
  }

  function toggle(id, on) {
    var e = document.getElementById(id);
    if (e) {
      e.hidden = !on;
    }
  }

  function pad(n) {
    return n < 10 ? '0' + n : String(n);
  }

  function renderAttempts(attempts) {
    var body = document.getElementById('attempt-rows');
    if (!body) {
      return;
    }
    body.textContent = '';
    attempts.forEach(function (a) {
      var tr = el('tr', '', { 'data-n': String(a.n), 'data-status': a.status });
      tr.appendChild(el('td', String(a.n)));
      var id = el('td');
      id.appendChild(el('code', a.paymentRequestId));
      tr.appendChild(id);
      tr.appendChild(el('td', a.mode));
      var st = el('td', a.status + ' ');
      if (a.resultCode && a.resultCode !== a.status) {
        st.appendChild(el('small', a.resultCode));
      }
      tr.appendChild(st);
      tr.appendChild(el('td', a.capture || ''));
      tr.appendChild(el('td', a.duplicate || ''));
      var cont = el('td');
      if (a.continueUrl) {
        cont.appendChild(el('a', 'continue paying', { href: a.continueUrl }));
      }
      tr.appendChild(cont);
      body.appendChild(tr);
    });
  }

  function renderEvents(events) {
    var list = document.getElementById('events');
    if (!list) {
      return;
    }
    list.textContent = '';
    events.forEach(function (ev) {
      var li = el('li', '', { 'data-kind': ev.kind });
      var t = new Date(ev.time);
      li.appendChild(el('time', pad(t.getHours()) + ':' + pad(t.getMinutes()) + ':' + pad(t.getSeconds()), { datetime: ev.time }));
      li.appendChild(document.createTextNode(' ' + ev.text));
      list.appendChild(li);
    });
  }

  function render(s) {
    stateEl.textContent = s.stateText;
    stateEl.setAttribute('data-state', s.state);
    stateEl.className = 'state state-' + s.state;
    root.setAttribute('data-final', String(s.final));
    toggle('capture-form', s.canCapture);
    toggle('cancel-form', s.canCancel);
    toggle('retry-form', s.canRetry);
    renderAttempts(s.attempts || []);
    renderEvents(s.events || []);
    final = s.final;
    toggle('processing', !final && Date.now() - started >= PROCESSING_AFTER);
  }

  function poll() {
    fetch(statusUrl, { headers: { Accept: 'application/json' }, cache: 'no-store', credentials: 'same-origin' })
      .then(function (r) {
        if (!r.ok) {
          throw new Error('HTTP ' + r.status);
        }
        return r.json();
      })
      .then(function (s) {
        render(s);
        if (!s.final) {
          setTimeout(poll, INTERVAL);
        }
      })
      .catch(function () {
        // A network blip is not a payment failure: keep asking.
        setTimeout(poll, INTERVAL);
      });
  }

  if (!final) {
    setTimeout(function () {
      toggle('processing', !final);
    }, PROCESSING_AFTER);
    poll();
  }
}());
