-- The merchant's replay window for Request-Time, in milliseconds; 0 checks nothing (the
-- default, as the official SDKs' clocks are the merchant's own).
ALTER TABLE merchants ADD COLUMN request_window_ms BIGINT NOT NULL DEFAULT 0;
