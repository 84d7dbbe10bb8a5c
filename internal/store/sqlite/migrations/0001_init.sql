-- Times are Unix microseconds; 0 means "not set". Money is integer minor units.
CREATE TABLE merchants (
	id          TEXT PRIMARY KEY,
	client_id   TEXT NOT NULL UNIQUE,
	name        TEXT NOT NULL,
	public_key  TEXT NOT NULL,
	notify_url  TEXT NOT NULL DEFAULT '',
	created_at  INTEGER NOT NULL
);

CREATE TABLE cards (
	id              TEXT PRIMARY KEY,
	merchant_id     TEXT NOT NULL REFERENCES merchants(id),
	buyer_id        TEXT NOT NULL DEFAULT '',
	token           TEXT,
	fingerprint     TEXT NOT NULL,
	key_id          TEXT NOT NULL,
	sealed          BLOB NOT NULL,
	brand           TEXT NOT NULL,
	bin             TEXT NOT NULL,
	last4           TEXT NOT NULL,
	expiry_month    TEXT NOT NULL,
	expiry_year     TEXT NOT NULL,
	holder_name     TEXT NOT NULL DEFAULT '',
	funding         TEXT NOT NULL DEFAULT '',
	issuing_country TEXT NOT NULL DEFAULT '',
	created_at      INTEGER NOT NULL
);
CREATE UNIQUE INDEX cards_token ON cards (merchant_id, token) WHERE token IS NOT NULL;

CREATE TABLE payments (
	id              TEXT PRIMARY KEY,
	merchant_id     TEXT NOT NULL REFERENCES merchants(id),
	request_id      TEXT NOT NULL,
	key_hash        TEXT NOT NULL,
	currency        TEXT NOT NULL,
	value           INTEGER NOT NULL,
	status          TEXT NOT NULL,
	stage           TEXT NOT NULL DEFAULT '',
	result_code     TEXT NOT NULL DEFAULT '',
	result_message  TEXT NOT NULL DEFAULT '',
	capture_mode    TEXT NOT NULL,
	capture_state   TEXT NOT NULL,
	captured_value  INTEGER NOT NULL DEFAULT 0,
	refunded_value  INTEGER NOT NULL DEFAULT 0,
	cancel_reason   TEXT NOT NULL DEFAULT '',
	card_id         TEXT NOT NULL DEFAULT '',
	card_json       TEXT NOT NULL DEFAULT '{}',
	issuer_ref      TEXT NOT NULL DEFAULT '',
	redirect_url    TEXT NOT NULL DEFAULT '',
	notify_url      TEXT NOT NULL DEFAULT '',
	order_json      TEXT NOT NULL DEFAULT '{}',
	created_at      INTEGER NOT NULL,
	updated_at      INTEGER NOT NULL,
	paid_at         INTEGER NOT NULL DEFAULT 0,
	cancelled_at    INTEGER NOT NULL DEFAULT 0,
	expires_at      INTEGER NOT NULL,
	next_action_at  INTEGER NOT NULL DEFAULT 0,
	version         INTEGER NOT NULL DEFAULT 1,
	UNIQUE (merchant_id, request_id)
);
CREATE INDEX payments_due ON payments (next_action_at) WHERE next_action_at > 0;

CREATE TABLE captures (
	id              TEXT PRIMARY KEY,
	payment_id      TEXT NOT NULL REFERENCES payments(id),
	merchant_id     TEXT NOT NULL,
	request_id      TEXT NOT NULL,
	currency        TEXT NOT NULL,
	value           INTEGER NOT NULL,
	status          TEXT NOT NULL,
	result_code     TEXT NOT NULL DEFAULT '',
	result_message  TEXT NOT NULL DEFAULT '',
	issuer_ref      TEXT NOT NULL DEFAULT '',
	created_at      INTEGER NOT NULL,
	completed_at    INTEGER NOT NULL DEFAULT 0,
	UNIQUE (merchant_id, request_id)
);
CREATE INDEX captures_payment ON captures (payment_id);

CREATE TABLE refunds (
	id                  TEXT PRIMARY KEY,
	payment_id          TEXT NOT NULL REFERENCES payments(id),
	merchant_id         TEXT NOT NULL,
	request_id          TEXT NOT NULL,
	reference_refund_id TEXT NOT NULL DEFAULT '',
	currency            TEXT NOT NULL,
	value               INTEGER NOT NULL,
	reason              TEXT NOT NULL DEFAULT '',
	notify_url          TEXT NOT NULL DEFAULT '',
	status              TEXT NOT NULL,
	result_code         TEXT NOT NULL DEFAULT '',
	result_message      TEXT NOT NULL DEFAULT '',
	issuer_ref          TEXT NOT NULL DEFAULT '',
	created_at          INTEGER NOT NULL,
	completed_at        INTEGER NOT NULL DEFAULT 0,
	UNIQUE (merchant_id, request_id)
);
CREATE INDEX refunds_payment ON refunds (payment_id);
CREATE INDEX refunds_processing ON refunds (created_at) WHERE status = 'PROCESSING';

CREATE TABLE notifications (
	id               TEXT PRIMARY KEY,
	merchant_id      TEXT NOT NULL,
	payment_id       TEXT NOT NULL,
	kind             TEXT NOT NULL,
	url              TEXT NOT NULL DEFAULT '',
	body             BLOB NOT NULL,
	status           TEXT NOT NULL,
	-- attempts counts every delivery attempt; round_start is its value when the current
	-- retry round began (0, or the count at a manual resend).
	attempts         INTEGER NOT NULL DEFAULT 0,
	round_start      INTEGER NOT NULL DEFAULT 0,
	next_attempt_at  INTEGER NOT NULL,
	-- lease_until is wall-clock time (not the sandbox test clock) until which a worker that
	-- claimed the row is delivering it; a crashed worker's lease simply runs out.
	lease_until      INTEGER NOT NULL DEFAULT 0,
	created_at       INTEGER NOT NULL,
	delivered_at     INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX notifications_due ON notifications (next_attempt_at) WHERE status = 'PENDING';
CREATE INDEX notifications_payment ON notifications (payment_id);

CREATE TABLE notification_attempts (
	notification_id  TEXT NOT NULL REFERENCES notifications(id),
	attempt          INTEGER NOT NULL,
	started_at       INTEGER NOT NULL,
	url              TEXT NOT NULL,
	http_status      INTEGER NOT NULL DEFAULT 0,
	latency_micros   INTEGER NOT NULL DEFAULT 0,
	response         TEXT NOT NULL DEFAULT '',
	error            TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (notification_id, attempt)
);

-- The sandbox test clock's lead over the wall clock, shared by every node on this database.
CREATE TABLE sandbox_clock (
	id             INTEGER PRIMARY KEY CHECK (id = 1),
	offset_micros  BIGINT NOT NULL
);
INSERT INTO sandbox_clock (id, offset_micros) VALUES (1, 0);
