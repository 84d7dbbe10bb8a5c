-- Payments and cards no longer carry a foreign key to merchants. Every pay inserted both, and
-- PostgreSQL checks such a key by locking the merchant's row FOR KEY SHARE: all of a
-- merchant's concurrent pays locked the same row, and each new locker rewrote it with a new
-- MultiXact. A profile of the server under 16 concurrent pays put the two checks at 8 % of
-- its processor time (docs/performance.md, "Issue 14, sixth part"). What the keys
-- guarded cannot happen: the gateway inserts a payment or a card only for the merchant that
-- signed the request, read from this database, and no merchant is ever deleted. SQLite keeps
-- the keys: it checks one with an index look-up and takes no row lock.
ALTER TABLE payments DROP CONSTRAINT IF EXISTS payments_merchant_id_fkey;
ALTER TABLE cards DROP CONSTRAINT IF EXISTS cards_merchant_id_fkey;
