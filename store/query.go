package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/policyradar/policyradar/alert"
)

// StoredItem is an item as kept in the store, with the topics it matched.
type StoredItem struct {
	alert.Item
	Source    string // feed title as last seen
	Topics    []string
	FirstSeen time.Time
}

const storedColumns = `i.feed_url, i.key, i.guid, i.link, i.title, i.summary, i.content, i.author,
	i.categories, i.published, i.dated, i.first_seen, COALESCE(f.title, ''),
	(SELECT json_group_array(t.topic) FROM item_topics t WHERE t.item_id = i.id)`

// Latest returns the n newest alerted items (by Published): items that
// matched a topic (the given one when topic != "") and queued at least one
// alert. Items only recorded as seen (a first poll with a small backfill,
// items older than max_item_age) are left out.
func (s *Store) Latest(ctx context.Context, topic string, n int) ([]StoredItem, error) {
	if n <= 0 {
		return nil, nil
	}
	var (
		rows *sql.Rows
		err  error
	)
	if topic == "" {
		rows, err = s.db.QueryContext(ctx, `SELECT `+storedColumns+`
			FROM items i LEFT JOIN feeds f ON f.url = i.feed_url
			WHERE EXISTS (SELECT 1 FROM item_topics t WHERE t.item_id = i.id)
			AND EXISTS (SELECT 1 FROM alerts a WHERE a.item_id = i.id)
			ORDER BY i.published DESC, i.id DESC
			LIMIT ?`, n)
	} else {
		rows, err = s.db.QueryContext(ctx, `SELECT `+storedColumns+`
			FROM item_topics it
			JOIN items i ON i.id = it.item_id
			LEFT JOIN feeds f ON f.url = i.feed_url
			WHERE it.topic = ?
			AND EXISTS (SELECT 1 FROM alerts a WHERE a.item_id = i.id)
			ORDER BY it.published DESC, it.item_id DESC
			LIMIT ?`, topic, n)
	}
	if err != nil {
		return nil, fmt.Errorf("latest items %q: %w", topic, err)
	}
	items, err := collect(rows, scanStored)
	if err != nil {
		return nil, fmt.Errorf("latest items %q: %w", topic, err)
	}
	return items, nil
}

// Search returns the n newest items whose title or summary match all the
// words (FTS5). User input never reaches FTS syntax: every word is quoted.
func (s *Store) Search(ctx context.Context, words string, n int) ([]StoredItem, error) {
	q := ftsQuery(words)
	if q == "" || n <= 0 {
		return nil, nil
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+storedColumns+`
		FROM items i LEFT JOIN feeds f ON f.url = i.feed_url
		WHERE i.id IN (SELECT rowid FROM items_fts WHERE items_fts MATCH ?)
		ORDER BY i.published DESC, i.id DESC
		LIMIT ?`, q, n)
	if err != nil {
		return nil, fmt.Errorf("search %q: %w", words, err)
	}
	items, err := collect(rows, scanStored)
	if err != nil {
		return nil, fmt.Errorf("search %q: %w", words, err)
	}
	return items, nil
}

// ftsQuery turns user words into an FTS5 query that means "all these words":
// each word becomes a quoted string (inner quotes doubled), so operators,
// column filters, prefixes and parentheses are only text. Words with no
// letter or digit would be empty phrases after tokenising and are dropped.
// Control characters (NUL ends an FTS5 string early) and invalid UTF-8
// separate words.
func ftsQuery(words string) string {
	words = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == utf8.RuneError {
			return ' '
		}
		return r
	}, strings.ToValidUTF8(words, " "))
	var parts []string
	for _, w := range strings.Fields(words) {
		if !strings.ContainsFunc(w, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsNumber(r) }) {
			continue
		}
		parts = append(parts, `"`+strings.ReplaceAll(w, `"`, `""`)+`"`)
	}
	return strings.Join(parts, " ")
}

// TopicCounts returns, per topic id, how many items matched it since the given time.
// Items count by their published time.
func (s *Store) TopicCounts(ctx context.Context, since time.Time) (map[string]int, error) {
	rows, err := s.db.QueryContext(ctx,
		`SELECT topic, COUNT(*) FROM item_topics WHERE published >= ? GROUP BY topic`, toNS(since))
	if err != nil {
		return nil, fmt.Errorf("topic counts: %w", err)
	}
	defer rows.Close()
	counts := map[string]int{}
	for rows.Next() {
		var (
			topic string
			n     int
		)
		if err := rows.Scan(&topic, &n); err != nil {
			return nil, fmt.Errorf("topic counts: %w", err)
		}
		counts[topic] = n
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("topic counts: %w", err)
	}
	return counts, nil
}

func scanStored(row scanner) (StoredItem, error) {
	var (
		it                   StoredItem
		categories, topics   string
		published, firstSeen int64
	)
	err := row.Scan(&it.FeedURL, &it.Key, &it.GUID, &it.Link, &it.Title, &it.Summary,
		&it.Content, &it.Author, &categories, &published, &it.Dated, &firstSeen,
		&it.Source, &topics)
	if err != nil {
		return StoredItem{}, err
	}
	it.Categories = parseList(categories)
	it.Published = fromNS(published)
	it.FirstSeen = fromNS(firstSeen)
	it.Topics = parseList(topics)
	return it, nil
}
