-- A merchant's logo for the hosted pages' header (docs/hosted.md), apart from the merchant's row,
-- which every API call reads. It is served by its digest: a URL browsers may keep for good.
CREATE TABLE merchant_logos (
	merchant_id  TEXT PRIMARY KEY REFERENCES merchants(id),
	content_type TEXT NOT NULL,
	digest       TEXT NOT NULL,
	data         BLOB NOT NULL
);
CREATE INDEX merchant_logos_digest ON merchant_logos (digest);
