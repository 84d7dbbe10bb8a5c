// Package notify delivers the gateway's outbox: notifyPayment, notifyCapture and
// notifyRefund, signed as Antom signs them, retried on Antom's schedule until the merchant
// acknowledges. Rows are written by the use cases in the same transaction as the state
// change they report; this worker only claims due rows, sends them and records what happened.
package notify

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/cashierpay/cashier/ams"
	"github.com/cashierpay/cashier/internal/clock"
	"github.com/cashierpay/cashier/internal/payment"
	"github.com/cashierpay/cashier/internal/store"
)

// RetryDelays are the waits after each failed attempt of a round: Antom's 0 s, 2 min,
// 10 min, 10 min, 1 h, 2 h, 6 h, 15 h schedule is eight attempts, the first at once.
var RetryDelays = []time.Duration{2 * time.Minute, 10 * time.Minute, 10 * time.Minute, time.Hour, 2 * time.Hour, 6 * time.Hour, 15 * time.Hour}

// MaxAttempts is the number of attempts in a round before a notification is marked failed.
var MaxAttempts = len(RetryDelays) + 1

// Next says when to try again after the n-th failed attempt of a round (1-based) that
// started at start; ok is false when the round is over.
func Next(n int, start time.Time) (next time.Time, ok bool) {
	if n < 1 || n > len(RetryDelays) {
		return time.Time{}, false
	}
	return start.Add(RetryDelays[n-1]), true
}

// RoundSpan is how long a round of attempts lasts from its first (24 h 22 min): how long a
// notification held for want of a URL stays worth sending once the merchant sets one, as it
// would have been retried that long had it been sent.
var RoundSpan = func() time.Duration {
	var d time.Duration
	for _, r := range RetryDelays {
		d += r
	}
	return d
}()

// SetMerchantURL sets the notify URL of the merchant of clientID and, when it is one, makes
// its notifications held for want of a URL in the last RoundSpan before now pending again at
// now, in one transaction (store.Queries.NotificationInsert says why that is race-free). It
// returns how many it resent; an unknown merchant is store.ErrNotFound.
func SetMerchantURL(ctx context.Context, st store.Store, clientID, url string, now time.Time) (resent int, err error) {
	err = st.Tx(ctx, func(q store.Tx) error {
		if err := q.MerchantSetNotifyURL(ctx, clientID, url); err != nil || url == "" {
			return err
		}
		m, err := q.MerchantGetByClientID(ctx, clientID)
		if err != nil {
			return err
		}
		resent, err = q.NotificationResendUndeliverable(ctx, m.ID, now.Add(-RoundSpan), now)
		return err
	})
	return resent, err
}

// Config configures a Worker. Fields without a default are required.
type Config struct {
	Store store.Store
	// Signer signs notifications with the gateway's private key of version KeyVersion,
	// which each notification's Signature header names (default ams.DefaultKeyVersion).
	Signer     ams.Signer
	KeyVersion string
	// Clock stamps Request-Time and schedules retries; defaults to the wall clock.
	Clock clock.Clock
	// Timeout bounds one delivery attempt; default 10 s.
	Timeout time.Duration
	// Guard says which addresses notifications may go to; the zero Guard allows public
	// addresses only.
	Guard Guard
	// Resolver resolves the hosts of notification URLs; default the system's. Tests give
	// one that answers as a hostile DNS server would.
	Resolver *net.Resolver
	// Concurrency is how many notifications are sent at once; default 64. A delivery mostly
	// waits for the merchant's answer, so this bounds the rate at Concurrency / answer time:
	// with 16, a receiver answering in 100 ms under load (or a checkout load of 70 pays/s,
	// two notifications each) let the outbox fall seconds behind (docs/performance.md).
	Concurrency int
	// Logger defaults to slog.Default().
	Logger *slog.Logger
	// Observe, if set, hears of each attempt: its outcome (acknowledged; exhausted when no
	// retry is left; refused when the Guard or CheckURL turned the URL down; failed
	// otherwise) and how long the merchant took to answer.
	Observe func(outcome string, latency time.Duration)
}

// Worker delivers due notifications.
type Worker struct {
	cfg    Config
	log    *slog.Logger
	kick   chan struct{}
	client *http.Client

	mu       sync.Mutex
	inFlight map[string]bool
}

// New builds a Worker.
func New(cfg Config) *Worker {
	if cfg.Clock == nil {
		cfg.Clock = clock.Real{}
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 10 * time.Second
	}
	if cfg.Concurrency == 0 {
		cfg.Concurrency = 64
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return &Worker{cfg: cfg, log: cfg.Logger, kick: make(chan struct{}, 1), client: cfg.Guard.client(cfg.Resolver, cfg.Concurrency), inFlight: map[string]bool{}}
}

// Kick tells the worker that a notification was just committed, so the first attempt does
// not wait for the next poll.
func (w *Worker) Kick() {
	select {
	case w.kick <- struct{}{}:
	default:
	}
}

// pollInterval bounds how late a notification written by another process, or a retry that
// falls due, is picked up.
const pollInterval = 500 * time.Millisecond

// Run delivers notifications until ctx ends. Deliveries in flight when ctx ends are
// abandoned; their lease runs out and they are sent again, as after a crash.
func (w *Worker) Run(ctx context.Context) {
	sem := make(chan struct{}, w.cfg.Concurrency)
	var wg sync.WaitGroup
	defer wg.Wait()
	for ctx.Err() == nil {
		claimed, err := w.claim(ctx, w.cfg.Concurrency)
		if err != nil && ctx.Err() == nil {
			w.log.ErrorContext(ctx, "claim notifications", "err", err)
		}
		for _, n := range claimed {
			sem <- struct{}{}
			wg.Add(1)
			go func() {
				defer func() { <-sem; wg.Done(); w.Kick() }() // a free slot may take more work
				w.deliver(ctx, n)
			}()
		}
		if len(claimed) == w.cfg.Concurrency {
			continue
		}
		t := time.NewTimer(pollInterval)
		select {
		case <-ctx.Done():
		case <-w.kick:
		case <-w.cfg.Clock.Changed():
		case <-t.C:
		}
		t.Stop()
	}
}

// claim leases due notifications that this worker is not already sending.
func (w *Worker) claim(ctx context.Context, limit int) ([]*payment.Notification, error) {
	w.mu.Lock()
	busy := len(w.inFlight)
	w.mu.Unlock()
	if limit -= busy; limit <= 0 {
		return nil, nil
	}
	var claimed []*payment.Notification
	wall := time.Now()
	// The lease outlives the attempt's timeout so that only a crashed worker's rows are
	// claimed again.
	lease := wall.Add(w.cfg.Timeout + 5*time.Second)
	err := w.cfg.Store.Tx(ctx, func(q store.Tx) error {
		var err error
		claimed, err = q.NotificationClaimDue(ctx, store.NotificationClaim{Now: w.cfg.Clock.Now(), WallNow: wall, LeaseUntil: lease, Limit: limit})
		return err
	})
	w.mu.Lock()
	defer w.mu.Unlock()
	out := claimed[:0]
	for _, n := range claimed {
		if !w.inFlight[n.ID] {
			w.inFlight[n.ID] = true
			out = append(out, n)
		}
	}
	return out, err
}

// deliver makes one attempt and records it.
func (w *Worker) deliver(ctx context.Context, n *payment.Notification) {
	defer func() {
		w.mu.Lock()
		delete(w.inFlight, n.ID)
		w.mu.Unlock()
	}()
	a, refused := w.attempt(ctx, n)
	if a == nil {
		w.setUndeliverable(ctx, n)
		return
	}
	if ctx.Err() != nil {
		return // shutting down: leave the row leased; it is sent again after the lease
	}
	n.Attempts++
	switch {
	case a.Error == "":
		n.Status, n.DeliveredAt = payment.NotificationDelivered, a.StartedAt
	default:
		next, ok := Next(n.Attempts-n.RoundStart, a.StartedAt)
		if ok {
			n.NextAttemptAt = next
		} else {
			n.Status = payment.NotificationFailed
		}
	}
	err := w.cfg.Store.Tx(context.WithoutCancel(ctx), func(q store.Tx) error {
		return q.NotificationRecordAttempt(ctx, n, a)
	})
	if err != nil {
		w.log.ErrorContext(ctx, "record notification attempt", "notification", n.ID, "err", err)
	}
	level, outcome := slog.LevelWarn, "failed"
	switch {
	case a.Error == "":
		level, outcome = slog.LevelInfo, "acknowledged"
	case n.Status == payment.NotificationFailed:
		outcome = "exhausted"
	case refused:
		outcome = "refused"
	}
	if w.cfg.Observe != nil {
		w.cfg.Observe(outcome, a.Latency)
	}
	w.log.Log(ctx, level, "notification attempt", "notification", n.ID, "kind", n.Kind, "payment", n.PaymentID, "attempt", n.Attempts,
		"outcome", outcome, "status", n.Status, "http_status", a.HTTPStatus, "ms", a.Latency.Milliseconds(), "error", a.Error)
}

// setUndeliverable holds a notification that has no URL to go to (its merchant's was
// cleared after it was written) instead of failing attempts at nothing. If a URL was set
// meanwhile the row stays leased and is claimed again once its lease runs out.
func (w *Worker) setUndeliverable(ctx context.Context, n *payment.Notification) {
	err := w.cfg.Store.NotificationSetUndeliverable(context.WithoutCancel(ctx), n)
	switch {
	case err == nil:
		w.log.InfoContext(ctx, "notification undeliverable", "notification", n.ID, "kind", n.Kind, "payment", n.PaymentID,
			"reason", "no URL: send paymentNotifyUrl/refundNotifyUrl or set the merchant's notify URL, which sends it")
	case !errors.Is(err, store.ErrStale):
		w.log.ErrorContext(ctx, "hold undeliverable notification", "notification", n.ID, "err", err)
	}
}

// attempt POSTs the notification once to its URL, else its merchant's; a non-empty Error
// means it was not acknowledged, and refused that the URL was turned down before anything
// was sent. A nil attempt means there is no URL to send to: nothing was attempted.
func (w *Worker) attempt(ctx context.Context, n *payment.Notification) (a *payment.NotificationAttempt, refused bool) {
	a = &payment.NotificationAttempt{NotificationID: n.ID, Attempt: n.Attempts + 1, StartedAt: w.cfg.Clock.Now().UTC().Truncate(time.Microsecond), URL: n.URL}
	m, err := w.cfg.Store.MerchantGet(ctx, n.MerchantID)
	if err != nil {
		a.Error = "merchant lookup failed: " + err.Error()
		return a, false
	}
	if a.URL == "" {
		a.URL = m.NotifyURL
	}
	if a.URL == "" {
		return nil, false
	}
	// Rows written before the API checked URLs, or by another version, are checked again.
	if err := CheckURL(a.URL); err != nil {
		a.Error = "refused notification URL: " + err.Error()
		return a, true
	}
	u, _ := url.Parse(a.URL)
	path := u.Path
	if path == "" {
		path = "/"
	}
	reqTime := ams.FormatTime(a.StartedAt)
	sig, err := ams.SignHeader(w.cfg.Signer, w.cfg.KeyVersion, http.MethodPost, path, m.ClientID, reqTime, n.Body)
	if err != nil {
		a.Error = "signing failed: " + err.Error()
		return a, false
	}
	actx, cancel := context.WithTimeout(ctx, w.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(actx, http.MethodPost, a.URL, bytes.NewReader(n.Body))
	if err != nil {
		a.Error = "invalid notification URL"
		return a, false
	}
	req.Header.Set("Content-Type", "application/json; charset=UTF-8")
	ams.SetHeader(req.Header, ams.HeaderClientID, m.ClientID)
	ams.SetHeader(req.Header, ams.HeaderRequestTime, reqTime)
	ams.SetHeader(req.Header, ams.HeaderSignature, sig)
	// Not Antom's: a stable id and the attempt number, so that a merchant (or a test) can
	// tell a retry from a new notification without parsing the body.
	req.Header.Set("X-Cashier-Notification-Id", n.ID)
	req.Header.Set("X-Cashier-Attempt", strconv.Itoa(a.Attempt))
	start := time.Now()
	resp, err := w.client.Do(req)
	if err != nil {
		a.Latency = time.Since(start)
		var rerr *RefusedError
		if errors.As(err, &rerr) {
			a.Error = rerr.Error()
			return a, true
		}
		a.Error = transportError(err)
		return a, false
	}
	// The acknowledgement is under 100 bytes; an answer that goes on is not one.
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	resp.Body.Close()
	a.Latency = time.Since(start)
	a.HTTPStatus = resp.StatusCode
	a.Response = excerpt(body)
	switch {
	case resp.StatusCode >= 300 && resp.StatusCode < 400:
		a.Error = fmt.Sprintf("HTTP %d: redirects are not followed", resp.StatusCode)
	case resp.StatusCode != http.StatusOK:
		a.Error = fmt.Sprintf("HTTP %d is not an acknowledgement", resp.StatusCode)
	case !IsAck(body):
		a.Error = "the answer is not the acknowledgement body"
	}
	return a, false
}

// IsAck reports whether body is Antom's acknowledgement: a result object with resultCode
// SUCCESS, resultStatus S and resultMessage success, and nothing else. Whitespace and key
// order are free, as JSON encoders differ; anything else, including another member, a key
// twice or a key in another case (which readers resolve differently), is a failed attempt.
func IsAck(body []byte) bool {
	var v map[string]map[string]string
	if ams.Decode(body, &v) != nil || len(v) != 1 {
		return false
	}
	r, ok := v["result"]
	return ok && len(r) == 3 && r["resultCode"] == ams.CodeSuccess && r["resultStatus"] == ams.StatusSuccess && r["resultMessage"] == "success"
}

func transportError(err error) string {
	if errors.Is(err, context.DeadlineExceeded) {
		return "timed out"
	}
	var uerr *url.Error
	if errors.As(err, &uerr) {
		err = uerr.Err
	}
	return err.Error()
}

// excerptLen bounds what the delivery log keeps of an answer: enough to recognise an error
// page, too little to make the log a way of reading what a receiver returns.
const excerptLen = 64

// excerpt is the start of an answer for the delivery log, in printable ASCII: anything
// else, control characters included, becomes '?', so that no answer can write escape
// sequences into an operator's terminal or break a log line.
func excerpt(b []byte) string {
	b = b[:min(len(b), excerptLen)]
	out := make([]byte, len(b))
	for i, c := range b {
		if c < 0x20 || c > 0x7e {
			c = '?'
		}
		out[i] = c
	}
	return string(out)
}
