package e2e

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite"
)

// TestNoCardDataAtRest pays with several cards and then looks for any PAN or CVV in clear in
// the data dir (SQLite files with WAL, keys), every cell of every table, and the logs.
func TestNoCardDataAtRest(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	pans := []string{visaOK, mcOK, visaDecl, hyundaiOK}
	cvv := "846"
	var tokens []string
	for _, pan := range pans {
		r := payReq(pan, "USD", 1234)
		r.PaymentMethod.PaymentMethodMetaData = []byte(fmt.Sprintf(`{"cardNo":%q,"cvv":%q,"expiryMonth":"12","expiryYear":"30","tokenize":true}`, pan, cvv))
		resp := e.pay(r)
		if resp.PaymentResultInfo != nil && resp.PaymentResultInfo.CardToken != "" {
			tokens = append(tokens, resp.PaymentResultInfo.CardToken)
		}
	}
	if len(tokens) == 0 {
		t.Fatal("no card was tokenized")
	}
	// The spaced form a buyer types must not leak either.
	spaced := payReq(visaOK, "USD", 999)
	spaced.PaymentMethod.PaymentMethodMetaData = []byte(`{"cardNo":"4054 6957 2310 0768","cvv":"846","expiryMonth":"12","expiryYear":"30"}`)
	e.pay(spaced)

	scanForCardData(t, e, append(pans, "4054 6957 2310 0768"), cvv)
}

// scanForCardData looks for any of pans, or cvv as a value of its own, in clear in the data
// dir (SQLite files with WAL, keys, temp files), every cell of every table, and the logs.
func scanForCardData(t *testing.T, e *env, pans []string, cvv string) {
	t.Helper()
	var files []string
	filepath.WalkDir(e.dir, func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			files = append(files, path)
		}
		return nil
	})
	var blobs = map[string][]byte{"logs": []byte(e.logs.String())}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		blobs[filepath.Base(f)] = data
	}
	if _, ok := blobs["cashier.db"]; !ok && !onPostgres() {
		t.Fatalf("no database file among %v", files)
	}
	cvvRe := regexp.MustCompile(`(^|[^0-9A-Za-z])` + cvv + `([^0-9A-Za-z]|$)`)
	for name, data := range blobs {
		for _, pan := range pans {
			if strings.Contains(string(data), pan) {
				t.Errorf("%s contains PAN %s in clear", name, pan)
			}
		}
		if name == "logs" && cvvRe.Match(data) {
			t.Errorf("logs contain the CVV")
		}
		if strings.Contains(strings.ToLower(string(data)), `"cvv"`) {
			t.Errorf("%s contains a cvv field", name)
		}
	}
	// Cell by cell: no stored value is or contains the CVV as a value of its own.
	driver, dsn, list := "sqlite", filepath.Join(e.dir, "cashier.db")+"?mode=ro", `SELECT name FROM sqlite_master WHERE type = 'table'`
	if onPostgres() {
		driver, dsn, list = "pgx", e.db, `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'`
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	tables, err := db.QueryContext(context.Background(), list)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for tables.Next() {
		var n string
		tables.Scan(&n)
		names = append(names, n)
	}
	tables.Close()
	for _, table := range names {
		rows, err := db.Query(`SELECT * FROM ` + table)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		for _, c := range cols {
			if strings.Contains(strings.ToLower(c), "cvv") || strings.Contains(strings.ToLower(c), "pan") {
				t.Errorf("table %s has column %s", table, c)
			}
		}
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		for rows.Next() {
			rows.Scan(ptrs...)
			for i, v := range vals {
				s := fmt.Sprint(v)
				if b, ok := v.([]byte); ok {
					s = string(b)
				}
				if cvvRe.MatchString(s) && cols[i] != "value" {
					t.Errorf("%s.%s holds the CVV: %.80q", table, cols[i], s)
				}
			}
		}
		rows.Close()
	}
}
