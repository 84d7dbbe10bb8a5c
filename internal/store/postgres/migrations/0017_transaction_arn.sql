-- The acquirer reference number (ARN) the card scheme traces a capture or a refund by, as the
-- processor reported it when the operation succeeded; a dispute carries the ARN of the
-- capture it disputes. '' when the processor gave none (older rows, failed operations).
ALTER TABLE captures ADD COLUMN arn TEXT NOT NULL DEFAULT '';
ALTER TABLE refunds ADD COLUMN arn TEXT NOT NULL DEFAULT '';
ALTER TABLE disputes ADD COLUMN arn TEXT NOT NULL DEFAULT '';
