package postgres_test

import (
	"context"
	"os"
	"sync"
	"testing"

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

func BenchmarkStorePay(b *testing.B) {
	db, err := postgres.Open(b.Context(), pgtest.URL(b))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	storetest.BenchmarkPay(b, db)
}
