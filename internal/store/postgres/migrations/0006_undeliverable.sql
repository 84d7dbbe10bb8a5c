-- Notifications held for want of a URL (status UNDELIVERABLE), by age: what setting a
-- merchant's notify URL sends again, and what the outbox metrics count.
CREATE INDEX notifications_undeliverable ON notifications (merchant_id, created_at) WHERE status = 'UNDELIVERABLE';
