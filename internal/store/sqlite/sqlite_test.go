package sqlite_test

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/google/uuid"

	"github.com/cashierpay/cashier/internal/payment"
	"github.com/cashierpay/cashier/internal/store"
	"github.com/cashierpay/cashier/internal/store/sqlite"
	"github.com/cashierpay/cashier/internal/store/sqlstore"
	"github.com/cashierpay/cashier/internal/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		return open(t, filepath.Join(t.TempDir(), "cashier.db"))
	})
}

// open opens path and closes it when the test ends.
func open(t *testing.T, path string) *sqlstore.DB {
	t.Helper()
	db, err := sqlite.Open(t.Context(), path)
	if err != nil {
		t.Fatalf("Open(%s): %v", path, err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return db
}

func merchant() *payment.Merchant {
	id := uuid.NewString()
	created := time.Now().UTC().Truncate(time.Microsecond)
	return &payment.Merchant{
		ID: id, ClientID: "client-" + id, Name: "Shop", CreatedAt: created,
		Keys: payment.MerchantKeys{{Version: 1, PublicKey: "MFkw" + id, CreatedAt: created}},
	}
}

type migration struct {
	version int
	name    string
}

// wantMigrations lists the files in migrations/, the rows schema_migrations must hold.
func wantMigrations(t *testing.T) []migration {
	t.Helper()
	entries, err := os.ReadDir("migrations")
	if err != nil {
		t.Fatal(err)
	}
	var want []migration
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".sql") {
			continue
		}
		num, _, _ := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(num)
		if err != nil {
			t.Fatalf("migration %s: %v", e.Name(), err)
		}
		want = append(want, migration{v, e.Name()})
	}
	if len(want) == 0 {
		t.Fatal("no migrations found")
	}
	return want
}

// checkMigrations reads schema_migrations of the file at path with a connection of its own.
func checkMigrations(t *testing.T, path string) {
	t.Helper()
	raw, err := sql.Open("sqlite", "file:"+path+"?mode=ro&_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	rows, err := raw.QueryContext(t.Context(), `SELECT version, name FROM schema_migrations ORDER BY version`)
	if err != nil {
		t.Fatalf("schema_migrations: %v", err)
	}
	defer rows.Close()
	var got []migration
	for rows.Next() {
		var m migration
		if err := rows.Scan(&m.version, &m.name); err != nil {
			t.Fatal(err)
		}
		got = append(got, m)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if want := wantMigrations(t); !slices.Equal(got, want) {
		t.Errorf("schema_migrations: got %v, want one row per file %v", got, want)
	}
}

func TestOpenTwice(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "cashier.db")
	first, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatalf("first Open: %v", err)
	}
	m := merchant()
	if err := first.MerchantInsert(ctx, m); err != nil {
		t.Fatal(err)
	}
	checkMigrations(t, path)

	// Beside the first, still open.
	second := open(t, path)
	checkMigrations(t, path)
	if _, err := second.MerchantGetByClientID(ctx, m.ClientID); err != nil {
		t.Errorf("second DB: MerchantGetByClientID of the first DB's merchant: %v", err)
	}
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}

	// After every handle is closed.
	if err := second.Close(); err != nil {
		t.Fatal(err)
	}
	third := open(t, path)
	checkMigrations(t, path)
	got, err := third.MerchantGetByClientID(ctx, m.ClientID)
	if err != nil {
		t.Fatalf("reopened DB: MerchantGetByClientID: %v", err)
	}
	if got.ID != m.ID || !got.CreatedAt.Equal(m.CreatedAt) {
		t.Errorf("reopened DB: got %+v, want %+v", got, m)
	}
}

// Two processes (the server and the CLI) may open a data directory that does not exist yet
// at the same time. The race is narrow, so the test runs many rounds, each on a new file.
func TestOpenConcurrently(t *testing.T) {
	for round := range 50 {
		path := filepath.Join(t.TempDir(), "cashier-"+strconv.Itoa(round)+".db")
		const openers = 2
		dbs := make([]*sqlstore.DB, openers)
		errs := make([]error, openers)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i := range openers {
			wg.Go(func() {
				<-start
				dbs[i], errs[i] = sqlite.Open(t.Context(), path)
			})
		}
		close(start)
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Fatalf("round %d: Open %d: %v", round, i, err)
			}
			t.Cleanup(func() { dbs[i].Close() })
		}
		checkMigrations(t, path)

		// Both work, and each sees the other's writes.
		var ms []*payment.Merchant
		for i, db := range dbs {
			m := merchant()
			if err := db.MerchantInsert(t.Context(), m); err != nil {
				t.Fatalf("round %d: DB %d: MerchantInsert: %v", round, i, err)
			}
			ms = append(ms, m)
		}
		for i, db := range dbs {
			for _, m := range ms {
				if _, err := db.MerchantGetByClientID(t.Context(), m.ClientID); err != nil {
					t.Errorf("round %d: DB %d: MerchantGetByClientID: %v", round, i, err)
				}
			}
		}
	}
}

// The CLI (cashier merchant add) writes through a DB of its own beside the server's.
func TestWriteFromSecondDBIsVisible(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "cashier.db")
	server, cli := open(t, path), open(t, path)

	// The server has been reading already.
	list, err := server.MerchantList(ctx)
	if err != nil || len(list) != 0 {
		t.Fatalf("MerchantList: %v, %d merchants", err, len(list))
	}

	m := merchant()
	if err := cli.MerchantInsert(ctx, m); err != nil {
		t.Fatalf("CLI: MerchantInsert: %v", err)
	}
	got, err := server.MerchantGetByClientID(ctx, m.ClientID)
	if err != nil {
		t.Fatalf("server: MerchantGetByClientID right after the CLI's insert: %v", err)
	}
	if got.ID != m.ID {
		t.Errorf("server: got merchant %s, want %s", got.ID, m.ID)
	}
	list, err = server.MerchantList(ctx)
	if err != nil || len(list) != 1 {
		t.Errorf("server: MerchantList: %v, %d merchants, want 1", err, len(list))
	}

	const url = "https://shop.example/notify"
	if err := cli.MerchantSetNotifyURL(ctx, m.ClientID, url); err != nil {
		t.Fatalf("CLI: MerchantSetNotifyURL: %v", err)
	}
	got, err = server.MerchantGetByClientID(ctx, m.ClientID)
	if err != nil {
		t.Fatal(err)
	}
	if got.NotifyURL != url {
		t.Errorf("server: NotifyURL right after the CLI's update: got %q, want %q", got.NotifyURL, url)
	}

	// A merchant the server knows about is one the CLI conflicts with.
	dup := merchant()
	dup.ClientID = m.ClientID
	if err := server.MerchantInsert(ctx, dup); err == nil {
		t.Error("server: MerchantInsert of the CLI's client id succeeded")
	}
}

// A write from the CLI while the server holds a write transaction waits for it instead of
// failing with SQLITE_BUSY.
func TestSecondDBWaitsForTx(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "cashier.db")
	server, cli := open(t, path), open(t, path)

	inTx := make(chan struct{})
	serverM, cliM := merchant(), merchant()
	var txErr error
	var wg sync.WaitGroup
	wg.Go(func() {
		txErr = server.Tx(ctx, func(q store.Tx) error {
			if err := q.MerchantInsert(ctx, serverM); err != nil {
				return err
			}
			close(inTx)
			time.Sleep(300 * time.Millisecond)
			return nil
		})
	})
	<-inTx
	if err := cli.MerchantInsert(ctx, cliM); err != nil {
		t.Errorf("CLI: MerchantInsert during the server's transaction: %v", err)
	}
	wg.Wait()
	if txErr != nil {
		t.Fatalf("server: Tx: %v", txErr)
	}
	for _, db := range []*sqlstore.DB{server, cli} {
		list, err := db.MerchantList(ctx)
		if err != nil || len(list) != 2 {
			t.Errorf("MerchantList: %v, %d merchants, want 2", err, len(list))
		}
	}
}

// TestMerchantKeyBecomesVersionOne: migration 0005 keeps the key every merchant had as
// its key version 1.
func TestMerchantKeyBecomesVersionOne(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cashier.db")
	old := fstest.MapFS{}
	for _, name := range []string{"0001_init.sql", "0002_request_window.sql", "0003_card_attempts.sql", "0004_auth_reference.sql"} {
		body, err := os.ReadFile(filepath.Join("migrations", name))
		if err != nil {
			t.Fatal(err)
		}
		old[name] = &fstest.MapFile{Data: body}
	}
	raw, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	if err := store.Migrate(t.Context(), old, func(ctx context.Context) (*sql.Tx, error) { return raw.BeginTx(ctx, nil) }); err != nil {
		t.Fatal(err)
	}
	created := time.Now().UTC().Truncate(time.Microsecond)
	if _, err := raw.Exec(`INSERT INTO merchants (id, client_id, name, public_key, created_at) VALUES ('M1', 'C1', 'Shop', 'MFkwOLD', ?)`, created.UnixMicro()); err != nil {
		t.Fatal(err)
	}
	raw.Close()

	got, err := open(t, path).MerchantGetByClientID(t.Context(), "C1")
	if err != nil {
		t.Fatal(err)
	}
	want := payment.MerchantKeys{{Version: 1, PublicKey: "MFkwOLD", CreatedAt: created}}
	if len(got.Keys) != 1 || got.Keys[0].Version != 1 || got.Keys[0].PublicKey != "MFkwOLD" || !got.Keys[0].CreatedAt.Equal(created) || !got.Keys[0].RetiredAt.IsZero() {
		t.Fatalf("keys after the migration: %+v, want %+v", got.Keys, want)
	}
}

func BenchmarkStorePay(b *testing.B) {
	db, err := sqlite.Open(b.Context(), filepath.Join(b.TempDir(), "cashier.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	storetest.BenchmarkPay(b, db)
}

// TestCheckpointsOffTheWriter: what a transaction commits reaches the database file soon
// after, though the writer's own automatic checkpoint waits for 1,000 pages of log, far
// more than these transactions write: the store checkpoints in the background.
func TestCheckpointsOffTheWriter(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "cashier.db")
	db := open(t, path)
	size := func() int64 {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		return fi.Size()
	}
	before := size()
	for range 20 {
		if err := db.Tx(ctx, func(q store.Tx) error { return q.MerchantInsert(ctx, merchant()) }); err != nil {
			t.Fatalf("Tx: %v", err)
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for size() <= before {
		if time.Now().After(deadline) {
			t.Fatalf("the database file is still %d bytes 10 s after the commits: nothing was checkpointed", before)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
