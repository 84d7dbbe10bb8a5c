package bench

import (
	"context"
	"crypto/rsa"
	"net/http"
	"sync"
	"time"

	"github.com/cashierpay/cashier/ams"
	"github.com/cashierpay/cashier/client"
)

// receiver is the merchant's notification endpoint: it verifies each notification with
// the gateway's key (client.NotificationHandler), acknowledges it, and notes when it came.
type receiver struct {
	http.Handler
	mu       sync.Mutex
	arrived  map[string]time.Time // by "pay:"+paymentRequestId, "capture:"+captureRequestId
	answered map[string]time.Time // when the answer reporting the same change came
	badSig   int
	changed  chan struct{}
}

func newReceiver(c *client.Client, newVerifier func(*rsa.PublicKey) (ams.Verifier, error)) *receiver {
	n := &receiver{arrived: map[string]time.Time{}, answered: map[string]time.Time{}, changed: make(chan struct{}, 1)}
	n.Handler = client.NotificationHandler(client.HandlerConfig{
		GatewayPublicKey: c.GatewayPublicKey(), NewVerifier: newVerifier, ClientID: c.ClientID(),
		Handle: func(_ context.Context, msg client.Notification) error {
			var key string
			switch {
			case msg.Payment != nil:
				key = "pay:" + msg.Payment.PaymentRequestID
			case msg.Capture != nil:
				key = "capture:" + msg.Capture.CaptureRequestID
			default:
				return nil
			}
			n.mu.Lock()
			if _, ok := n.arrived[key]; !ok {
				n.arrived[key] = time.Now()
			}
			n.mu.Unlock()
			n.signal()
			return nil
		},
		OnError: func(_ *http.Request, err error) {
			n.mu.Lock()
			n.badSig++
			n.mu.Unlock()
		},
	})
	return n
}

func (n *receiver) signal() {
	select {
	case n.changed <- struct{}{}:
	default:
	}
}

// expect notes that the answer reporting key's change came at at.
func (n *receiver) expect(key string, at time.Time) {
	n.mu.Lock()
	n.answered[key] = at
	n.mu.Unlock()
}

func (n *receiver) missing() int {
	n.mu.Lock()
	defer n.mu.Unlock()
	m := 0
	for k := range n.answered {
		if _, ok := n.arrived[k]; !ok {
			m++
		}
	}
	return m
}

// wait returns when every expected notification has come, or after at most d.
func (n *receiver) wait(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	for n.missing() > 0 {
		select {
		case <-n.changed:
		case <-t.C:
			return
		case <-ctx.Done():
			return
		}
	}
}

func (n *receiver) report() *NotifyReport {
	n.mu.Lock()
	defer n.mu.Unlock()
	rep := &NotifyReport{Expected: len(n.answered), signatureFailures: n.badSig}
	var h Histogram
	for k, answered := range n.answered {
		at, ok := n.arrived[k]
		if !ok {
			rep.Missing++
			continue
		}
		rep.Received++
		if at.Before(answered) {
			rep.BeforeAnswer++
		}
		h.Record(max(at.Sub(answered), 0))
	}
	rep.Latency = quantiles(&h)
	return rep
}
