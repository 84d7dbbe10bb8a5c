// Package sqlite is the embedded SQLite adapter of the store, the sandbox's default. It
// follows SQLite's single-writer nature instead of fighting it: one writer connection whose
// transactions start with BEGIN IMMEDIATE, a pool of readers, WAL and a busy timeout so that
// a second process (the CLI beside a running server) waits instead of failing.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"runtime"
	"strings"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/cashierpay/cashier/internal/store"
	"github.com/cashierpay/cashier/internal/store/sqlstore"
)

//go:embed migrations/*.sql
var migrations embed.FS

// dialect: ? placeholders; no row locks, since BEGIN IMMEDIATE already makes a write
// transaction the only writer; and group commit, since writes take turns anyway.
// Checkpoints are passive and off the writer (sqlstore's group.checkpoints).
var dialect = &sqlstore.Dialect{ConstraintErr: constraintErr, GroupCommit: true, Checkpoint: "PRAGMA wal_checkpoint(PASSIVE)"}

// Open opens (creating if needed) the database file at path and migrates it.
//
// temp_store(MEMORY) keeps the statement journals of group commit's savepoints in memory:
// in a file, each page a member's savepoint touched was first written there with a pwrite,
// a tenth of the gateway's processor time under load. They only serve to roll a savepoint
// back while the transaction is open, so nothing durable is lost with them.
//
// The store checkpoints in the background after commits (Dialect.Checkpoint). The writer
// keeps SQLite's automatic checkpoint at 1,000 pages of log: by then the background has
// copied all but the last few milliseconds' pages, so it is short, and it is what lets the
// log start over from its beginning, which needs a checkpoint that finished while no write
// was under way.
func Open(ctx context.Context, path string) (*sqlstore.DB, error) {
	pragmas := url.Values{}
	for _, p := range []string{"busy_timeout(15000)", "journal_mode(WAL)", "foreign_keys(1)", "synchronous(NORMAL)", "temp_store(MEMORY)"} {
		pragmas.Add("_pragma", p)
	}
	if err := enableWAL(ctx, path); err != nil {
		return nil, err
	}
	writerDSN := "file:" + path + "?" + pragmas.Encode() + "&_txlock=immediate"
	readerDSN := "file:" + path + "?" + pragmas.Encode()
	writer, err := sql.Open("sqlite", writerDSN)
	if err != nil {
		return nil, err
	}
	writer.SetMaxOpenConns(1)
	writer.SetConnMaxIdleTime(0)
	reader, err := sql.Open("sqlite", readerDSN)
	if err != nil {
		writer.Close()
		return nil, err
	}
	readers := max(4, runtime.NumCPU())
	reader.SetMaxOpenConns(readers)
	// Kept open, not closed past database/sql's default of 2 idle: each connection keeps the
	// statements prepared on it.
	reader.SetMaxIdleConns(readers)
	db := sqlstore.New(reader, writer, dialect)
	sub, _ := fs.Sub(migrations, "migrations")
	begin := func(ctx context.Context) (*sql.Tx, error) { return writer.BeginTx(ctx, nil) }
	if err := store.Migrate(ctx, sub, begin); err != nil {
		db.Close()
		return nil, fmt.Errorf("sqlite: %w", dialect.MapErr(err))
	}
	return db, nil
}

// enableWAL switches a new database file to WAL once, before the pools open. SQLite answers
// SQLITE_BUSY at once, without waiting out busy_timeout, when two connections change the
// journal mode together, which happens when the server and the CLI start on a new data dir.
func enableWAL(ctx context.Context, path string) error {
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(15000)")
	if err != nil {
		return err
	}
	defer db.Close()
	deadline := time.Now().Add(15 * time.Second)
	for {
		_, err := db.ExecContext(ctx, "PRAGMA journal_mode=WAL")
		var se *sqlite.Error
		if err == nil || !errors.As(err, &se) || se.Code()&0xff != sqlite3.SQLITE_BUSY || time.Now().After(deadline) {
			if err != nil {
				return fmt.Errorf("sqlite: enable WAL: %w", err)
			}
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// constraintErr turns a unique violation into store.ErrConflict.
func constraintErr(err error) error {
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			return fmt.Errorf("%w: %s", store.ErrConflict, strings.TrimPrefix(se.Error(), "constraint failed: "))
		}
	}
	return err
}
