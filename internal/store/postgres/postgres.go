// Package postgres is the PostgreSQL adapter of the store, for production and for several
// gateway nodes on one database. Row locks (FOR UPDATE) serialize changes to a payment, SKIP
// LOCKED lets nodes claim notifications without waiting on each other, and migrations take an
// advisory lock so that nodes can start at once.
package postgres

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"strconv"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/cashierpay/cashier/internal/store"
	"github.com/cashierpay/cashier/internal/store/sqlstore"
)

//go:embed migrations/*.sql
var migrations embed.FS

// migrationLock is the advisory lock key that serializes migrations across nodes.
const migrationLock = 0x636173686965 // "cashie"

var dialect = &sqlstore.Dialect{
	Numbered: true, ForUpdate: " FOR UPDATE", ForShare: " FOR SHARE", SkipLocked: " FOR UPDATE SKIP LOCKED", ConstraintErr: constraintErr,
	Tx: runTx,
}

// Open connects to the database at url (postgres://... or key=value pairs) and migrates
// it. The pool holds at most url's pool_max_conns connections (pgxpool's parameter),
// default 32. Fewer backends contend less on a small database server (8 on a 2-core
// machine cost PostgreSQL about a tenth less CPU per pay, but the gateway, whose requests
// queued for them, more: docs/performance.md); the pool must also cover the requests in
// flight that read outside their transaction.
func Open(ctx context.Context, url string) (*sqlstore.DB, error) { return open(ctx, url, nil) }

// open is Open with tracer, when not nil, told of every statement sent (tests count round
// trips with it).
func open(ctx context.Context, url string, tracer pgx.QueryTracer) (*sqlstore.DB, error) {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return nil, err
	}
	cfg.Tracer = tracer
	conns := 32
	if v, ok := cfg.RuntimeParams["pool_max_conns"]; ok {
		delete(cfg.RuntimeParams, "pool_max_conns") // not a server setting
		if conns, err = strconv.Atoi(v); err != nil || conns < 1 {
			return nil, fmt.Errorf("postgres: pool_max_conns %q: want a number of connections, 1 or more", v)
		}
	}
	db := stdlib.OpenDB(*cfg)
	db.SetMaxOpenConns(conns)
	db.SetMaxIdleConns(conns)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("postgres: %w", err)
	}
	sub, _ := fs.Sub(migrations, "migrations")
	begin := func(ctx context.Context) (*sql.Tx, error) {
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return nil, err
		}
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, migrationLock); err != nil {
			tx.Rollback()
			return nil, err
		}
		return tx, nil
	}
	if err := store.Migrate(ctx, sub, begin); err != nil {
		db.Close()
		return nil, fmt.Errorf("postgres: %w", err)
	}
	return sqlstore.New(db, db, dialect), nil
}

// constraintErr turns a unique violation (SQLSTATE 23505) into store.ErrConflict.
func constraintErr(err error) error {
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "23505" {
		return fmt.Errorf("%w: %s", store.ErrConflict, pe.ConstraintName)
	}
	return err
}
