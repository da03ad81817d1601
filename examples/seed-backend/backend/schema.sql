-- The seed's table: /items reads it, so a lock on it (slow-db's table lock) makes each request wait.
CREATE TABLE items (id integer PRIMARY KEY, name text NOT NULL);
INSERT INTO items SELECT g, 'item ' || g FROM generate_series(1, 20) AS g;
