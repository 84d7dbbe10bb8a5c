// Package pgtest is the test harness that gives tests a PostgreSQL database.
//
// URL returns the address of a fresh, empty database made for the calling test alone, and
// drops it when the test ends. The server comes from, in order:
//
//  1. CASHIER_TEST_DATABASE_URL, a postgres:// URL of an existing server on which the
//     harness may CREATE DATABASE (it talks to it only through psql, so this package
//     needs no Go driver);
//  2. otherwise one throwaway cluster per test binary, made with the initdb and pg_ctl
//     found under /usr/lib/postgresql/*/bin (highest version first) or on PATH, started
//     on the first call to URL with durability off, listening on 127.0.0.1 only, with its
//     files in /dev/shm when that has room (else the temporary directory, or
//     CASHIER_PGTEST_DIR if set). When the tests run as root, the cluster runs as the OS
//     user "postgres", since initdb refuses to run as root.
//
// When neither is there, URL skips the test, unless CASHIER_REQUIRE_POSTGRES=1 (CI sets
// it), in which case it fails it.
//
// A package whose tests use the throwaway cluster stops it from TestMain:
//
//	func TestMain(m *testing.M) { os.Exit(pgtest.RunMain(m)) }
//
// If the test binary dies before RunMain's cleanup (a timeout panic, a crashing test,
// SIGKILL), a small watchdog shell process, which notices its parent's exit when a pipe
// closes, stops the cluster and removes its directory. Only if that watchdog is killed too
// can a cluster be left behind, in a directory named cashier-pgtest-* (in /dev/shm or
// the temporary directory); `pg_ctl stop -D <dir>/data -m immediate` and removing the
// directory clean it up.
package pgtest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

const (
	// EnvURL names the variable holding the URL of an existing server to create test
	// databases on, instead of starting a cluster.
	EnvURL = "CASHIER_TEST_DATABASE_URL"
	// EnvRequire names the variable that, when true ("1"), turns "PostgreSQL is not
	// available" from a skip into a failure.
	EnvRequire = "CASHIER_REQUIRE_POSTGRES"
	// EnvDir names the variable that, when set, chooses the directory the throwaway
	// cluster is made in, instead of /dev/shm (when it has 1 GiB free) or os.TempDir().
	EnvDir = "CASHIER_PGTEST_DIR"
)

// serverGlob is where Debian (and Ubuntu) install each major version's server binaries.
// A variable so that this package's tests can point it elsewhere.
var serverGlob = "/usr/lib/postgresql/*/bin"

// Time limits. Generous: they only guard against hangs.
const (
	startTimeout = 2 * time.Minute // initdb plus pg_ctl start
	psqlTimeout  = time.Minute     // one CREATE or DROP DATABASE
)

// URL returns the URL of a fresh, empty database for tb alone, and drops the database in
// tb.Cleanup. It skips tb when no PostgreSQL is available (fails it instead if
// CASHIER_REQUIRE_POSTGRES is set), and fails tb when PostgreSQL is there but does not
// work. Safe for parallel tests.
func URL(tb testing.TB) string {
	tb.Helper()
	if raw := os.Getenv(EnvURL); raw != "" {
		psql, err := findPsql("")
		if err != nil {
			unavailable(tb, fmt.Errorf("%s is set but %w", EnvURL, err))
		}
		admin, err := parseURL(raw)
		if err != nil {
			tb.Fatalf("pgtest: %s: %v", EnvURL, err)
		}
		return createDB(tb, psql, admin, true)
	}
	if _, _, err := server(); err != nil {
		unavailable(tb, err)
	}
	c, err := getCluster()
	if err != nil {
		tb.Fatalf("pgtest: starting a PostgreSQL cluster: %v", err)
	}
	return createDB(tb, c.psql, c.admin, false)
}

// Available reports, cheaply, whether URL can give tests a database: the environment
// names a server and psql is there, or a cluster can be started (binaries found, and the
// "postgres" OS user when running as root) and has not failed to start already. It starts
// nothing.
func Available() bool {
	if os.Getenv(EnvURL) != "" {
		_, err := findPsql("")
		return err == nil
	}
	if _, _, err := server(); err != nil {
		return false
	}
	clusterMu.Lock()
	defer clusterMu.Unlock()
	return !clusterTried || clusterErr == nil && !clusterStopped
}

// RunMain runs the tests, then stops the cluster URL started, if any, and removes it.
// Call it from TestMain: os.Exit(pgtest.RunMain(m)). When tests failed, it prints where
// the cluster was and the end of its server log on stderr.
func RunMain(m *testing.M) int {
	code := 1 // if m.Run panics
	defer func() { stopCluster(code != 0) }()
	code = m.Run()
	return code
}

func unavailable(tb testing.TB, err error) {
	tb.Helper()
	if required() {
		tb.Fatalf("PostgreSQL not available: %v (%s is set, so this fails instead of skipping)", err, EnvRequire)
	}
	tb.Skipf("PostgreSQL not available: %v", err)
}

func required() bool {
	v, err := strconv.ParseBool(os.Getenv(EnvRequire))
	return err == nil && v
}

// ---- databases ----

var (
	runID   = randomHex(4) // tells this process's databases from another's on a shared server
	dbCount atomic.Int64
)

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails (crypto/rand panics rather)
	return hex.EncodeToString(b)
}

// dbName makes a unique, valid, unquoted-safe database name that shows which test it
// belongs to: pgtest_<test>_<run>_<n>, at most 63 bytes.
func dbName(testName string) string {
	var b strings.Builder
	under := false
	for _, r := range strings.ToLower(testName) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
			under = false
		} else if !under && b.Len() > 0 {
			b.WriteByte('_')
			under = true
		}
		if b.Len() >= 24 {
			break
		}
	}
	name := strings.TrimSuffix(b.String(), "_")
	if name == "" {
		name = "test"
	}
	return fmt.Sprintf("pgtest_%s_%s_%d", name, runID, dbCount.Add(1))
}

// createDB creates a database on the server admin points at and returns its URL. shared
// says the server outlives the test binary, so a failed drop is worth a log line.
func createDB(tb testing.TB, psql string, admin *url.URL, shared bool) string {
	tb.Helper()
	name := dbName(tb.Name())
	if out, err := runPsql(psql, admin, `CREATE DATABASE "`+name+`" TEMPLATE template0`); err != nil {
		tb.Fatalf("pgtest: creating database %s on %s: %v\n%s", name, admin.Redacted(), err, out)
	}
	tb.Cleanup(func() {
		// WITH (FORCE) (PostgreSQL 13+) ends sessions the test left open.
		out, err := runPsql(psql, admin, `DROP DATABASE IF EXISTS "`+name+`" WITH (FORCE)`)
		if err != nil && bytes.Contains(out, []byte("syntax error")) {
			out, err = runPsql(psql, admin, `DROP DATABASE IF EXISTS "`+name+`"`)
		}
		if err != nil && shared {
			tb.Logf("pgtest: could not drop database %s on %s: %v\n%s", name, admin.Redacted(), err, out)
		}
	})
	u := *admin
	u.Path, u.RawPath = "/"+name, ""
	if q := u.Query(); q.Has("dbname") {
		q.Del("dbname")
		u.RawQuery = q.Encode()
	}
	return u.String()
}

// parseURL accepts the URL forms libpq does (postgres:// and postgresql://).
func parseURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("not a URL: %v", err) // err quotes the URL; fine for an env var the user set
	}
	if u.Scheme != "postgres" && u.Scheme != "postgresql" {
		return nil, fmt.Errorf("want a postgres:// URL, got scheme %q", u.Scheme)
	}
	return u, nil
}

// runPsql runs one SQL command on the database u names, stopping at the first error. The
// password, if any, goes in the environment rather than on the command line.
func runPsql(psql string, u *url.URL, sql string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), psqlTimeout)
	defer cancel()
	conn := *u
	env := os.Environ()
	if pw, ok := u.User.Password(); ok {
		conn.User = url.User(u.User.Username())
		env = append(env, "PGPASSWORD="+pw)
	}
	if os.Getenv("PGCONNECT_TIMEOUT") == "" {
		env = append(env, "PGCONNECT_TIMEOUT=10")
	}
	cmd := exec.CommandContext(ctx, psql, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", conn.String(), "-c", sql)
	cmd.Env = env
	cmd.WaitDelay = 5 * time.Second
	return cmd.CombinedOutput()
}

// ---- finding binaries ----

// server finds initdb, pg_ctl and psql, plus the way to run them as the postgres OS
// user when running as root.
func server() (bins, runner, error) {
	b, err := findServer()
	if err != nil {
		return bins{}, runner{}, err
	}
	r, err := newRunner()
	if err != nil {
		return bins{}, runner{}, err
	}
	return b, r, nil
}

type bins struct{ initdb, pgctl, psql string }

func findServer() (bins, error) {
	dirs, _ := filepath.Glob(serverGlob)
	// Highest version first: compare the version directories numerically (9.6 < 15).
	slices.SortFunc(dirs, func(a, b string) int {
		return -compareVersions(filepath.Base(filepath.Dir(a)), filepath.Base(filepath.Dir(b)))
	})
	for _, dir := range dirs {
		initdb, pgctl := filepath.Join(dir, "initdb"), filepath.Join(dir, "pg_ctl")
		if !isExecutable(initdb) || !isExecutable(pgctl) {
			continue
		}
		psql, err := findPsql(dir)
		if err != nil {
			return bins{}, err
		}
		return bins{initdb, pgctl, psql}, nil
	}
	initdb, err1 := exec.LookPath("initdb")
	pgctl, err2 := exec.LookPath("pg_ctl")
	if err1 != nil || err2 != nil {
		return bins{}, fmt.Errorf("%s is not set, and no initdb and pg_ctl under %s or on PATH", EnvURL, serverGlob)
	}
	psql, err := findPsql(filepath.Dir(pgctl))
	if err != nil {
		return bins{}, err
	}
	return bins{initdb, pgctl, psql}, nil
}

// findPsql prefers the psql next to the server binaries, then the one on PATH, then
// any under serverGlob.
func findPsql(dir string) (string, error) {
	if dir != "" {
		if p := filepath.Join(dir, "psql"); isExecutable(p) {
			return p, nil
		}
	}
	if p, err := exec.LookPath("psql"); err == nil {
		return p, nil
	}
	dirs, _ := filepath.Glob(serverGlob)
	for _, d := range dirs {
		if p := filepath.Join(d, "psql"); isExecutable(p) {
			return p, nil
		}
	}
	return "", errors.New("no psql on PATH or under " + serverGlob)
}

func isExecutable(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0
}

// compareVersions compares dotted numeric versions ("15", "9.6"); non-numbers sort low.
func compareVersions(a, b string) int {
	as, bs := strings.Split(a, "."), strings.Split(b, ".")
	for i := range max(len(as), len(bs)) {
		x, y := -1, -1
		if i < len(as) {
			if n, err := strconv.Atoi(as[i]); err == nil {
				x = n
			}
		}
		if i < len(bs) {
			if n, err := strconv.Atoi(bs[i]); err == nil {
				y = n
			}
		}
		if x != y {
			return x - y
		}
	}
	return strings.Compare(a, b)
}

// runner runs the server binaries: directly, or as the postgres OS user when we are root.
type runner struct {
	asPostgres bool
	uid, gid   int
	via        string // runuser, setpriv or su
}

func newRunner() (runner, error) {
	if os.Geteuid() != 0 {
		return runner{}, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return runner{}, fmt.Errorf("running as root, where initdb refuses to run, and no \"postgres\" OS user to run it as: %v", err)
	}
	uid, err1 := strconv.Atoi(u.Uid)
	gid, err2 := strconv.Atoi(u.Gid)
	if err1 != nil || err2 != nil {
		return runner{}, fmt.Errorf("OS user postgres has uid %q gid %q", u.Uid, u.Gid)
	}
	for _, via := range []string{"runuser", "setpriv", "su"} {
		if p, err := exec.LookPath(via); err == nil {
			return runner{asPostgres: true, uid: uid, gid: gid, via: p}, nil
		}
	}
	return runner{}, errors.New("running as root, where initdb refuses to run, and none of runuser, setpriv, su to switch to the postgres user")
}

// argv is the command line that runs bin with args as the right user.
func (r runner) argv(bin string, args ...string) []string {
	cmd := append([]string{bin}, args...)
	if !r.asPostgres {
		return cmd
	}
	switch filepath.Base(r.via) {
	case "runuser":
		return append([]string{r.via, "-u", "postgres", "--"}, cmd...)
	case "setpriv":
		return append([]string{r.via, "--reuid=" + strconv.Itoa(r.uid), "--regid=" + strconv.Itoa(r.gid), "--init-groups", "--"}, cmd...)
	default: // su
		quoted := make([]string, len(cmd))
		for i, a := range cmd {
			quoted[i] = shellQuote(a)
		}
		return []string{r.via, "-s", "/bin/sh", "postgres", "-c", strings.Join(quoted, " ")}
	}
}

func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// ---- the throwaway cluster ----

type cluster struct {
	bins
	run     runner
	dir     string // everything lives here; removed at the end
	data    string
	logFile string
	port    int
	admin   *url.URL // the "postgres" database, for CREATE DATABASE
	started bool     // pg_ctl start succeeded, so stop it
	guard   *os.File // write end of the watchdog's pipe; closing it (or dying) wakes the watchdog
}

var (
	clusterMu      sync.Mutex // held while starting, so parallel tests wait for one start
	clusterTried   bool
	clusterStopped bool
	theCluster     *cluster
	clusterErr     error
)

func getCluster() (*cluster, error) {
	clusterMu.Lock()
	defer clusterMu.Unlock()
	if clusterStopped {
		return nil, errors.New("the cluster was already stopped by RunMain")
	}
	if !clusterTried {
		clusterTried = true
		theCluster, clusterErr = startCluster()
	}
	return theCluster, clusterErr
}

func stopCluster(failed bool) {
	clusterMu.Lock()
	defer clusterMu.Unlock()
	clusterStopped = true
	c := theCluster
	theCluster = nil
	if c == nil {
		return
	}
	if failed {
		fmt.Fprintf(os.Stderr, "pgtest: tests failed; the PostgreSQL cluster was in %s, at 127.0.0.1:%d; the end of its log:\n%s\n",
			c.dir, c.port, c.logTail())
	}
	c.destroy()
}

func startCluster() (*cluster, error) {
	b, r, err := server()
	if err != nil {
		return nil, err
	}
	dir, err := makeDir(r)
	if err != nil {
		return nil, err
	}
	c := &cluster{bins: b, run: r, dir: dir, data: filepath.Join(dir, "data"), logFile: filepath.Join(dir, "postgres.log")}
	c.startWatchdog()
	if err := c.start(); err != nil {
		c.destroy()
		return nil, err
	}
	return c, nil
}

// makeDir makes the cluster's directory, which the postgres user must own and reach.
func makeDir(r runner) (string, error) {
	parent := os.Getenv(EnvDir)
	if parent == "" {
		parent = os.TempDir()
		if runtime.GOOS == "linux" && freeBytes(shmDir) >= shmMinFree {
			parent = shmDir
		}
		if r.asPostgres && !othersCanSearch(parent) {
			parent = "/tmp"
		}
	}
	dir, err := os.MkdirTemp(parent, "cashier-pgtest-")
	if err != nil {
		return "", err
	}
	if r.asPostgres {
		if err := os.Chown(dir, r.uid, r.gid); err != nil {
			os.RemoveAll(dir)
			return "", err
		}
	}
	return dir, nil
}

// On a disk file system, creating a database's few hundred files can cost far more than
// copying them: CREATE DATABASE took 200+ ms on ext4 after many deletions (which dropping
// test databases makes), against 20 ms in tmpfs. So the cluster lives in /dev/shm when
// that has room for it and the databases of the tests running at one time.
const (
	shmDir     = "/dev/shm"
	shmMinFree = 1 << 30
)

// freeBytes reports the space available to unprivileged users in dir's file system, or
// 0 when df cannot tell (this keeps the package free of per-OS statfs code).
func freeBytes(dir string) int64 {
	out, err := exec.Command("df", "-Pk", dir).Output()
	if err != nil {
		return 0
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) < 2 {
		return 0
	}
	fields := strings.Fields(lines[len(lines)-1])
	if len(fields) < 4 {
		return 0
	}
	kb, err := strconv.ParseInt(fields[3], 10, 64)
	if err != nil {
		return 0
	}
	return kb << 10
}

// othersCanSearch reports whether every directory down to dir lets anyone through.
func othersCanSearch(dir string) bool {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return false
	}
	for {
		fi, err := os.Stat(dir)
		if err != nil || fi.Mode().Perm()&0o001 == 0 {
			return false
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return true
		}
		dir = parent
	}
}

func (c *cluster) command(ctx context.Context, bin string, args ...string) *exec.Cmd {
	argv := c.run.argv(bin, args...)
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Dir = c.dir // the postgres user may not be able to enter our working directory
	cmd.WaitDelay = 5 * time.Second
	return cmd
}

func (c *cluster) start() error {
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	out, err := c.command(ctx, c.initdb, "-D", c.data, "--auth=trust", "-U", "postgres",
		"--encoding=UTF8", "--locale=C", "--no-sync").CombinedOutput()
	if err != nil {
		return fmt.Errorf("initdb in %s: %v\n%s", c.dir, err, out)
	}
	// The Unix socket goes in our directory, not the system's, unless the path would be
	// too long for a socket; then TCP only.
	sock := c.dir
	if len(sock)+len("/.s.PGSQL.65535") > 100 {
		sock = ""
	}
	// Another process may take the port between freePort and the bind; then try another.
	for attempt := 1; ; attempt++ {
		port, err := freePort()
		if err != nil {
			return err
		}
		opts := fmt.Sprintf("-c listen_addresses=127.0.0.1 -p %d -k %s -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300 -c log_checkpoints=off",
			port, shellQuote(sock)) // pg_ctl hands -o to a shell
		out, err = c.command(ctx, c.pgctl, "start", "-D", c.data, "-l", c.logFile, "-w", "-t", "60", "-s", "-o", opts).CombinedOutput()
		if err == nil {
			c.started, c.port = true, port
			break
		}
		log := c.logTail()
		c.stopServer() // in case it came up after all
		if attempt < 5 && (strings.Contains(log, "could not bind") || strings.Contains(log, "already in use")) {
			continue
		}
		return fmt.Errorf("pg_ctl start in %s on port %d: %v\n%s\nserver log:\n%s", c.dir, port, err, out, log)
	}
	c.admin = &url.URL{Scheme: "postgres", User: url.User("postgres"),
		Host: net.JoinHostPort("127.0.0.1", strconv.Itoa(c.port)), Path: "/postgres", RawQuery: "sslmode=disable"}
	// pg_ctl -w waited for "ready"; make sure we can really get in over TCP.
	for {
		out, err := runPsql(c.psql, c.admin, "SELECT 1")
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return fmt.Errorf("server in %s on port %d started but psql cannot connect: %v\n%s", c.dir, c.port, err, out)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("finding a free port: %v", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func (c *cluster) stopServer() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_ = c.command(ctx, c.pgctl, "stop", "-D", c.data, "-m", "immediate", "-w", "-t", "30", "-s").Run()
}

// destroy stops the server, removes the directory, and lets the watchdog go.
func (c *cluster) destroy() {
	if c.started {
		c.stopServer()
		c.started = false
	}
	_ = os.RemoveAll(c.dir)
	if c.guard != nil {
		c.guard.Close()
		c.guard = nil
	}
}

func (c *cluster) logTail() string {
	f, err := os.Open(c.logFile)
	if err != nil {
		return "(no log: " + err.Error() + ")"
	}
	defer f.Close()
	const n = 4 << 10
	if fi, err := f.Stat(); err == nil && fi.Size() > n {
		_, _ = f.Seek(-n, io.SeekEnd)
	}
	b, _ := io.ReadAll(f)
	return string(b)
}

// watchdogScript waits for EOF on stdin, which comes when the test binary exits however it
// exits, since only the binary holds the pipe's write end. If the directory is still
// there, the binary did not clean up: stop the server ("$@" is the pg_ctl stop command
// line) and remove it. It ignores the terminal's signals, which reach the whole process
// group on ^C, so that it outlives the binary.
const watchdogScript = `trap '' HUP INT QUIT TERM PIPE
dir=$1; shift
while read -r _; do :; done
[ -d "$dir" ] || exit 0
"$@" >/dev/null 2>&1
rm -rf "$dir"`

// startWatchdog starts the fallback cleanup; without a shell there is none.
func (c *cluster) startWatchdog() {
	sh, err := exec.LookPath("sh")
	if err != nil {
		return
	}
	r, w, err := os.Pipe() // close-on-exec: no other child inherits w
	if err != nil {
		return
	}
	defer r.Close()
	stop := c.run.argv(c.pgctl, "stop", "-D", c.data, "-m", "immediate", "-w", "-t", "30")
	cmd := exec.Command(sh, append([]string{"-c", watchdogScript, "pgtest-watchdog", c.dir}, stop...)...)
	cmd.Stdin = r // stdout and stderr: /dev/null, so that go test does not wait on it
	cmd.Dir = "/"
	if err := cmd.Start(); err != nil {
		w.Close()
		return
	}
	c.guard = w
}
