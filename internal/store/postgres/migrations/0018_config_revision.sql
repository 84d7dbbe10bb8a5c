-- The configuration revision: a counter that every change of what an API call reads before
-- its work (a merchant, its keys, its logo, the sandbox's simulation rules) moves, in the
-- change's own transaction. Nodes cache that configuration and read only this row per call
-- (store.ConfigCache). Triggers move it, so that no writer can forget to: the CLI, another
-- node, a statement typed by hand. They run once per statement, after its rows are written:
-- a change holds the revision's row from then until it commits, so changes of the
-- configuration commit one after the other (they are rare; API calls only read the row).
CREATE TABLE config_revision (
	id       INTEGER PRIMARY KEY CHECK (id = 1),
	revision BIGINT NOT NULL
);
INSERT INTO config_revision (id, revision) VALUES (1, 1);

CREATE FUNCTION config_revision_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	UPDATE config_revision SET revision = revision + 1;
	RETURN NULL;
END;
$$;

CREATE TRIGGER merchants_revision AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON merchants
	FOR EACH STATEMENT EXECUTE FUNCTION config_revision_bump();
CREATE TRIGGER merchant_keys_revision AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON merchant_keys
	FOR EACH STATEMENT EXECUTE FUNCTION config_revision_bump();
CREATE TRIGGER merchant_logos_revision AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON merchant_logos
	FOR EACH STATEMENT EXECUTE FUNCTION config_revision_bump();
CREATE TRIGGER sandbox_simulations_revision AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON sandbox_simulations
	FOR EACH STATEMENT EXECUTE FUNCTION config_revision_bump();
