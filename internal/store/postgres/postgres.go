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

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver

	"github.com/cashierpay/cashier/internal/store"
	"github.com/cashierpay/cashier/internal/store/sqlstore"
)

//go:embed migrations/*.sql
var migrations embed.FS

// migrationLock is the advisory lock key that serializes migrations across nodes.
const migrationLock = 0x636173686965 // "cashie"

// DB is a PostgreSQL store.
type DB struct {
	sqlstore.Queries
	db *sql.DB
}

var _ store.Store = (*DB)(nil)

var dialect = &sqlstore.Dialect{
	Numbered: true, ForUpdate: " FOR UPDATE", SkipLocked: " FOR UPDATE SKIP LOCKED", ConstraintErr: constraintErr,
}

// Open connects to the database at url (postgres://...) and migrates it.
func Open(ctx context.Context, url string) (*DB, error) {
	db, err := sql.Open("pgx", url)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(32)
	db.SetMaxIdleConns(32)
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
	return &DB{db: db, Queries: sqlstore.New(db, db, dialect)}, nil
}

// Tx implements store.Store.
func (db *DB) Tx(ctx context.Context, fn func(store.Queries) error) error {
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return dialect.MapErr(err)
	}
	defer tx.Rollback()
	if err := fn(sqlstore.New(tx, tx, dialect)); err != nil {
		return err
	}
	return dialect.MapErr(tx.Commit())
}

// Ping implements store.Store.
func (db *DB) Ping(ctx context.Context) error { return dialect.MapErr(db.db.PingContext(ctx)) }

// Close implements store.Store.
func (db *DB) Close() error { return db.db.Close() }

// constraintErr turns a unique violation (SQLSTATE 23505) into store.ErrConflict.
func constraintErr(err error) error {
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "23505" {
		return fmt.Errorf("%w: %s", store.ErrConflict, pe.ConstraintName)
	}
	return err
}
