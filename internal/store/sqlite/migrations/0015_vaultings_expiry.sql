-- The sweeper's look-up of vaultings left processing past their expiry (VaultingListExpired):
-- only the open ones, which are few, are indexed.
CREATE INDEX vaultings_processing_expiry ON vaultings (expires_at) WHERE status = 'PROCESSING';
