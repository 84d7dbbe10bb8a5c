-- The sandbox's error-scenario simulation: a merchant's rules that force the answer of its
-- next API calls (internal/sandbox, docs/test-cards.md). Owned by the sandbox: a production
-- gateway never reads it. times 0 is a rule until cleared; a rule with used = times is spent.
CREATE TABLE sandbox_simulations (
	id          TEXT PRIMARY KEY,
	merchant_id TEXT NOT NULL REFERENCES merchants(id),
	api         TEXT NOT NULL,
	result_code TEXT NOT NULL,
	request_id  TEXT NOT NULL DEFAULT '',
	currency    TEXT NOT NULL DEFAULT '',
	value       BIGINT NOT NULL DEFAULT 0,
	times       INTEGER NOT NULL,
	used        INTEGER NOT NULL DEFAULT 0,
	created_at  BIGINT NOT NULL
);
CREATE INDEX sandbox_simulations_merchant ON sandbox_simulations (merchant_id, api, created_at);
