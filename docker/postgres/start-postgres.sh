#!/bin/sh
# Starts Debian's PostgreSQL (whatever major the suite ships) on 127.0.0.1:$PGPORT, trusting local
# connections as user "app". Runs as the "postgres" user. The data directory is made once, when the image
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
exec "$bin/postgres" -D "$data" -p "$PGPORT" \
  -c listen_addresses=127.0.0.1 \
  -c unix_socket_directories=/tmp \
  -c fsync=off -c synchronous_commit=off -c full_page_writes=off \
  -c max_connections="${PG_MAX_CONNECTIONS:-200}"
