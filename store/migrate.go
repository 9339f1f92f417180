package store

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"log/slog"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// migration is one embedded schema step, numbered by its file name prefix.
type migration struct {
	version int
	name    string
	sql     string
}

// migrations lists the embedded migrations in order.
func migrations() ([]migration, error) {
	entries, err := fs.ReadDir(migrationFiles, "migrations")
	if err != nil {
		return nil, fmt.Errorf("read migrations: %w", err)
	}
	var ms []migration
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".sql") {
			continue
		}
		num, _, _ := strings.Cut(name, "_")
		v, err := strconv.Atoi(num)
		if err != nil || v <= 0 {
			return nil, fmt.Errorf("migration %s: name must start with a positive number", name)
		}
		body, err := fs.ReadFile(migrationFiles, path.Join("migrations", name))
		if err != nil {
			return nil, fmt.Errorf("read migration %s: %w", name, err)
		}
		ms = append(ms, migration{version: v, name: name, sql: string(body)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	for i := 1; i < len(ms); i++ {
		if ms[i].version == ms[i-1].version {
			return nil, fmt.Errorf("migrations %s and %s share version %d", ms[i-1].name, ms[i].name, ms[i].version)
		}
	}
	return ms, nil
}

// migrate applies every pending migration, each in its own transaction
// together with its schema_migrations row, so a crash leaves either the old
// or the new schema, never half of one.
func (s *Store) migrate(ctx context.Context) error {
	ms, err := migrations()
	if err != nil {
		return err
	}
	latest := 0
	if len(ms) > 0 {
		latest = ms[len(ms)-1].version
	}

	var current int
	err = s.write(ctx, func(tx *sql.Tx) error {
		var err error
		current, err = schemaVersion(ctx, tx)
		return err
	})
	if err != nil {
		return err
	}
	if current > latest {
		return fmt.Errorf("%s has schema version %d but this build of policyradar knows only up to %d: %w; upgrade policyradar or use another storage.path",
			s.path, current, latest, ErrNewerSchema)
	}

	for _, m := range ms {
		err := s.write(ctx, func(tx *sql.Tx) error {
			// Re-read inside the write lock: another process may have migrated meanwhile.
			var done int
			if err := tx.QueryRowContext(ctx,
				`SELECT COUNT(*) FROM schema_migrations WHERE version = ?`, m.version).Scan(&done); err != nil {
				return err
			}
			if done > 0 {
				return nil
			}
			if _, err := tx.ExecContext(ctx, m.sql); err != nil {
				return fmt.Errorf("migration %s: %w", m.name, err)
			}
			if _, err := tx.ExecContext(ctx,
				`INSERT INTO schema_migrations (version, name, applied) VALUES (?, ?, ?)`,
				m.version, m.name, time.Now().UnixNano()); err != nil {
				return fmt.Errorf("record migration %s: %w", m.name, err)
			}
			s.logger.Info("applied store migration", slog.String("migration", m.name), slog.String("path", s.path))
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// schemaVersion creates schema_migrations in a fresh database and returns the
// highest version applied. A database holding other tables but no
// schema_migrations belongs to something else.
func schemaVersion(ctx context.Context, tx *sql.Tx) (int, error) {
	var hasTable int
	if err := tx.QueryRowContext(ctx,
		`SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'`).Scan(&hasTable); err != nil {
		return 0, err
	}
	if hasTable == 0 {
		var others int
		if err := tx.QueryRowContext(ctx,
			`SELECT COUNT(*) FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'`).Scan(&others); err != nil {
			return 0, err
		}
		if others > 0 {
			return 0, errForeignDB
		}
		if _, err := tx.ExecContext(ctx, `CREATE TABLE schema_migrations (
			version INTEGER PRIMARY KEY,
			name    TEXT NOT NULL,
			applied INTEGER NOT NULL
		) STRICT`); err != nil {
			return 0, fmt.Errorf("create schema_migrations: %w", err)
		}
	}
	var v sql.NullInt64
	if err := tx.QueryRowContext(ctx, `SELECT MAX(version) FROM schema_migrations`).Scan(&v); err != nil {
		return 0, err
	}
	return int(v.Int64), nil
}
