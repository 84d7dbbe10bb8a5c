-- Disputes (chargebacks) of captured payments, one per payment. A SCHEDULED row is a
-- chargeback the processor announced that is not raised yet, a DROPPED one was never raised
-- (the payment was refunded in full first): both are hidden from the merchant.
-- judged_value is what a lost dispute debits the merchant, in the payment's currency: the
-- reconciliation report reads it. Times are Unix microseconds; 0 means "not set".
CREATE TABLE disputes (
	id                 TEXT PRIMARY KEY,
	payment_id         TEXT NOT NULL UNIQUE REFERENCES payments(id),
	merchant_id        TEXT NOT NULL,
	payment_request_id TEXT NOT NULL,
	currency           TEXT NOT NULL,
	value              INTEGER NOT NULL,
	reason_code        TEXT NOT NULL DEFAULT '',
	reason_msg         TEXT NOT NULL DEFAULT '',
	source             TEXT NOT NULL DEFAULT '',
	issuer_ref         TEXT NOT NULL DEFAULT '',
	status             TEXT NOT NULL,
	raised_at          INTEGER NOT NULL,
	defense_due_at     INTEGER NOT NULL DEFAULT 0,
	alerted            INTEGER NOT NULL DEFAULT 0,
	evidence           TEXT NOT NULL DEFAULT '',
	evidence_format    TEXT NOT NULL DEFAULT '',
	responded_at       INTEGER NOT NULL DEFAULT 0,
	judged_result      TEXT NOT NULL DEFAULT '',
	accept_reason      TEXT NOT NULL DEFAULT '',
	judged_value       INTEGER NOT NULL DEFAULT 0,
	closed_at          INTEGER NOT NULL DEFAULT 0,
	next_action_at     INTEGER NOT NULL DEFAULT 0,
	version            INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX disputes_due ON disputes (next_action_at) WHERE next_action_at > 0;
CREATE INDEX disputes_merchant ON disputes (merchant_id, raised_at);
