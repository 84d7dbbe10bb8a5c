-- The cards a buyer submitted on a payment's pages, so that the bound on card attempts
-- holds across nodes and restarts.
ALTER TABLE payments ADD COLUMN card_attempts INTEGER NOT NULL DEFAULT 0;
