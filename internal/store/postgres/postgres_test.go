package postgres_test

import (
	"context"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"

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
