package postgres_test

import (
	"context"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/cashierpay/cashier/internal/payment"
	"github.com/cashierpay/cashier/internal/store"
	"github.com/cashierpay/cashier/internal/store/pgtest"
	"github.com/cashierpay/cashier/internal/store/postgres"
	"github.com/cashierpay/cashier/internal/store/sqlstore"
	"github.com/cashierpay/cashier/internal/store/storetest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.RunMain(m)) }

func open(t *testing.T, url string) *sqlstore.DB {
	t.Helper()
	db, err := postgres.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return open(t, pgtest.URL(t)) })
}

// TestNodesMigrateAtOnce: several nodes starting together on a new database apply each
// migration once.
func TestNodesMigrateAtOnce(t *testing.T) {
	url := pgtest.URL(t)
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			db, err := postgres.Open(context.Background(), url)
			if err == nil {
				db.Close()
			}
			errs[i] = err
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("node %d: %v", i, err)
		}
	}
	db := open(t, url)
	if _, err := db.MerchantList(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// TestPoolMaxConns: pool_max_conns in the URL bounds the pool and is not sent to the
// server (which would refuse it as an unknown setting); a bound below 1 is refused.
func TestPoolMaxConns(t *testing.T) {
	ctx := context.Background()
	url := pgtest.URL(t)
	if _, err := postgres.Open(ctx, withParam(url, "pool_max_conns=0")); err == nil {
		t.Error("Open with pool_max_conns=0: no error")
	}
	db := open(t, withParam(url, "pool_max_conns=2"))
	// Eight transactions at once, each holding its connection until told: two get one.
	entered, release := make(chan struct{}), make(chan struct{})
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			err := db.Tx(ctx, func(q store.Tx) error {
				if _, err := q.MerchantList(ctx); err != nil {
					return err
				}
				entered <- struct{}{}
				<-release
				return nil
			})
			if err != nil {
				t.Error(err)
			}
		})
	}
	<-entered
	<-entered
	n, err := backends(ctx, url)
	close(release)
	go func() {
		for range entered {
		}
	}()
	wg.Wait()
	close(entered)
	if err != nil {
		t.Fatal(err)
	}
	if n != 2 {
		t.Errorf("%d connections to the database with 8 transactions waiting, want pool_max_conns=2", n)
	}
}

// TestWarm: a warmed store holds every connection its pool may, idle, before any request
// needs one; without Warm, the one connection Open pinged.
func TestWarm(t *testing.T) {
	ctx := context.Background()
	url := pgtest.URL(t)
	db := open(t, withParam(url, "pool_max_conns=5"))
	if n, err := backends(ctx, url); err != nil || n >= 5 {
		t.Fatalf("%d connections before Warm (%v): the test shows nothing", n, err)
	}
	if err := db.Warm(ctx); err != nil {
		t.Fatalf("Warm: %v", err)
	}
	if n, err := backends(ctx, url); err != nil || n != 5 {
		t.Errorf("%d connections after Warm (%v), want pool_max_conns=5", n, err)
	}
}

// TestNotificationGoesWithCommit: a payment and its notification cost a transaction one
// round trip, BEGIN to COMMIT, also when the notification has no URL and the store decides
// in SQL whether it is to be sent; the decision reaches n.Status by the time Tx returns.
func TestNotificationGoesWithCommit(t *testing.T) {
	ctx := context.Background()
	var trips trips
	db, err := postgres.OpenTraced(ctx, pgtest.URL(t), &trips)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, tc := range []struct {
		url, want string
	}{
		{"", payment.NotificationUndeliverable},
		{"https://shop.example/notify", payment.NotificationPending},
	} {
		now := time.Now().UTC().Truncate(time.Microsecond)
		id := func() string { return uuid.Must(uuid.NewV7()).String() }
		m := &payment.Merchant{ID: id(), ClientID: "client-" + id(), Name: "Shop", NotifyURL: tc.url, CreatedAt: now}
		if err := db.MerchantInsert(ctx, m); err != nil {
			t.Fatal(err)
		}
		p := &payment.Payment{ID: id(), MerchantID: m.ID, RequestID: "req-" + id(), KeyHash: "kh", Amount: payment.Amount{Currency: "USD", Value: 1000},
			Status: payment.Success, Stage: payment.StageAuthorizing, CaptureMode: "AUTOMATIC", CaptureState: payment.CaptureNone,
			CreatedAt: now, UpdatedAt: now, ExpiresAt: now.Add(time.Hour), Version: 1}
		n := &payment.Notification{ID: id(), MerchantID: m.ID, PaymentID: p.ID, Kind: payment.NotifyPayment, Body: []byte(`{}`),
			Status: payment.NotificationPending, NextAttemptAt: now, CreatedAt: now}
		trips.n.Store(0)
		err := db.Tx(ctx, func(q store.Tx) error {
			if err := q.PaymentInsert(ctx, p); err != nil {
				return err
			}
			return q.NotificationInsert(ctx, n)
		})
		if err != nil {
			t.Fatal(err)
		}
		if got := trips.n.Load(); got != 1 {
			t.Errorf("merchant URL %q: %d round trips for the transaction, want 1", tc.url, got)
		}
		if n.Status != tc.want {
			t.Errorf("merchant URL %q: NotificationInsert says %s, want %s", tc.url, n.Status, tc.want)
		}
		stored, err := db.NotificationGet(ctx, n.ID)
		if err != nil {
			t.Fatal(err)
		}
		if stored.Status != tc.want {
			t.Errorf("merchant URL %q: stored %s, want %s", tc.url, stored.Status, tc.want)
		}
	}
}

// trips counts round trips to the server: a batch, or a statement sent alone.
type trips struct{ n atomic.Int64 }

func (c *trips) TraceQueryStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryStartData) context.Context {
	c.n.Add(1)
	return ctx
}
func (*trips) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}
func (c *trips) TraceBatchStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceBatchStartData) context.Context {
	c.n.Add(1)
	return ctx
}
func (*trips) TraceBatchQuery(context.Context, *pgx.Conn, pgx.TraceBatchQueryData) {}
func (*trips) TraceBatchEnd(context.Context, *pgx.Conn, pgx.TraceBatchEndData)     {}

// withParam adds the URL parameter kv ("name=value") to url.
func withParam(url, kv string) string {
	if strings.Contains(url, "?") {
		return url + "&" + kv
	}
	return url + "?" + kv
}

// backends counts the connections to url's database, other than the one that counts.
func backends(ctx context.Context, url string) (n int, err error) {
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return 0, err
	}
	defer conn.Close(ctx)
	err = conn.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`).Scan(&n)
	return n, err
}

func BenchmarkStorePay(b *testing.B) {
	db, err := postgres.Open(b.Context(), pgtest.URL(b))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	storetest.BenchmarkPay(b, db)
}
