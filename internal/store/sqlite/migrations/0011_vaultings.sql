-- Cards saved without a payment (vaultPaymentMethod, createVaultingSession), idempotent on
-- the merchant's vaultingRequestId. card_json is the masked card (payment.CardResult).
CREATE TABLE vaultings (
	id              TEXT PRIMARY KEY,
	merchant_id     TEXT NOT NULL REFERENCES merchants(id),
	request_id      TEXT NOT NULL,
	key_hash        TEXT NOT NULL,
	status          TEXT NOT NULL,
	stage           TEXT NOT NULL DEFAULT '',
	notify_url      TEXT NOT NULL DEFAULT '',
	redirect_url    TEXT NOT NULL DEFAULT '',
	region          TEXT NOT NULL DEFAULT '',
	session         BOOLEAN NOT NULL DEFAULT FALSE,
	force_3ds       BOOLEAN NOT NULL DEFAULT FALSE,
	card_id         TEXT NOT NULL DEFAULT '',
	card_json       TEXT NOT NULL DEFAULT '{}',
	result_code     TEXT NOT NULL DEFAULT '',
	result_message  TEXT NOT NULL DEFAULT '',
	created_at      INTEGER NOT NULL,
	updated_at      INTEGER NOT NULL,
	expires_at      INTEGER NOT NULL,
	version         INTEGER NOT NULL DEFAULT 1,
	UNIQUE (merchant_id, request_id)
);
