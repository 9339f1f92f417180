// Package store keeps Policy Radar's state in one SQLite file (modernc.org/sqlite,
// no cgo): feed state, seen items with a full-text index, and the durable
// alert queue. Migrations are embedded and run in transactions.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// ErrCorrupt says the file is not a Policy Radar database or is damaged.
var ErrCorrupt = errors.New("not a Policy Radar database or is corrupt")

// ErrNewerSchema says the database was written by a newer version of Policy Radar.
var ErrNewerSchema = errors.New("database written by a newer version")

// ErrNotFound says no alert has the given id.
var ErrNotFound = errors.New("not found")

// errForeignDB says the file is an SQLite database of some other program.
var errForeignDB = errors.New("holds tables of another program")

// maxConns bounds the pool: SQLite in WAL mode has one writer and any number
// of readers, and writers queue on writeSem anyway, so a few connections let
// reads (slash commands, /healthz) go on while an ingest is being written.
const maxConns = 4

// busyTimeoutMS is how long a connection waits for another process's write lock.
const busyTimeoutMS = 5000

// Store is an open database. Safe for concurrent use.
type Store struct {
	db     *sql.DB
	path   string
	logger *slog.Logger
	// writeSem serialises this process's write transactions so that they
	// wait in Go, under their context, rather than in SQLite's busy handler.
	writeSem chan struct{}
}

// Open opens (creating with its folder, mode 0600) the database at path,
// sets WAL, busy timeout and foreign keys, and runs pending migrations.
// A file that is not a usable database gives an error naming the file and what to do.
func Open(ctx context.Context, path string, logger *slog.Logger) (*Store, error) {
	if logger == nil {
		logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if path == "" {
		return nil, errors.New("open store: empty path")
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	if err := createFile(abs); err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	db, err := sql.Open("sqlite", dsn(abs))
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	db.SetMaxOpenConns(maxConns)
	db.SetMaxIdleConns(maxConns)

	s := &Store{db: db, path: path, logger: logger, writeSem: make(chan struct{}, 1)}
	if err := s.migrate(ctx); err != nil {
		db.Close()
		return nil, s.openError(err)
	}
	return s, nil
}

// createFile makes the folder (0700) and an empty file (0600) if they are
// missing, so that SQLite never creates the file with the umask's mode.
func createFile(path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("create folder of %s: %w", path, err)
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("create %s: %w", path, err)
	}
	return f.Close()
}

// dsn builds a file: URI (so that any character in the path is escaped) with
// the connection settings every pooled connection gets.
func dsn(abs string) string {
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(abs)}
	q := url.Values{}
	q.Add("_pragma", "busy_timeout("+strconv.Itoa(busyTimeoutMS)+")")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "synchronous(NORMAL)")
	// A small page cache per connection: the working set is the queue and
	// recent items, and the OS page cache holds the rest. Keeps a small VM small.
	q.Add("_pragma", "cache_size(-512)")
	// Write transactions take the write lock at BEGIN, so two connections
	// can never both hold a read lock and then deadlock upgrading it.
	q.Set("_txlock", "immediate")
	return u.String() + "?" + q.Encode()
}

// openError turns low-level failures into a sentence that says what to do.
func (s *Store) openError(err error) error {
	if errors.Is(err, ErrNewerSchema) {
		return err // already names the file and what to do
	}
	if errors.Is(err, errForeignDB) {
		return fmt.Errorf("%s is %w: it %v; move it aside or set another storage.path", s.path, ErrCorrupt, errForeignDB)
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff {
		case sqlite3.SQLITE_NOTADB, sqlite3.SQLITE_CORRUPT:
			return fmt.Errorf("%s is %w: move it aside and restart; alerts queued in it are lost (%v)", s.path, ErrCorrupt, err)
		}
	}
	return fmt.Errorf("open store %s: %w", s.path, err)
}

// Close closes the database. Queued alerts stay queued for the next Open.
func (s *Store) Close() error {
	// Best effort: keeps the query planner's statistics fresh for the next run.
	_, _ = s.db.Exec("PRAGMA optimize")
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("close store %s: %w", s.path, err)
	}
	return nil
}

// Ping checks that the database can be read and written (used by /healthz).
func (s *Store) Ping(ctx context.Context) error {
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_migrations`).Scan(&n); err != nil {
		return fmt.Errorf("ping store: read: %w", err)
	}
	err := s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx,
			`INSERT INTO meta (key, value) VALUES ('ping', ?)
			 ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
			time.Now().UTC().Format(time.RFC3339Nano))
		return err
	})
	if err != nil {
		return fmt.Errorf("ping store: write: %w", err)
	}
	return nil
}

// write runs fn in one write transaction (BEGIN IMMEDIATE), committing if
// fn returns nil and rolling back otherwise.
func (s *Store) write(ctx context.Context, fn func(tx *sql.Tx) error) error {
	select {
	case s.writeSem <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-s.writeSem }()

	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return unwritable(s.path, fmt.Errorf("begin: %w", err))
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return unwritable(s.path, err)
	}
	if err := tx.Commit(); err != nil {
		return unwritable(s.path, fmt.Errorf("commit: %w", err))
	}
	return nil
}

// ErrUnwritable says the database file cannot be written: the disk is full,
// or the file or its folder is read-only or gone. Nothing is lost: the write
// is retried, and what it was recording is fetched or sent again.
var ErrUnwritable = errors.New("cannot write the database")

// unwritable marks SQLite's disk errors (full, I/O, read-only, cannot
// open) with ErrUnwritable, naming the file and what to check.
func unwritable(path string, err error) error {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return err
	}
	switch se.Code() & 0xff { // primary result code
	case sqlite3.SQLITE_FULL, sqlite3.SQLITE_IOERR, sqlite3.SQLITE_READONLY, sqlite3.SQLITE_CANTOPEN:
		return fmt.Errorf("%w %s (is the disk full, or the file or its folder read-only?): %w", ErrUnwritable, path, err)
	}
	return err
}

// toNS stores a time as UTC unix nanoseconds; the zero time is 0.
func toNS(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

// fromNS is the inverse of toNS.
func fromNS(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}
