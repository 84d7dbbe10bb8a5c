-- Settlement currency and reconciliation (docs/reconciliation.md).
-- The sandbox's exchange-rate table: each currency's rate against USD (units of the
-- currency for one USD), a decimal string read exactly. Owned by the sandbox: a production
-- gateway never reads it; a currency without a row takes the sandbox's default rate.
CREATE TABLE sandbox_fx_rates (
	currency   TEXT PRIMARY KEY,
	per_usd    TEXT NOT NULL,
	updated_at BIGINT NOT NULL
);
-- The reconciliation files read a merchant's transactions by the time they happened.
CREATE INDEX payments_paid ON payments (merchant_id, paid_at) WHERE paid_at > 0;
CREATE INDEX payments_cancelled ON payments (merchant_id, cancelled_at) WHERE cancelled_at > 0;
CREATE INDEX captures_completed ON captures (merchant_id, completed_at) WHERE completed_at > 0;
CREATE INDEX refunds_completed ON refunds (merchant_id, completed_at) WHERE completed_at > 0;
