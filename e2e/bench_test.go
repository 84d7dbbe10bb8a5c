package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cashierpay/cashier/client"
	"github.com/cashierpay/cashier/internal/cli"
	"github.com/cashierpay/cashier/internal/limit"
	"github.com/cashierpay/cashier/internal/store/pgtest"

	"github.com/cashierpay/cashier/internal/payment"
	"github.com/cashierpay/cashier/internal/sandbox"
	"github.com/cashierpay/cashier/internal/store"
)

// BenchmarkNotifyLatency measures the time from the commit of a state change to the first
// delivery attempt of its notification, one payment at a time.
func BenchmarkNotifyLatency(b *testing.B) {
	// The gateway is measured, not the merchant's API rate limit, which a run of more than
	// its burst would meet.
	e := newEnvWith(b, cli.Options{APIRate: &limit.Rate{}})
	var mu sync.Mutex
	arrived := map[string]time.Time{}
	m := newMerchantEndpoint(b, func(int, http.ResponseWriter) {})
	m.reply = func(n int, w http.ResponseWriter) {
		at := time.Now()
		var body struct{ PaymentID string }
		json.Unmarshal(m.all()[n-1].body, &body)
		mu.Lock()
		arrived[body.PaymentID] = at
		mu.Unlock()
		ack(w)
	}
	ids := make([]string, 0, b.N)
	b.ResetTimer()
	for range b.N {
		req := manual(payReq(visaOK, "USD", 100))
		req.PaymentNotifyURL = m.srv.URL + "/n"
		r := e.pay(req)
		if r.PaymentID == "" {
			b.Fatalf("pay: %+v", r.Result)
		}
		ids = append(ids, r.PaymentID)
	}
	eventually(b, "all delivered", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(arrived) == b.N
	})
	b.StopTimer()
	var lat []time.Duration
	for _, id := range ids {
		ns, err := e.app.Store.NotificationListByPayment(context.Background(), id)
		if err != nil || len(ns) != 1 {
			b.Fatalf("notifications of %s: %v", id, err)
		}
		mu.Lock()
		lat = append(lat, arrived[id].Sub(ns[0].CreatedAt))
		mu.Unlock()
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
}

// BenchmarkNotifyThroughput commits b.N notifications at once and measures how fast the
// worker delivers them to an endpoint that acknowledges at once.
func BenchmarkNotifyThroughput(b *testing.B) {
	e := newEnv(b)
	m := newMerchantEndpoint(b, func(_ int, w http.ResponseWriter) { ack(w) })
	ctx := context.Background()
	// One real payment for the notifications to refer to.
	p := e.pay(manual(payReq(visaOK, "USD", 100)))
	eventually(b, "payment's own notification attempted", func() bool {
		ns, _ := e.app.Store.NotificationListByPayment(ctx, p.PaymentID)
		return ns[0].Attempts > 0
	})
	body := []byte(`{"notifyType":"PAYMENT_RESULT","result":{"resultCode":"SUCCESS","resultStatus":"S","resultMessage":"success"},"paymentRequestId":"bench","paymentId":"` + p.PaymentID + `"}`)
	b.ResetTimer()
	now := e.clock.Now().UTC()
	err := e.app.Store.Tx(ctx, func(q store.Tx) error {
		for i := range b.N {
			n := &payment.Notification{ID: fmt.Sprintf("bench-%d", i), MerchantID: e.app.SandboxClient.ClientID, PaymentID: p.PaymentID,
				Kind: payment.NotifyPayment, URL: m.srv.URL + "/n", Body: body, Status: payment.NotificationPending,
				NextAttemptAt: now, CreatedAt: now}
			if err := q.NotificationInsert(ctx, n); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	e.app.Notifier.Kick()
	deadline := time.Now().Add(5 * time.Minute)
	for {
		delivered := 0
		ns, _ := e.app.Store.NotificationListByPayment(ctx, p.PaymentID)
		for _, n := range ns {
			if n.Status == payment.NotificationDelivered && n.ID != "" && n.ID[0] == 'b' {
				delivered++
			}
		}
		if delivered == b.N {
			break
		}
		if time.Now().After(deadline) {
			b.Fatalf("delivered %d of %d", delivered, b.N)
		}
		time.Sleep(5 * time.Millisecond)
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "delivered/s")
}

// BenchmarkThroughput compares pay throughput of one node on SQLite, one node on PostgreSQL
// and two nodes on PostgreSQL, in one run, with 16 concurrent merchants' calls spread round
// robin over the nodes. Node processes and the load share the machine's cores.
func BenchmarkThroughput(b *testing.B) {
	for _, tc := range []struct {
		name     string
		postgres bool
		nodes    int
	}{{"sqlite-1node", false, 1}, {"postgres-1node", true, 1}, {"postgres-2nodes", true, 2}} {
		b.Run(tc.name, func(b *testing.B) {
			dir := b.TempDir()
			// The gateway is measured, not the merchant's API rate limit.
			args := []string{"--api-rate", "0"}
			if tc.postgres {
				args = append(args, "--db", pgtest.URL(b))
			}
			var clients []*client.Client
			for i := 0; i < tc.nodes; i++ {
				p := startProcess(b, dir, args...)
				var sm sandbox.Merchant
				data, _ := os.ReadFile(filepath.Join(dir, "sandbox-merchant.json"))
				json.Unmarshal(data, &sm)
				c, err := client.New(client.Config{BaseURL: p.baseURL, ClientID: sm.ClientID, MerchantPrivateKey: sm.MerchantPrivateKey, GatewayPublicKey: sm.GatewayPublicKey})
				if err != nil {
					b.Fatal(err)
				}
				clients = append(clients, c)
			}
			var next atomic.Int64
			b.SetParallelism(8)
			b.ResetTimer()
			start := time.Now()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					c := clients[int(next.Add(1))%len(clients)]
					resp, err := c.Pay(context.Background(), payReq(visaOK, "USD", 100))
					if err != nil || resp.Result.ResultCode != "SUCCESS" {
						b.Errorf("pay: %+v %v", resp, err)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "pays/s")
		})
	}
}
