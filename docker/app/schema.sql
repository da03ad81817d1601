-- The demo's table: every /db query reads it, so a lock on it (slow-db's table-lock) makes each query wait.
CREATE TABLE app_items (id integer PRIMARY KEY, name text NOT NULL);
INSERT INTO app_items SELECT g, 'item ' || g FROM generate_series(1, 100) AS g;
