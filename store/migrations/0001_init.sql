-- Policy Radar schema, version 1.
-- Times are UTC unix nanoseconds; 0 means "never".

CREATE TABLE meta (
	key   TEXT PRIMARY KEY,
	value TEXT NOT NULL
) STRICT;

CREATE TABLE feeds (
	url           TEXT PRIMARY KEY,
	title         TEXT NOT NULL DEFAULT '',
	etag          TEXT NOT NULL DEFAULT '',
	last_modified TEXT NOT NULL DEFAULT '',
	last_poll     INTEGER NOT NULL DEFAULT 0,
	last_success  INTEGER NOT NULL DEFAULT 0,
	last_error    TEXT NOT NULL DEFAULT '',
	failing_since INTEGER NOT NULL DEFAULT 0,
	failures      INTEGER NOT NULL DEFAULT 0,
	next_poll     INTEGER NOT NULL DEFAULT 0,
	gone          INTEGER NOT NULL DEFAULT 0
) STRICT;

CREATE TABLE items (
	id         INTEGER PRIMARY KEY,
	feed_url   TEXT NOT NULL,
	key        TEXT NOT NULL,
	guid       TEXT NOT NULL DEFAULT '',
	link       TEXT NOT NULL DEFAULT '',
	title      TEXT NOT NULL DEFAULT '',
	summary    TEXT NOT NULL DEFAULT '',
	content    TEXT NOT NULL DEFAULT '',
	author     TEXT NOT NULL DEFAULT '',
	categories TEXT NOT NULL DEFAULT '[]', -- JSON array of strings
	published  INTEGER NOT NULL,
	dated      INTEGER NOT NULL DEFAULT 0,
	first_seen INTEGER NOT NULL,
	keywords   TEXT NOT NULL DEFAULT '[]', -- JSON array of matched keywords
	UNIQUE (feed_url, key)
) STRICT;

-- Cross-feed duplicate check by normalised link.
CREATE INDEX items_link ON items (link) WHERE link <> '';
CREATE INDEX items_published ON items (published);

-- Topics an item matched. published is copied from items so that the
-- newest items of a topic and the per-topic counts come from the index alone.
CREATE TABLE item_topics (
	item_id   INTEGER NOT NULL REFERENCES items (id) ON DELETE CASCADE,
	topic     TEXT NOT NULL,
	published INTEGER NOT NULL,
	PRIMARY KEY (item_id, topic)
) STRICT, WITHOUT ROWID;

CREATE INDEX item_topics_topic ON item_topics (topic, published);

-- Full-text index over title and summary, kept in step with items by triggers
-- so that it changes in the same transaction as the items themselves.
CREATE VIRTUAL TABLE items_fts USING fts5 (
	title,
	summary,
	content = 'items',
	content_rowid = 'id',
	tokenize = 'unicode61 remove_diacritics 2'
);

CREATE TRIGGER items_fts_insert AFTER INSERT ON items BEGIN
	INSERT INTO items_fts (rowid, title, summary) VALUES (new.id, new.title, new.summary);
END;

CREATE TRIGGER items_fts_delete AFTER DELETE ON items BEGIN
	INSERT INTO items_fts (items_fts, rowid, title, summary) VALUES ('delete', old.id, old.title, old.summary);
END;

CREATE TRIGGER items_fts_update AFTER UPDATE OF title, summary ON items BEGIN
	INSERT INTO items_fts (items_fts, rowid, title, summary) VALUES ('delete', old.id, old.title, old.summary);
	INSERT INTO items_fts (rowid, title, summary) VALUES (new.id, new.title, new.summary);
END;

-- The durable alert queue: one row per item and channel.
CREATE TABLE alerts (
	id           INTEGER PRIMARY KEY,
	item_id      INTEGER NOT NULL REFERENCES items (id) ON DELETE CASCADE,
	channel      TEXT NOT NULL,
	topics       TEXT NOT NULL DEFAULT '[]', -- JSON array of topic ids
	keywords     TEXT NOT NULL DEFAULT '[]', -- JSON array of matched keywords
	mention      TEXT NOT NULL DEFAULT '',
	state        TEXT NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'sent', 'failed')),
	attempts     INTEGER NOT NULL DEFAULT 0,
	next_attempt INTEGER NOT NULL DEFAULT 0,
	last_error   TEXT NOT NULL DEFAULT '',
	message_id   TEXT NOT NULL DEFAULT '',
	created      INTEGER NOT NULL,
	sent_at      INTEGER NOT NULL DEFAULT 0,
	failed_at    INTEGER NOT NULL DEFAULT 0,
	UNIQUE (item_id, channel)
) STRICT;

CREATE INDEX alerts_due ON alerts (channel, state, next_attempt);
CREATE INDEX alerts_failed ON alerts (failed_at) WHERE state = 'failed';
