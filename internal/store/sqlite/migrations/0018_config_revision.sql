-- The configuration revision: a counter that every change of what an API call reads before
-- its work (a merchant, its keys, its logo, the sandbox's simulation rules) moves, in the
-- change's own transaction. Nodes cache that configuration and read only this row per call
-- (store.ConfigCache). Triggers move it, so that no writer can forget to: the CLI, another
-- node, a statement typed by hand.
CREATE TABLE config_revision (
	id       INTEGER PRIMARY KEY CHECK (id = 1),
	revision INTEGER NOT NULL
);
INSERT INTO config_revision (id, revision) VALUES (1, 1);

CREATE TRIGGER merchants_revision_insert AFTER INSERT ON merchants BEGIN UPDATE config_revision SET revision = revision + 1; END;
CREATE TRIGGER merchants_revision_update AFTER UPDATE ON merchants BEGIN UPDATE config_revision SET revision = revision + 1; END;
CREATE TRIGGER merchants_revision_delete AFTER DELETE ON merchants BEGIN UPDATE config_revision SET revision = revision + 1; END;
CREATE TRIGGER merchant_keys_revision_insert AFTER INSERT ON merchant_keys BEGIN UPDATE config_revision SET revision = revision + 1; END;
CREATE TRIGGER merchant_keys_revision_update AFTER UPDATE ON merchant_keys BEGIN UPDATE config_revision SET revision = revision + 1; END;
CREATE TRIGGER merchant_keys_revision_delete AFTER DELETE ON merchant_keys BEGIN UPDATE config_revision SET revision = revision + 1; END;
CREATE TRIGGER merchant_logos_revision_insert AFTER INSERT ON merchant_logos BEGIN UPDATE config_revision SET revision = revision + 1; END;
CREATE TRIGGER merchant_logos_revision_update AFTER UPDATE ON merchant_logos BEGIN UPDATE config_revision SET revision = revision + 1; END;
CREATE TRIGGER merchant_logos_revision_delete AFTER DELETE ON merchant_logos BEGIN UPDATE config_revision SET revision = revision + 1; END;
CREATE TRIGGER sandbox_simulations_revision_insert AFTER INSERT ON sandbox_simulations BEGIN UPDATE config_revision SET revision = revision + 1; END;
CREATE TRIGGER sandbox_simulations_revision_update AFTER UPDATE ON sandbox_simulations BEGIN UPDATE config_revision SET revision = revision + 1; END;
CREATE TRIGGER sandbox_simulations_revision_delete AFTER DELETE ON sandbox_simulations BEGIN UPDATE config_revision SET revision = revision + 1; END;
