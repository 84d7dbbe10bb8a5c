-- The gateway's reference of a payment's latest authorization request is its id and this
-- attempt number, written before the issuer is asked (payment.AuthRef).
ALTER TABLE payments ADD COLUMN auth_attempt INTEGER NOT NULL DEFAULT 0;

-- The sandbox's simulated issuer keeps the authorizations it decided here, by the gateway's
-- reference, so that it answers an inquiry after the gateway crashed. Owned by the sandbox:
-- a production gateway never writes it.
CREATE TABLE sandbox_authorizations (
	reference   TEXT PRIMARY KEY,
	issuer_ref  TEXT NOT NULL,
	currency    TEXT NOT NULL,
	value       BIGINT NOT NULL,
	created_at  BIGINT NOT NULL
);
