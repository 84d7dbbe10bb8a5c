package e2e

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/cashierpay/cashier/ams"
	"github.com/cashierpay/cashier/client"
	"github.com/cashierpay/cashier/internal/sandbox"
	"github.com/cashierpay/cashier/internal/store/pgtest"
)

// cluster is several cashier nodes on one PostgreSQL database, sharing a data dir for keys.
type cluster struct {
	t     *testing.T
	dir   string
	db    string
	mu    sync.Mutex
	nodes []*process
	sm    sandbox.Merchant
}

func newCluster(t *testing.T, n int) *cluster {
	c := &cluster{t: t, dir: t.TempDir(), db: pgtest.URL(t)}
	for i := 0; i < n; i++ {
		c.nodes = append(c.nodes, startProcess(t, c.dir, "--db", c.db, "--notify-timeout", "2s"))
	}
	data, err := os.ReadFile(filepath.Join(c.dir, "sandbox-merchant.json"))
	if err != nil {
		t.Fatal(err)
	}
	json.Unmarshal(data, &c.sm)
	return c
}

func (c *cluster) client(i int) *client.Client {
	c.mu.Lock()
	base := c.nodes[i%len(c.nodes)].baseURL
	c.mu.Unlock()
	cl, err := client.New(client.Config{BaseURL: base, ClientID: c.sm.ClientID, MerchantPrivateKey: c.sm.MerchantPrivateKey,
		GatewayPublicKey: c.sm.GatewayPublicKey, HTTPClient: &http.Client{Timeout: 30 * time.Second}})
	if err != nil {
		c.t.Fatal(err)
	}
	return cl
}

// call sends a request to node i and, if that node cannot answer, to the others with the
// same request: what a merchant behind a load balancer does.
func (c *cluster) call(i int, api string, req, resp any) error {
	var err error
	for try := 0; try < 20; try++ {
		if err = c.client(i+try).Call(context.Background(), api, req, resp); err == nil {
			return nil
		}
		var se *client.SignatureError
		if errors.As(err, &se) {
			return err
		}
		time.Sleep(100 * time.Millisecond)
	}
	return err
}

type delivery struct {
	id      string
	attempt string
	at      time.Time
	kind    string
	subject string // paymentId, captureId or refundId
}

// TestChaosTwoNodes runs two nodes behind a round-robin client under concurrent load, kills
// one with SIGKILL mid-load, restarts it, and checks that nothing acknowledged was lost, nothing
// was done twice, every state change was notified, and no attempt was sent by two nodes.
func TestChaosTwoNodes(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("runs two gateway processes")
	}
	c := newCluster(t, 2)

	var dmu sync.Mutex
	var deliveries []delivery
	endpoint := newMerchantEndpoint(t, func(n int, w http.ResponseWriter) {})
	endpoint.reply = func(n int, w http.ResponseWriter) {
		r := endpoint.all()[n-1]
		var b struct{ NotifyType, PaymentID, CaptureID, RefundID string }
		json.Unmarshal(r.body, &b)
		subject := b.PaymentID
		if b.CaptureID != "" {
			subject = b.CaptureID
		}
		if b.RefundID != "" {
			subject = b.RefundID
		}
		dmu.Lock()
		deliveries = append(deliveries, delivery{id: r.header.Get("X-Cashier-Notification-Id"), attempt: r.header.Get("X-Cashier-Attempt"),
			at: time.Now(), kind: b.NotifyType, subject: subject})
		dmu.Unlock()
		ack(w)
	}

	type outcome struct {
		requestID, paymentID, status string
	}
	var omu sync.Mutex
	payments := map[string]outcome{} // by paymentRequestId
	var captures, refunds []string   // captureId / refundId acknowledged with SUCCESS
	var ops atomic.Int64
	var killStart, killEnd time.Time

	record := func(o outcome) {
		omu.Lock()
		defer omu.Unlock()
		if prev, ok := payments[o.requestID]; ok && prev.paymentID != o.paymentID {
			t.Errorf("paymentRequestId %s made payments %s and %s", o.requestID, prev.paymentID, o.paymentID)
		}
		payments[o.requestID] = o
	}

	const workers, rounds = 6, 8
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := 0; r < rounds; r++ {
				node := w + r
				// A payment sent to two nodes at once.
				req := payReq(visaOK, "USD", 1000)
				req.PaymentNotifyURL = endpoint.srv.URL + "/n"
				var dup sync.WaitGroup
				for k := 0; k < 2; k++ {
					dup.Add(1)
					go func() {
						defer dup.Done()
						var resp ams.PayResponse
						if err := c.call(node+k, ams.APIPay, req, &resp); err != nil {
							t.Errorf("pay: %v", err)
							return
						}
						if resp.PaymentID != "" {
							record(outcome{req.PaymentRequestID, resp.PaymentID, resp.Result.ResultStatus})
						}
					}()
				}
				dup.Wait()
				ops.Add(1)
				omu.Lock()
				paid := payments[req.PaymentRequestID]
				omu.Unlock()
				if paid.status == ams.StatusSuccess {
					// A refund sent to both nodes with the same id.
					rr := &ams.RefundRequest{RefundRequestID: uniq("ref"), PaymentID: paid.paymentID,
						RefundAmount: &ams.Amount{Currency: "USD", Value: "400"}, RefundNotifyURL: endpoint.srv.URL + "/r"}
					ids := make([]string, 2)
					var dup sync.WaitGroup
					for k := 0; k < 2; k++ {
						dup.Add(1)
						go func() {
							defer dup.Done()
							var resp ams.RefundResponse
							if err := c.call(node+1+k, ams.APIRefund, rr, &resp); err != nil {
								t.Errorf("refund: %v", err)
								return
							}
							if resp.Result.ResultCode == "SUCCESS" {
								ids[k] = resp.RefundID
							}
						}()
					}
					dup.Wait()
					if ids[0] != "" && ids[1] != "" && ids[0] != ids[1] {
						t.Errorf("refundRequestId %s made refunds %s and %s", rr.RefundRequestID, ids[0], ids[1])
					}
					if ids[0] != "" {
						omu.Lock()
						refunds = append(refunds, ids[0])
						omu.Unlock()
					}
				}
				// A manual payment captured through the other node.
				m := manual(payReq(mcOK, "USD", 700))
				m.PaymentNotifyURL = endpoint.srv.URL + "/n"
				var mresp ams.PayResponse
				if err := c.call(node+1, ams.APIPay, m, &mresp); err != nil {
					t.Errorf("manual pay: %v", err)
					continue
				}
				record(outcome{m.PaymentRequestID, mresp.PaymentID, mresp.Result.ResultStatus})
				if mresp.Result.ResultStatus == ams.StatusSuccess {
					cr := &ams.CaptureRequest{CaptureRequestID: uniq("cap"), PaymentID: mresp.PaymentID, CaptureAmount: &ams.Amount{Currency: "USD", Value: "700"}}
					var cresp ams.CaptureResponse
					if err := c.call(node, ams.APICapture, cr, &cresp); err != nil {
						t.Errorf("capture: %v", err)
					} else if cresp.Result.ResultCode == "SUCCESS" {
						omu.Lock()
						captures = append(captures, cresp.CaptureID)
						omu.Unlock()
					}
				}
				ops.Add(1)
			}
		}()
	}

	// Kill node 1 two thirds of the way through, bring it back a moment later.
	eventually(t, "load under way", func() bool { return ops.Load() >= int64(workers*rounds*2/3) })
	c.mu.Lock()
	victim := c.nodes[1]
	c.mu.Unlock()
	killStart = time.Now()
	if err := victim.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	victim.cmd.Wait()
	// A request the dead node had written may still be read by the merchant a moment later.
	killEnd = time.Now().Add(time.Second)
	time.Sleep(500 * time.Millisecond)
	restarted := startProcess(t, c.dir, "--db", c.db, "--notify-timeout", "2s")
	c.mu.Lock()
	c.nodes[1] = restarted
	c.mu.Unlock()
	wg.Wait()

	// Nothing acknowledged was lost: every payment is there with the status it was acknowledged with.
	omu.Lock()
	defer omu.Unlock()
	cl := c.client(0)
	for _, o := range payments {
		inq, err := cl.InquiryPayment(context.Background(), &ams.InquiryPaymentRequest{PaymentRequestID: o.requestID})
		if err != nil || inq.PaymentID != o.paymentID {
			t.Fatalf("payment %s: %+v %v", o.requestID, inq, err)
		}
		if o.status == ams.StatusSuccess && inq.PaymentStatus != "SUCCESS" {
			t.Errorf("acknowledged payment %s is %s", o.paymentID, inq.PaymentStatus)
		}
	}

	// Nothing happened twice, and refunds stay within what was captured.
	db, err := sql.Open("pgx", c.db)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, q := range []string{
		`SELECT COUNT(*) FROM (SELECT merchant_id, request_id FROM payments GROUP BY 1, 2 HAVING COUNT(*) > 1) d`,
		`SELECT COUNT(*) FROM (SELECT merchant_id, request_id FROM captures GROUP BY 1, 2 HAVING COUNT(*) > 1) d`,
		`SELECT COUNT(*) FROM (SELECT merchant_id, request_id FROM refunds GROUP BY 1, 2 HAVING COUNT(*) > 1) d`,
		`SELECT COUNT(*) FROM (SELECT payment_id FROM captures WHERE status = 'SUCCESS' GROUP BY 1 HAVING COUNT(*) > 1) d`,
		`SELECT COUNT(*) FROM payments p WHERE refunded_value > captured_value
			OR refunded_value < (SELECT COALESCE(SUM(value), 0) FROM refunds r WHERE r.payment_id = p.id AND r.status = 'SUCCESS')`,
	} {
		var n int
		if err := db.QueryRow(q).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Errorf("%d rows break: %s", n, q)
		}
	}

	// Every state change is notified at least once.
	want := map[string]bool{}
	rows, err := db.Query(`SELECT 'PAYMENT_RESULT/' || id FROM payments WHERE status IN ('SUCCESS', 'FAIL')
		UNION ALL SELECT 'CAPTURE_RESULT/' || id FROM captures WHERE status IN ('SUCCESS', 'FAIL')
		UNION ALL SELECT 'REFUND_RESULT/' || id FROM refunds WHERE status IN ('SUCCESS', 'FAIL')`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var k string
		rows.Scan(&k)
		want[k] = true
	}
	rows.Close()
	for _, id := range captures {
		if !want["CAPTURE_RESULT/"+id] {
			t.Errorf("acknowledged capture %s not stored as final", id)
		}
	}
	for _, id := range refunds {
		if !want["REFUND_RESULT/"+id] {
			t.Errorf("acknowledged refund %s not stored as final", id)
		}
	}
	deadline := time.Now().Add(45 * time.Second)
	for {
		got := map[string]bool{}
		dmu.Lock()
		for _, d := range deliveries {
			got[d.kind+"/"+d.subject] = true
		}
		dmu.Unlock()
		missing := 0
		for k := range want {
			if !got[k] {
				missing++
			}
		}
		if missing == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d state changes never notified", missing, len(want))
		}
		time.Sleep(200 * time.Millisecond)
	}

	// No attempt was sent twice by two live nodes. The same attempt may come again only when
	// the node sending it died before recording it: first arrival around the kill, the repeat
	// after the dead node's lease (attempt timeout 2 s + 5 s) ran out.
	dmu.Lock()
	first := map[string]delivery{}
	repeats := 0
	for _, d := range deliveries {
		key := d.id + "#" + d.attempt
		if p, ok := first[key]; ok {
			if !(p.at.Before(killEnd) && d.at.After(killStart) && d.at.Sub(p.at) > 5*time.Second) {
				t.Errorf("attempt %s sent twice while both senders were alive (%v, %v)", key, p.at, d.at)
			}
			repeats++
			continue
		}
		first[key] = d
	}
	total := len(deliveries)
	dmu.Unlock()
	t.Logf("%d payments, %d captures, %d refunds; %d deliveries, %d re-sent after the crash", len(payments), len(captures), len(refunds), total, repeats)
	if len(want) < workers*rounds {
		t.Fatalf("only %d state changes: the load did not run", len(want))
	}
}
