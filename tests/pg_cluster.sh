#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the tests: run a command with PORTAL_TEST_DATABASE_URL set.
#
#     tests/pg_cluster.sh COMMAND [ARGS...]
#
# initdb under a new temp dir (owned by the postgres user when run as root: PostgreSQL refuses
# to run as root), listening on 127.0.0.1 only on a free port, unix socket in the temp dir,
# fsync off. The cluster is stopped and deleted when COMMAND ends, however it ends; the exit
# status is COMMAND's.
set -euo pipefail

BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
if [ -z "$BIN" ] || [ ! -x "$BIN/initdb" ]; then
  echo "pg_cluster.sh: PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb)" >&2
  exit 2
fi

DIR=$(mktemp -d /tmp/portal-pg.XXXXXX)
if [ "$(id -u)" = 0 ]; then
  chown postgres: "$DIR"
  as_owner() { runuser -u postgres -- "$@"; }
  ROLE=postgres
else
  as_owner() { "$@"; }
  ROLE=$(id -un)
fi
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

stop() {
  status=$?
  as_owner "$BIN/pg_ctl" -D "$DIR/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$DIR"
  exit $status
}
trap stop EXIT INT TERM

as_owner "$BIN/initdb" -D "$DIR/data" -U "$ROLE" --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
as_owner "$BIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w -o \
  "-c listen_addresses=127.0.0.1 -p $PORT -c unix_socket_directories=$DIR -c fsync=off \
   -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" start >/dev/null

export PORTAL_TEST_DATABASE_URL="postgresql://$ROLE@127.0.0.1:$PORT/postgres"
echo "PostgreSQL $("$BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PORT (throwaway cluster in $DIR)"
"$@"
