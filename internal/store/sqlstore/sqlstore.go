// Package sqlstore implements the store once, over database/sql, for every SQL engine
// adapter: the statements (one file per entity), the transaction and the pools. What
// differs between engines is small and explicit in a Dialect: placeholders, row locks, and
// how constraint errors look. The adapters open the pools and migrate; nothing else.
package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cashierpay/cashier/internal/store"
)

// TxConn is what the statements run through: a pool, a database/sql transaction (inTx), or
// a transaction an adapter runs itself (Dialect.Tx).
type TxConn interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) Row
}

// Rows are a query's rows: *sql.Rows, or an adapter's own.
type Rows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
	Close() error
}

// Row is the first row of a query: *sql.Row, or an adapter's own. A query without rows
// scans an error that errors.Is sql.ErrNoRows.
type Row interface {
	Scan(dest ...any) error
}

// ExecLater is a TxConn that may send a write whose result is only its error together with
// the transaction's next statement, saving a round trip (Dialect.Tx on PostgreSQL). Until
// then the write has not run: when it fails, the statement it went with fails instead
// (with an error that says so and is not the write's own, so that no caller mistakes it
// for its own conflict), and the transaction returns the write's error. A failed statement
// aborts a PostgreSQL transaction anyway, so nothing a caller could do after the write's
// error is lost, only which call hears of it. then, when not nil, is given the number of
// rows the write affected once it has run, before the transaction returns.
type ExecLater interface {
	ExecLater(ctx context.Context, then func(rowsAffected int64), query string, args ...any)
}

// Dialect is what an engine adapter tells the shared queries.
type Dialect struct {
	// Numbered placeholders ($1, $2, ...) instead of ?.
	Numbered bool
	// ForUpdate locks a row read inside a transaction (" FOR UPDATE"); empty where a write
	// transaction already excludes other writers (SQLite).
	ForUpdate string
	// ForShare holds a row read by a subquery of a write against concurrent updates until
	// the transaction ends (" FOR SHARE"); empty on SQLite, whose writers take turns.
	ForShare string
	// SkipLocked claims rows no other transaction holds (" FOR UPDATE SKIP LOCKED").
	SkipLocked string
	// ConstraintErr turns an engine's unique-violation error into store.ErrConflict (wrapped)
	// and returns other errors unchanged.
	ConstraintErr func(error) error

	// GroupCommit runs concurrent transactions as one (group.go): for an engine whose
	// writes take turns on one connection anyway (SQLite).
	GroupCommit bool
	// Checkpoint, under GroupCommit, is the statement run on a reader connection after
	// commits to move the write-ahead log into the database file (group.checkpoints); empty
	// for none.
	Checkpoint string
	// Tx, when set, runs Store.Tx on a connection of db its own way (PostgreSQL: through the
	// driver's native interface, to send statements together); fn's error comes back
	// unchanged, the adapter's own ones mapped by MapErr.
	Tx func(ctx context.Context, db *sql.DB, fn func(TxConn) error) error

	rebound sync.Map // query with ? → query with $n
}

// DB is a store over two pools: reads outside a transaction go to reader, writes and
// transactions to writer. On PostgreSQL both are one pool; SQLite gives the writer one
// connection, its single-writer nature.
type DB struct {
	queries
	reader, writer *sql.DB
	w              *pool
	d              *Dialect
	g              *group // nil without Dialect.GroupCommit
}

var _ store.Store = (*DB)(nil)

// New returns the store over reader and writer, which may be the same pool.
func New(reader, writer *sql.DB, d *Dialect) *DB {
	r, w := &pool{db: reader}, &pool{db: writer}
	if reader == writer {
		r = w
	}
	db := &DB{queries: queries{r: r, w: w, d: d}, reader: reader, writer: writer, w: w, d: d}
	if d.GroupCommit {
		db.g = newGroup(db)
	}
	return db
}

// Tx implements store.Store.
func (db *DB) Tx(ctx context.Context, fn func(store.Tx) error) error {
	if db.g != nil {
		return db.g.tx(ctx, fn)
	}
	if db.d.Tx != nil {
		return db.d.Tx(ctx, db.writer, func(c TxConn) error { return fn(txQueries{queries{r: c, w: c, d: db.d}}) })
	}
	tx, err := db.writer.BeginTx(ctx, nil)
	if err != nil {
		return db.d.MapErr(err)
	}
	in := &inTx{tx: tx, p: db.w}
	defer in.prepareMissed(ctx) // after the rollback below has freed the connection
	defer tx.Rollback()
	if err := fn(txQueries{queries{r: in, w: in, d: db.d}}); err != nil {
		return err
	}
	return db.d.MapErr(tx.Commit())
}

// Ping implements store.Store: both pools must answer.
func (db *DB) Ping(ctx context.Context) error {
	return db.d.MapErr(errors.Join(db.reader.PingContext(ctx), db.writer.PingContext(ctx)))
}

// Close implements store.Store.
// Warm opens every connection the pools may hold, and leaves them open and idle in the
// pools, so that a burst of requests does not wait for connections to be made. On
// PostgreSQL a connection is a new backend process, which under load took hundreds of
// milliseconds to start and run its first statements: the whole tail of a pay's latency
// at half the maximum rate was the pool growing by fourteen connections in one second
// (docs/performance.md). A server warms its store once at start; a command does not.
func (db *DB) Warm(ctx context.Context) error {
	pools := []*sql.DB{db.writer}
	if db.reader != db.writer {
		pools = append(pools, db.reader)
	}
	for _, p := range pools {
		var held []*sql.Conn
		var err error
		for range p.Stats().MaxOpenConnections {
			var c *sql.Conn
			if c, err = p.Conn(ctx); err != nil {
				break
			}
			held = append(held, c)
		}
		for _, c := range held {
			c.Close()
		}
		if err != nil {
			return db.d.MapErr(err)
		}
	}
	return nil
}

func (db *DB) Close() error {
	if db.g != nil {
		db.g.close()
	}
	if db.reader == db.writer {
		return db.writer.Close()
	}
	return errors.Join(db.reader.Close(), db.writer.Close())
}

// pool runs each statement prepared once per connection: the *sql.Stmt of a query text is
// kept for the life of the store, and database/sql prepares it on each connection the
// first time it runs there and keeps it. modernc.org/sqlite would otherwise parse and plan
// the SQL on every call (a tenth of a pay's CPU); pgx caches statements per connection
// itself, so on PostgreSQL this only names what pgx would have cached. The query texts are
// the package's constants (a few dozen), so the map stays small.
type pool struct {
	db    *sql.DB
	stmts sync.Map // query → *sql.Stmt
}

func (p *pool) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	if s, ok := p.stmts.Load(query); ok {
		return s.(*sql.Stmt), nil
	}
	s, err := p.db.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	if prev, loaded := p.stmts.LoadOrStore(query, s); loaded {
		s.Close()
		return prev.(*sql.Stmt), nil
	}
	return s, nil
}

func (p *pool) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	s, err := p.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return s.ExecContext(ctx, args...)
}

func (p *pool) QueryContext(ctx context.Context, query string, args ...any) (Rows, error) {
	s, err := p.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return rowsOrNil(s.QueryContext(ctx, args...))
}

// rowsOrNil keeps a nil *sql.Rows from becoming a non-nil Rows.
func rowsOrNil(rows *sql.Rows, err error) (Rows, error) {
	if err != nil {
		return nil, err
	}
	return rows, nil
}

func (p *pool) QueryRowContext(ctx context.Context, query string, args ...any) Row {
	s, err := p.stmt(ctx, query)
	if err != nil {
		return p.db.QueryRowContext(ctx, query, args...) // a *sql.Row carrying the error
	}
	return s.QueryRowContext(ctx, args...)
}

// inTx runs statements in tx through p's prepared statements: database/sql reuses the one
// already prepared on the transaction's connection. A query p has not prepared yet runs
// unprepared once and is prepared after the transaction, since preparing takes a connection
// of the pool and SQLite's writer has only the one the transaction holds.
type inTx struct {
	tx *sql.Tx
	p  *pool
	// ctx, when set, replaces the context of every statement: under group commit the
	// transaction is shared, and one caller's cancelled context would interrupt the
	// connection under the others' statements.
	ctx    context.Context
	missed []string
}

func (t *inTx) context(ctx context.Context) context.Context {
	if t.ctx != nil {
		return t.ctx
	}
	return ctx
}

func (t *inTx) stmt(query string) *sql.Stmt {
	if s, ok := t.p.stmts.Load(query); ok {
		return t.tx.Stmt(s.(*sql.Stmt))
	}
	t.missed = append(t.missed, query)
	return nil
}

// prepareMissed prepares the queries the transaction ran unprepared, once it has ended.
func (t *inTx) prepareMissed(ctx context.Context) {
	for _, q := range t.missed {
		t.p.stmt(context.WithoutCancel(ctx), q) // an error here is the next call's to report
	}
}

func (t *inTx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	ctx = t.context(ctx)
	if s := t.stmt(query); s != nil {
		return s.ExecContext(ctx, args...)
	}
	return t.tx.ExecContext(ctx, query, args...)
}

func (t *inTx) QueryContext(ctx context.Context, query string, args ...any) (Rows, error) {
	ctx = t.context(ctx)
	if s := t.stmt(query); s != nil {
		return rowsOrNil(s.QueryContext(ctx, args...))
	}
	return rowsOrNil(t.tx.QueryContext(ctx, query, args...))
}

func (t *inTx) QueryRowContext(ctx context.Context, query string, args ...any) Row {
	ctx = t.context(ctx)
	if s := t.stmt(query); s != nil {
		return s.QueryRowContext(ctx, args...)
	}
	return t.tx.QueryRowContext(ctx, query, args...)
}

// queries implements store.Queries. It reads through r and writes through w; inside a
// transaction both are the transaction.
type queries struct {
	r, w TxConn
	d    *Dialect
}

// txQueries adds the statements that only make sense inside a transaction.
type txQueries struct{ queries }

var _ store.Tx = txQueries{}

// q rewrites a query written with ? placeholders for the dialect.
func (d *Dialect) q(query string) string {
	if !d.Numbered {
		return query
	}
	if v, ok := d.rebound.Load(query); ok {
		return v.(string)
	}
	var b strings.Builder
	n := 0
	for _, c := range query {
		if c == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(c)
	}
	d.rebound.Store(query, b.String())
	return b.String()
}

// MapErr turns engine errors into the store's sentinels.
func (d *Dialect) MapErr(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return store.ErrNotFound
	}
	return d.ConstraintErr(err)
}

func (q queries) queryRow(ctx context.Context, query string, args ...any) Row {
	return q.r.QueryRowContext(ctx, q.d.q(query), args...)
}

func (q queries) query(ctx context.Context, query string, args ...any) (Rows, error) {
	rows, err := q.r.QueryContext(ctx, q.d.q(query), args...)
	return rows, q.d.MapErr(err)
}

func micros(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMicro()
}

func fromMicros(v int64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return time.UnixMicro(v).UTC()
}

func (q queries) exec(ctx context.Context, query string, args ...any) error {
	if l, ok := q.w.(ExecLater); ok {
		l.ExecLater(ctx, nil, q.d.q(query), args...)
		return nil
	}
	_, err := q.w.ExecContext(ctx, q.d.q(query), args...)
	return q.d.MapErr(err)
}

// execOne runs a conditional write; no row written is ErrStale.
func (q queries) execOne(ctx context.Context, query string, args ...any) error {
	res, err := q.w.ExecContext(ctx, q.d.q(query), args...)
	if err != nil {
		return q.d.MapErr(err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return store.ErrStale
	}
	return nil
}

// atomic runs fn in one transaction: q's own inside Tx, else one of its own on the writer,
// for the writes that take more than one statement.
func (q queries) atomic(ctx context.Context, fn func(queries) error) error {
	p, ok := q.w.(*pool)
	if !ok {
		return fn(q)
	}
	tx, err := p.db.BeginTx(ctx, nil)
	if err != nil {
		return q.d.MapErr(err)
	}
	in := &inTx{tx: tx, p: p}
	defer in.prepareMissed(ctx) // after the rollback below has freed the connection
	defer tx.Rollback()
	if err := fn(queries{r: in, w: in, d: q.d}); err != nil {
		return err
	}
	return q.d.MapErr(tx.Commit())
}

type scanner interface{ Scan(dest ...any) error }

func collect[T any](rows Rows, scan func(scanner) (*T, error)) ([]*T, error) {
	defer rows.Close()
	var out []*T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, noRows(rows.Err())
}

// noRows maps the absence of a row; scans see no engine-specific errors.
func noRows(err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return store.ErrNotFound
	}
	return err
}
