-- Policy Radar schema, version 2: WebSub subscriptions.
-- Times are UTC unix nanoseconds; 0 means "never".

-- One row per subscription at a hub, keyed by the opaque id in its callback
-- URL. secret is the HMAC key the hub signs content with; it never leaves
-- this table except in the subscription request to the hub.
CREATE TABLE websub_subscriptions (
	callback_id   TEXT PRIMARY KEY,
	feed_url      TEXT NOT NULL,
	topic         TEXT NOT NULL,
	hub           TEXT NOT NULL,
	secret        TEXT NOT NULL,
	state         TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'active', 'unsubscribing')),
	lease_seconds INTEGER NOT NULL DEFAULT 0, -- as granted by the hub at the latest verification
	verified      INTEGER NOT NULL DEFAULT 0, -- latest verification of intent
	expires       INTEGER NOT NULL DEFAULT 0, -- end of the lease granted then
	next_action   INTEGER NOT NULL DEFAULT 0, -- when to (re)send the subscribe or unsubscribe request
	failures      INTEGER NOT NULL DEFAULT 0, -- consecutive requests that failed or went unverified
	last_error    TEXT NOT NULL DEFAULT '',
	created       INTEGER NOT NULL,
	updated       INTEGER NOT NULL
) STRICT;

CREATE INDEX websub_subscriptions_feed ON websub_subscriptions (feed_url);
