-- A merchant holds several public keys during a rotation, each under the keyVersion its
-- requests name; retired_at (0: none) is when a key stops verifying, possibly ahead. The
-- key every merchant had becomes its version 1.
CREATE TABLE merchant_keys (
	merchant_id TEXT NOT NULL REFERENCES merchants(id),
	version     INTEGER NOT NULL,
	public_key  TEXT NOT NULL,
	created_at  BIGINT NOT NULL,
	retired_at  BIGINT NOT NULL DEFAULT 0,
	PRIMARY KEY (merchant_id, version)
);

INSERT INTO merchant_keys (merchant_id, version, public_key, created_at)
	SELECT id, 1, public_key, created_at FROM merchants;

ALTER TABLE merchants DROP COLUMN public_key;
