package store_test

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/policyradar/policyradar/store"
	_ "modernc.org/sqlite"
)

func TestOpenCreatesPrivateFileAndFolder(t *testing.T) {
	s, path := openStore(t)
	if err := s.Ping(context.Background()); err != nil {
		t.Fatalf("Ping: %v", err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := fi.Mode().Perm(); got != 0o600 {
		t.Errorf("file mode = %o, want 600", got)
	}
	di, err := os.Stat(filepath.Dir(path))
	if err != nil {
		t.Fatal(err)
	}
	if got := di.Mode().Perm(); got != 0o700 {
		t.Errorf("folder mode = %o, want 700", got)
	}
	// SQLite gives the WAL file the mode of the database file.
	if wi, err := os.Stat(path + "-wal"); err == nil {
		if got := wi.Mode().Perm(); got&0o077 != 0 {
			t.Errorf("WAL file mode = %o, want no group/other access", got)
		}
	}
}

func TestReopenIsIdempotent(t *testing.T) {
	ctx := context.Background()
	s, path := openStore(t)
	ingest(t, s, "https://a.example/feed", -1, matched(item("https://a.example/feed", "k1", "https://a.example/1", "one", 1), "misuse", "slack:C1"))
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	for i := range 3 {
		s2, err := store.Open(ctx, path, nil)
		if err != nil {
			t.Fatalf("reopen %d: %v", i, err)
		}
		if got := pending(t, s2, "slack:C1"); len(got) != 1 {
			t.Errorf("reopen %d: %d pending alerts, want 1", i, len(got))
		}
		if err := s2.Close(); err != nil {
			t.Fatalf("close %d: %v", i, err)
		}
	}
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRow(`SELECT COUNT(*) FROM schema_migrations`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir("migrations")
	if n != len(entries) {
		t.Errorf("schema_migrations has %d rows, want %d (one per migration file)", n, len(entries))
	}
}

func TestOpenRefusesUnusableFiles(t *testing.T) {
	cases := []struct {
		name    string
		prepare func(t *testing.T, path string)
		want    error
		wantMsg string
	}{
		{
			name: "text file",
			prepare: func(t *testing.T, path string) {
				writeFile(t, path, strings.Repeat("this is not a database\n", 400))
			},
			want:    store.ErrCorrupt,
			wantMsg: "move it aside",
		},
		{
			name: "damaged header",
			prepare: func(t *testing.T, path string) {
				writeFile(t, path, "SQLite format 3\x00"+strings.Repeat("\xff", 8192))
			},
			want:    store.ErrCorrupt,
			wantMsg: "move it aside",
		},
		{
			name: "database of another program",
			prepare: func(t *testing.T, path string) {
				execSQL(t, path, `CREATE TABLE photos (id INTEGER PRIMARY KEY)`)
			},
			want:    store.ErrCorrupt,
			wantMsg: "another program",
		},
		{
			name: "newer schema",
			prepare: func(t *testing.T, path string) {
				s, err := store.Open(context.Background(), path, nil)
				if err != nil {
					t.Fatal(err)
				}
				s.Close()
				execSQL(t, path, `INSERT INTO schema_migrations (version, name, applied) VALUES (9999, '9999_future.sql', 0)`)
			},
			want:    store.ErrNewerSchema,
			wantMsg: "upgrade policyradar",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "radar.db")
			tc.prepare(t, path)
			s, err := store.Open(context.Background(), path, nil)
			if err == nil {
				s.Close()
				t.Fatal("Open succeeded, want an error")
			}
			t.Logf("Open: %v", err)
			if !errors.Is(err, tc.want) {
				t.Errorf("error %q is not %v", err, tc.want)
			}
			for _, want := range []string{path, tc.wantMsg} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not mention %q", err, want)
				}
			}
		})
	}
}

func TestPingFailsWhenClosed(t *testing.T) {
	s, _ := openStore(t)
	s.Close()
	if err := s.Ping(context.Background()); err == nil {
		t.Fatal("Ping on a closed store succeeded")
	}
}

func TestPingFailsOnReadOnlyFile(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("running as root: file permissions do not stop writes")
	}
	s, path := openStore(t)
	s.Close()
	if err := os.Chmod(path, 0o400); err != nil {
		t.Fatal(err)
	}
	s2, err := store.Open(context.Background(), path, nil)
	if err != nil {
		return // refusing to open is also a clear answer
	}
	defer s2.Close()
	if err := s2.Ping(context.Background()); err == nil {
		t.Fatal("Ping on a read-only database succeeded")
	}
}

func writeFile(t *testing.T, path, body string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
}

func execSQL(t *testing.T, path, query string) {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(query); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
}
