// Package bench is cashier's load generator (cashier bench): it drives any Antom-compatible
// gateway with requests signed before the timed window, in a closed loop or at a fixed
// arrival rate, receives the notifications itself, verifies every signature (the answers'
// after the timed window, so that on a shared machine the tool takes less of what it
// measures), and reports throughput, latency quantiles, result codes and notification
// delivery latency. It also measures this machine's RSA signing rate, the gateway's
// physical limit (docs/performance.md).
package bench

import (
	"context"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cashierpay/cashier/ams"
	"github.com/cashierpay/cashier/client"
)

// The scenarios.
const (
	// ScenarioPay is one server-to-server card pay with manual capture and no notification
	// URL: exactly one gateway signature per operation.
	ScenarioPay = "pay"
	// ScenarioCheckout is pay (with the tool's receiver as paymentNotifyUrl), inquiryPayment,
	// capture, and both notifications received.
	ScenarioCheckout = "checkout"
	// ScenarioMixed is, of every four operations, two pays, one checkout and one
	// createPaymentSession (the start of a hosted or SDK payment).
	ScenarioMixed = "mixed"
)

// Scenarios are the names Config.Scenario takes.
var Scenarios = []string{ScenarioPay, ScenarioCheckout, ScenarioMixed}

// Card is the card the pays use: the sandbox's always-approving Visa, also a test card of
// Antom's sandbox.
const Card = "4054695723100768"

// Config is one run.
type Config struct {
	// Client calls the gateway; its signer signs the requests before the run and the
	// captures during it (their paymentId is known only then).
	Client *client.Client
	// Scenario is one of Scenarios.
	Scenario string
	Load     Load
	// Duration, if positive, stops starting operations after it; the run also ends when
	// Load.Ops are done.
	Duration time.Duration
	// Notify is where the tool's notification receiver listens, and NotifyURL the URL the
	// gateway reaches it at (default http://<Notify's address>). Needed by checkout and
	// mixed.
	Notify    net.Listener
	NotifyURL string
	// NotifyWait is how long to wait after the last operation for notifications still due.
	NotifyWait time.Duration
	// Progress gets a progress line each second; nil: none.
	Progress io.Writer
	// Signer names the implementation of Client's signer and verifier, for the report.
	Signer string
	// NewVerifier prepares the gateway's key for the notification receiver, as the
	// Client's Config.NewVerifier prepared it for the answers; nil: crypto/rsa.
	NewVerifier func(*rsa.PublicKey) (ams.Verifier, error)
	// GatewayPID, if positive, is the gateway's process on this machine: the report gives
	// its processor time per operation beside the tool's own.
	GatewayPID int
}

// run is one run's state: the plan signed in advance, and what was measured.
type run struct {
	cfg   Config
	id    string
	ops   []plan
	stats *stats
	notes *receiver
	// outcomes are the operations' answers, by index, kept for settle.
	outcomes   []outcome
	done       atomic.Int64
	unanswered atomic.Int64
}

// plan is one operation, built and signed before the timed window.
type plan struct {
	kind      string // pay, checkout or session
	requestID string
	first     *client.SignedRequest // pay or createPaymentSession
	inquiry   *client.SignedRequest // checkout
}

// Run prepares cfg.Load.Ops operations, signing them, then runs them and reports.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	r := &run{cfg: cfg, id: strconv.FormatInt(time.Now().UnixNano(), 36), stats: newStats()}
	needsNotify := cfg.Scenario != ScenarioPay
	if needsNotify {
		if cfg.Notify == nil {
			return nil, errors.New("bench: the checkout and mixed scenarios need a notification receiver")
		}
		r.notes = newReceiver(cfg.Client, cfg.NewVerifier)
		srv := &http.Server{Handler: r.notes, ReadHeaderTimeout: 10 * time.Second}
		go srv.Serve(cfg.Notify)
		defer srv.Close()
		if cfg.NotifyURL == "" {
			cfg.NotifyURL = "http://" + cfg.Notify.Addr().String()
			r.cfg.NotifyURL = cfg.NotifyURL
		}
	}
	signStart := time.Now()
	if err := r.prepare(); err != nil {
		return nil, err
	}
	signTime := time.Since(signStart)

	stop := ctx
	if cfg.Duration > 0 {
		var cancel context.CancelFunc
		stop, cancel = context.WithTimeout(ctx, cfg.Duration)
		defer cancel()
	}
	progressDone := r.progress(ctx)
	cpu := startCPU(cfg.GatewayPID)
	start := drive(stop, wallClock{}, cfg.Load, func(_ context.Context, i int, due time.Time) {
		r.operate(ctx, i, due)
	})
	elapsed := time.Since(start)
	cpuUsed := cpu.per(int(r.done.Load()))
	progressDone()
	r.settle()
	if r.notes != nil {
		r.notes.wait(ctx, cfg.NotifyWait)
	}
	rep := r.report(elapsed)
	rep.CPU = cpuUsed
	rep.Presigned = Presigned{Requests: r.presignedCount(), Seconds: signTime.Seconds(), Signer: cfg.Signer}
	return rep, nil
}

func (r *run) presignedCount() int {
	n := 0
	for _, p := range r.ops {
		n++
		if p.inquiry != nil {
			n++
		}
	}
	return n
}

// prepare builds and signs every operation's requests, on all cores.
func (r *run) prepare() error {
	r.ops = make([]plan, r.cfg.Load.Ops)
	r.outcomes = make([]outcome, r.cfg.Load.Ops)
	var wg sync.WaitGroup
	errs := make(chan error, runtime.GOMAXPROCS(0))
	var next atomic.Int64
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= len(r.ops) {
					return
				}
				if err := r.plan(i); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	return <-errs
}

// kind is the operation i of the scenario.
func (r *run) kind(i int) string {
	switch r.cfg.Scenario {
	case ScenarioCheckout:
		return "checkout"
	case ScenarioMixed:
		return [...]string{"pay", "pay", "checkout", "session"}[i%4]
	}
	return "pay"
}

func (r *run) plan(i int) error {
	p := plan{kind: r.kind(i), requestID: fmt.Sprintf("bench-%s-%d", r.id, i)}
	order := &ams.Order{ReferenceOrderID: "order-" + p.requestID, OrderDescription: "cashier bench"}
	amount := &ams.Amount{Currency: "USD", Value: "1000"}
	var api string
	var body any
	switch p.kind {
	case "session":
		api, body = ams.APICreatePaymentSession, &ams.CreatePaymentSessionRequest{
			ProductCode: ams.ProductCashierPayment, PaymentRequestID: p.requestID, Order: order, PaymentAmount: amount,
			PaymentMethod: &ams.PaymentMethod{PaymentMethodType: ams.PaymentMethodCard}, PaymentRedirectURL: "https://merchant.example/return",
			ProductScene: "CHECKOUT_PAYMENT",
		}
	default:
		meta := fmt.Sprintf(`{"cardNo":%q,"cvv":"123","expiryMonth":"12","expiryYear":"30","cardholderName":{"firstName":"Ada","lastName":"Lovelace"}}`, Card)
		req := &ams.PayRequest{
			ProductCode: ams.ProductCashierPayment, PaymentRequestID: p.requestID, Order: order, PaymentAmount: amount,
			PaymentMethod:      &ams.PaymentMethod{PaymentMethodType: ams.PaymentMethodCard, PaymentMethodMetaData: []byte(meta)},
			PaymentRedirectURL: "https://merchant.example/return", Env: &ams.Env{TerminalType: "WEB"},
			PaymentFactor: &ams.PaymentFactor{IsAuthorization: true, CaptureMode: ams.CaptureManual},
		}
		if p.kind == "checkout" {
			req.PaymentNotifyURL = r.cfg.NotifyURL
		}
		api, body = ams.APIPay, req
	}
	var err error
	if p.first, err = r.sign(api, body); err != nil {
		return err
	}
	if p.kind == "checkout" {
		if p.inquiry, err = r.sign(ams.APIInquiryPayment, &ams.InquiryPaymentRequest{PaymentRequestID: p.requestID}); err != nil {
			return err
		}
	}
	r.ops[i] = p
	return nil
}

func (r *run) sign(api string, body any) (*client.SignedRequest, error) {
	b, err := json.Marshal(body)
	if err != nil {
		return nil, err
	}
	return r.cfg.Client.Sign(api, b)
}

// operate runs operation i, due at due. Its answers are kept, unchecked where the
// operation did not need their content, for settle.
func (r *run) operate(ctx context.Context, i int, due time.Time) {
	o := &r.outcomes[i]
	r.operateSteps(ctx, r.ops[i], due, o)
	o.latency = time.Since(due)
	r.done.Add(1)
	if n := len(o.answers); n > 0 && o.answers[n-1].code == codeTransport {
		r.unanswered.Add(1)
	}
}

func (r *run) operateSteps(ctx context.Context, p plan, due time.Time, o *outcome) {
	api := ams.APIPay
	if p.kind == "session" {
		api = ams.APICreatePaymentSession
	}
	if p.kind != "checkout" {
		r.call(ctx, o, api, p.first, due, "")
		return
	}
	first := r.call(ctx, o, api, p.first, due, "pay:"+p.requestID)
	if first.code == codeTransport {
		return
	}
	// A checkout acts on its pay's answer, so it checks that one now, as a merchant would:
	// it needs the paymentId to capture.
	if !r.check(first) {
		return
	}
	var pay struct {
		PaymentID string `json:"paymentId"`
	}
	json.Unmarshal(first.x.ResponseBody, &pay)
	if a := r.call(ctx, o, ams.APIInquiryPayment, p.inquiry, time.Now(), ""); a.code == codeTransport {
		return
	}
	capStart := time.Now()
	capture, err := r.sign(ams.APICapture, &ams.CaptureRequest{
		CaptureRequestID: "cap-" + p.requestID, PaymentID: pay.PaymentID, CaptureAmount: &ams.Amount{Currency: "USD", Value: "1000"},
	})
	if err != nil {
		o.answers = append(o.answers, answer{api: ams.APICapture, code: codeSigning, checked: true})
		return
	}
	r.call(ctx, o, ams.APICapture, capture, capStart, "capture:cap-"+p.requestID)
}

// The codes of failures that carry no Antom result.
const (
	codeTransport = "TRANSPORT_ERROR"         // no answer: connection refused, reset, timeout
	codeSignature = "RESPONSE_SIGNATURE_FAIL" // the answer's signature is missing or wrong
	codeMalformed = "RESPONSE_MALFORMED"      // a signed answer that is not JSON with a result
	codeSigning   = "REQUEST_SIGNING_FAILED"  // the tool could not sign a capture
)

// outcome is one operation's latency and the answers to its calls, in order.
type outcome struct {
	latency time.Duration
	answers []answer
}

// answer is one call's answer as it arrived, and once checked its result code.
type answer struct {
	api     string
	x       *client.Exchange // nil when no answer came
	latency time.Duration
	at      time.Time // when it came: the start of its notification's latency
	notify  string    // the receiver's key of the notification a successful answer expects, if any
	checked bool
	code    string
	ok      bool
}

// call posts req and keeps its answer, with its latency from start, in o, and returns it
// (until o's next call). Only the transport's failure is known at once; check does the
// rest. notify is the receiver's key of the notification that a successful answer
// reports too, or "".
func (r *run) call(ctx context.Context, o *outcome, api string, req *client.SignedRequest, start time.Time, notify string) *answer {
	x, err := r.cfg.Client.Deliver(ctx, req)
	at := time.Now()
	a := answer{api: api, x: x, latency: at.Sub(start), at: at, notify: notify}
	if err != nil {
		a.code, a.checked = codeTransport, true
	}
	o.answers = append(o.answers, a)
	return &o.answers[len(o.answers)-1]
}

// check verifies and decodes a's answer, once, and says whether it is a success.
func (r *run) check(a *answer) bool {
	if a.checked {
		return a.ok
	}
	a.checked = true
	err := r.cfg.Client.Check(a.x)
	var sigErr *client.SignatureError
	switch {
	case errors.As(err, &sigErr):
		a.code = codeSignature
	case err != nil:
		a.code = codeMalformed
	default:
		a.code, a.ok = a.x.Result.ResultCode, a.x.Result.ResultStatus == ams.StatusSuccess
	}
	return a.ok
}

// settle checks every answer not yet checked, after the timed window, and records the
// operations and their calls: an operation succeeded if every call it made did. A
// successful answer that a notification reports too is expected by the receiver.
func (r *run) settle() {
	for i := range r.outcomes {
		o := &r.outcomes[i]
		if len(o.answers) == 0 { // not started: the run was stopped
			continue
		}
		ok := true
		for j := range o.answers {
			a := &o.answers[j]
			if !r.check(a) {
				ok = false
			} else if a.notify != "" {
				r.notes.expect(a.notify, a.at)
			}
			r.stats.api(a.api, a.code, a.latency)
			a.x = nil
		}
		r.stats.op(o.latency, ok)
	}
}

// progress prints a line a second until the returned function is called.
func (r *run) progress(ctx context.Context) func() {
	if r.cfg.Progress == nil {
		return func() {}
	}
	stop := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(time.Second)
		defer t.Stop()
		start, last := time.Now(), int64(0)
		for {
			select {
			case <-stop:
				fmt.Fprintln(r.cfg.Progress)
				return
			case <-ctx.Done():
				return
			case now := <-t.C:
				done := r.done.Load()
				fmt.Fprintf(r.cfg.Progress, "\r%6.0fs  %d/%d operations  %d/s  %d unanswered  ", now.Sub(start).Seconds(), done, r.cfg.Load.Ops, done-last, r.unanswered.Load())
				last = done
			}
		}
	}()
	return func() { close(stop); <-finished }
}
