#!/bin/sh
# Starts Debian's PostgreSQL (whatever major the suite ships) on 127.0.0.1:$PGPORT, trusting local
# connections as user "app"; with PG_APP_PASSWORD set, TCP connections must give that password (scram-sha-256),
# while the harness's psql keeps the unix socket. Runs as the "postgres" user. The data directory is made once, when the image
# is built (`start-postgres --init-only`: initdb takes over a second, a start from it a few milliseconds);
# each container writes to its own copy, which lives and dies with it and survives a stop and start of it
# (the db-outage fault).
set -eu
bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
data=/var/lib/chaos-harness/pgdata
if [ ! -f "$data/PG_VERSION" ]; then
  "$bin/initdb" --pgdata="$data" --username=app --auth=trust --encoding=UTF8 --no-sync >/dev/null
fi
[ "${1:-}" = "--init-only" ] && exit 0
: "${PGPORT:?PGPORT must be set}"
if [ -n "${PG_APP_PASSWORD:-}" ]; then
  # The password is checked by the target's schema: letters, digits and . _ ~ - only, so it needs no quoting.
  echo "ALTER ROLE app PASSWORD '$PG_APP_PASSWORD';" | "$bin/postgres" --single -D "$data" -c password_encryption=scram-sha-256 postgres >/dev/null
  sed -i -E 's/^(host[[:space:]].*)trust$/\1scram-sha-256/' "$data/pg_hba.conf"
fi
exec "$bin/postgres" -D "$data" -p "$PGPORT" \
  -c listen_addresses=127.0.0.1 \
  -c unix_socket_directories=/tmp \
  -c fsync=off -c synchronous_commit=off -c full_page_writes=off \
  -c max_connections="${PG_MAX_CONNECTIONS:-200}"
