package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/cashierpay/cashier/internal/store/sqlstore"
)

// runTx is Dialect.Tx: a transaction through pgx's own interface on one connection of db,
// which sends statements together (one round trip, one Sync) where database/sql sends
// each alone. BEGIN goes with the first statement, a write whose result is only its error
// (sqlstore.ExecLater) with the next statement, and the writes still unsent with COMMIT.
// A sandbox pay's transaction is then three round trips, BEGIN to COMMIT, instead of seven.
// Nothing is weakened: the server runs the same statements in the same order in one
// transaction, and COMMIT is still one synchronous, durable commit.
func runTx(ctx context.Context, db *sql.DB, fn func(sqlstore.TxConn) error) error {
	c, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	var fnErr error
	err = c.Raw(func(dc any) error {
		t := &tx{conn: dc.(*stdlib.Conn).Conn()}
		// When fn panics, Raw discards the connection, which rolls back on the server.
		if fnErr = fn(t); fnErr != nil {
			return t.abandon(ctx)
		}
		return t.commit(ctx)
	})
	if err == nil {
		return fnErr
	}
	return constraintErr(err)
}

// tx is one transaction: the statements not yet sent and what has failed.
type tx struct {
	conn  *pgx.Conn
	begun bool     // BEGIN has been sent
	later []queued // writes not yet sent (ExecLater)
	// failed is the first error of a write sent later: the transaction's error, whatever
	// fn makes of the statement that carried it.
	failed error
}

type queued struct {
	query string
	args  []any
	then  func(rowsAffected int64) // nil, or told the rows the write affected once it ran
}

var _ sqlstore.ExecLater = (*tx)(nil)

// ExecLater implements sqlstore.ExecLater.
func (t *tx) ExecLater(_ context.Context, then func(int64), query string, args ...any) {
	own := make([]any, len(args))
	for i, a := range args {
		if b, ok := a.([]byte); ok {
			a = append([]byte(nil), b...) // the caller may reuse it before it is sent
		}
		own[i] = a
	}
	t.later = append(t.later, queued{query, own, then})
}

// earlierError is what a statement answers when a write sent with it failed first. It
// does not unwrap to that write's error: the caller must not take, say, a payment insert's
// conflict for one of its own statement. The transaction returns the write's error itself.
type earlierError struct{ err error }

func (e earlierError) Error() string {
	return fmt.Sprintf("postgres: a write sent with this statement failed: %v", e.err)
}

// send sends BEGIN if not yet sent, the writes waiting, and then query (when not empty),
// as one batch. It reads the results before query's and returns the batch positioned at
// query's, or an error (earlierError when a waiting write failed), having closed it.
func (t *tx) send(ctx context.Context, query string, args []any) (pgx.BatchResults, error) {
	if t.failed != nil {
		return nil, earlierError{t.failed}
	}
	b := &pgx.Batch{}
	if !t.begun {
		b.Queue("BEGIN")
	}
	for _, w := range t.later {
		b.Queue(w.query, w.args...)
	}
	if query != "" {
		b.Queue(query, args...)
	}
	br := t.conn.SendBatch(ctx, b)
	if !t.begun {
		if _, err := br.Exec(); err != nil {
			br.Close()
			return nil, err
		}
		t.begun = true
	}
	later := t.later
	t.later = nil
	for _, w := range later {
		tag, err := br.Exec()
		if err != nil {
			br.Close()
			t.failed = fmt.Errorf("%w (%.40s…)", err, w.query)
			return nil, earlierError{t.failed}
		}
		if w.then != nil {
			w.then(tag.RowsAffected())
		}
	}
	return br, nil
}

// direct reports whether a statement can go alone, the common case past the first one.
func (t *tx) direct() bool { return t.begun && len(t.later) == 0 && t.failed == nil }

func (t *tx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if t.direct() {
		tag, err := t.conn.Exec(ctx, query, args...)
		return result(tag), err
	}
	br, err := t.send(ctx, query, args)
	if err != nil {
		return nil, err
	}
	tag, err := br.Exec()
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	return result(tag), err
}

func (t *tx) QueryContext(ctx context.Context, query string, args ...any) (sqlstore.Rows, error) {
	if t.direct() {
		r, err := t.conn.Query(ctx, query, args...)
		if err != nil {
			return nil, err
		}
		return &rows{Rows: r}, nil
	}
	br, err := t.send(ctx, query, args)
	if err != nil {
		return nil, err
	}
	r, err := br.Query()
	if err != nil {
		br.Close()
		return nil, err
	}
	return &rows{Rows: r, batch: br}, nil
}

func (t *tx) QueryRowContext(ctx context.Context, query string, args ...any) sqlstore.Row {
	r, err := t.QueryContext(ctx, query, args...)
	if err != nil {
		return errRow{err}
	}
	return row{r.(*rows)}
}

// commit sends the writes still waiting with COMMIT. A transaction that sent nothing
// has nothing to commit.
func (t *tx) commit(ctx context.Context) error {
	if !t.begun && len(t.later) == 0 {
		return nil
	}
	br, err := t.send(ctx, "COMMIT", nil)
	if err != nil {
		t.rollback(ctx)
		if t.failed != nil {
			return t.failed
		}
		return err
	}
	tag, err := br.Exec()
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	if err == nil && tag.String() != "COMMIT" {
		// A statement of the transaction failed and fn went on regardless: PostgreSQL
		// answers COMMIT with a rollback.
		err = pgx.ErrTxCommitRollback
	}
	return err
}

// abandon rolls back after fn failed, and returns the error of a write sent later, which
// is the transaction's. A write still waiting is sent first: had it run when fn asked,
// fn would have heard of its failure, and that is the error to return rather than what
// fn did for want of it.
func (t *tx) abandon(ctx context.Context) error {
	if t.failed == nil && len(t.later) > 0 {
		if br, err := t.send(context.WithoutCancel(ctx), "", nil); err == nil {
			br.Close()
		}
	}
	t.rollback(ctx)
	return t.failed
}

// rollback ends a transaction that failed; when even that fails, the connection is in an
// unknown state and is closed, so that database/sql does not hand it out again.
func (t *tx) rollback(ctx context.Context) {
	if !t.begun {
		return
	}
	if _, err := t.conn.Exec(context.WithoutCancel(ctx), "ROLLBACK"); err != nil {
		t.conn.Close(context.WithoutCancel(ctx))
	}
}

// rows adapts pgx's rows to sqlstore.Rows, closing the batch they came in once read.
type rows struct {
	pgx.Rows
	batch pgx.BatchResults // nil for a statement sent alone
}

func (r *rows) Close() error {
	r.Rows.Close()
	err := r.Rows.Err()
	if r.batch != nil {
		if cerr := r.batch.Close(); err == nil {
			err = cerr
		}
		r.batch = nil
	}
	return err
}

// row is the first row of rows, as *sql.Row gives it.
type row struct{ r *rows }

func (w row) Scan(dest ...any) error {
	defer w.r.Close()
	if !w.r.Next() {
		if err := w.r.Close(); err != nil {
			return err
		}
		return sql.ErrNoRows
	}
	if err := w.r.Scan(dest...); err != nil {
		return err
	}
	return w.r.Close()
}

type errRow struct{ err error }

func (e errRow) Scan(...any) error { return e.err }

// result is a command tag as a sql.Result.
type result pgconn.CommandTag

func (r result) RowsAffected() (int64, error) { return pgconn.CommandTag(r).RowsAffected(), nil }

func (result) LastInsertId() (int64, error) {
	return 0, errors.New("postgres: no LastInsertId, use RETURNING")
}
