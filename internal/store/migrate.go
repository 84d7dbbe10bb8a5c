package store

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
)

// Migrate applies the numbered SQL files of fsys ("0001_init.sql", ...) that db has not
// seen yet, each in its own transaction together with its row in schema_migrations.
// begin opens that transaction the way the engine needs so that two processes starting at
// once apply each file exactly once (SQLite: BEGIN IMMEDIATE; PostgreSQL: an advisory lock).
func Migrate(ctx context.Context, fsys fs.FS, begin func(context.Context) (*sql.Tx, error)) error {
	names, err := fs.Glob(fsys, "*.sql")
	if err != nil {
		return err
	}
	sort.Strings(names)
	for _, name := range names {
		num, _, ok := strings.Cut(path.Base(name), "_")
		version, err := strconv.Atoi(num)
		if !ok || err != nil {
			return fmt.Errorf("migration %s: name must start with a number and an underscore", name)
		}
		body, err := fs.ReadFile(fsys, name)
		if err != nil {
			return err
		}
		if err := applyMigration(ctx, begin, version, name, string(body)); err != nil {
			return fmt.Errorf("migration %s: %w", name, err)
		}
	}
	return nil
}

func applyMigration(ctx context.Context, begin func(context.Context) (*sql.Tx, error), version int, name, body string) error {
	tx, err := begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	// Created inside the serialized transaction, so that concurrent first starts do not race.
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY,
		name TEXT NOT NULL
	)`); err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_migrations WHERE version = `+strconv.Itoa(version)).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	if _, err := tx.ExecContext(ctx, body); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name) VALUES (`+strconv.Itoa(version)+`, '`+strings.ReplaceAll(name, "'", "''")+`')`); err != nil {
		return err
	}
	return tx.Commit()
}
