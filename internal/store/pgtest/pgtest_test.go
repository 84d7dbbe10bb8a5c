package pgtest

import (
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"
	"time"
)

func TestMain(m *testing.M) { os.Exit(RunMain(m)) }

// query runs sql on the database at u and returns psql's unaligned, tuples-only output.
func query(t *testing.T, u, sql string) string {
	t.Helper()
	psql, err := findPsql("")
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(psql, "-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d", u, "-c", sql).CombinedOutput()
	if err != nil {
		t.Fatalf("psql %s -c %q: %v\n%s", u, sql, err, out)
	}
	return strings.TrimSpace(string(out))
}

func TestURL(t *testing.T) {
	start := time.Now()
	a := URL(t)
	t.Logf("first URL (includes any cluster start): %v", time.Since(start))
	start = time.Now()
	b := URL(t)
	t.Logf("second URL: %v", time.Since(start))
	if a == b {
		t.Fatalf("two calls returned the same URL %s", a)
	}
	if !Available() {
		t.Error("Available() = false after URL worked")
	}
	for _, u := range []string{a, b} {
		if got := query(t, u, "select 1"); got != "1" {
			t.Errorf("select 1 on %s: got %q", u, got)
		}
		if got := query(t, u, "select count(*) from pg_class where relnamespace = 'public'::regnamespace"); got != "0" {
			t.Errorf("%s is not empty: %s relations in public", u, got)
		}
	}

	// Parallel tests each get their own database, and lose it when they end.
	urls := make([]string, 8)
	t.Run("parallel", func(t *testing.T) {
		for i := range urls {
			t.Run(fmt.Sprint(i), func(t *testing.T) {
				t.Parallel()
				urls[i] = URL(t)
				query(t, urls[i], "create table t (x int)")
			})
		}
	})
	seen := map[string]bool{a: true, b: true}
	for _, u := range urls {
		if seen[u] {
			t.Errorf("URL %s handed out twice", u)
		}
		seen[u] = true
		p, err := url.Parse(u)
		if err != nil {
			t.Fatal(err)
		}
		name := strings.TrimPrefix(p.Path, "/")
		if got := query(t, a, "select count(*) from pg_database where datname = '"+name+"'"); got != "0" {
			t.Errorf("database %s still exists after its test ended", name)
		}
	}
}

func TestDBName(t *testing.T) {
	for _, name := range []string{"TestX", "TestURL/parallel/3", strings.Repeat("Ünïcode-", 20), "", "///"} {
		got := dbName(name)
		if len(got) > 63 || strings.Trim(got, "abcdefghijklmnopqrstuvwxyz0123456789_") != "" {
			t.Errorf("dbName(%q) = %q: not a short, plain identifier", name, got)
		}
	}
	if dbName("T") == dbName("T") {
		t.Error("dbName repeats itself")
	}
}

// TestNoPostgres hides every PostgreSQL and checks that URL skips, or fails when
// CASHIER_REQUIRE_POSTGRES is set.
func TestNoPostgres(t *testing.T) {
	t.Setenv(EnvURL, "")
	t.Setenv("PATH", t.TempDir())
	old := serverGlob
	serverGlob = "/nonexistent/*/bin"
	t.Cleanup(func() { serverGlob = old })

	if Available() {
		t.Error("Available() = true with no PostgreSQL")
	}
	for _, tc := range []struct{ require, want string }{{"", "skip"}, {"0", "skip"}, {"1", "fatal"}} {
		t.Setenv(EnvRequire, tc.require)
		tb := &recordTB{TB: t}
		done := make(chan struct{})
		go func() {
			defer close(done)
			URL(tb)
			tb.got = "returned"
		}()
		<-done
		if tb.got != tc.want || !strings.Contains(tb.msg, "PostgreSQL not available") {
			t.Errorf("%s=%q: URL did %s (%q), want %s", EnvRequire, tc.require, tb.got, tb.msg, tc.want)
		}
	}
}

// recordTB notes how a test would have ended, and ends the goroutine as the real one does.
type recordTB struct {
	testing.TB
	got, msg string
}

func (r *recordTB) Helper() {}
func (r *recordTB) Skipf(format string, args ...any) {
	r.got, r.msg = "skip", fmt.Sprintf(format, args...)
	runtime.Goexit()
}
func (r *recordTB) Fatalf(format string, args ...any) {
	r.got, r.msg = "fatal", fmt.Sprintf(format, args...)
	runtime.Goexit()
}
