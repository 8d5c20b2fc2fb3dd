#!/usr/bin/env bash
# A second PostgreSQL server on 127.0.0.1:5433 for the read-replica tests (its own cluster in a
# temporary folder, trust auth, user postgres). Does nothing when one already answers there.
set -euo pipefail
PORT=${MIKRO_NATIVE_REPLICA_PORT:-5433}
DIR=${MIKRO_NATIVE_REPLICA_DIR:-/tmp/mikro-native-replica}
BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
pg_isready -q -h 127.0.0.1 -p "$PORT" && exit 0
# PostgreSQL refuses to run as root: the cluster belongs to the postgres user then.
as_owner() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
if [ ! -f "$DIR/PG_VERSION" ]; then
  mkdir -p "$DIR"
  [ "$(id -u)" = 0 ] && chown postgres "$DIR"
  as_owner "$BIN/initdb" -D "$DIR" -A trust -U postgres >/dev/null
fi
as_owner "$BIN/pg_ctl" -D "$DIR" -o "-p $PORT -k /tmp -c listen_addresses=127.0.0.1" -l "$DIR/server.log" -w start >/dev/null
pg_isready -q -h 127.0.0.1 -p "$PORT"
