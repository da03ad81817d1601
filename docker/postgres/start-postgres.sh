#!/bin/sh
# Starts Debian's PostgreSQL (whatever major the suite ships) on 127.0.0.1:$PGPORT, trusting local
# connections. Runs as the "postgres" user; the data directory lives and dies with the container.
set -eu
: "${PGPORT:?PGPORT must be set}"
bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
data=/tmp/pgdata
"$bin/initdb" --pgdata="$data" --username=app --auth=trust --encoding=UTF8 --no-sync >/dev/null
# The table the app's DB endpoints read: a lock on it (the harness's db-lock fault) makes every query wait.
"$bin/postgres" --single -D "$data" postgres >/dev/null <<'SQL'
CREATE TABLE app_items (id integer PRIMARY KEY, name text NOT NULL);
INSERT INTO app_items SELECT g, 'item ' || g FROM generate_series(1, 100) AS g;
SQL
exec "$bin/postgres" -D "$data" -p "$PGPORT" \
  -c listen_addresses=127.0.0.1 \
  -c unix_socket_directories=/tmp \
  -c fsync=off -c synchronous_commit=off -c full_page_writes=off \
  -c max_connections="${PG_MAX_CONNECTIONS:-200}"
