#!/usr/bin/env bash
# PostgreSQL (Debian's package) on loopback, the production database of the store tests.
#   scripts/postgres.sh install|start|stop|status|url
# POSTGRES_PORT (default 15432) selects the instance; its cluster (initdb), socket and log live in
# .servers/postgres-PORT/. Start is idempotent and returns once the server accepts queries; `url`
# prints the DIPPER_DATABASE_URL of the instance (database dipper, user dipper, a password made
# at initdb and kept in the instance's directory: no shared default). The package's own cluster
# and daemon are never started. As root, the server runs as the package's postgres user, which
# must reach its directory: in a checkout it cannot traverse (a clone under `mktemp -d`, mode
# 700) the instance lives under that user's home instead, named after the checkout and port.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
PORT="${POSTGRES_PORT:-15432}"

# where the instance lives: .servers/postgres-PORT, or (see above) the postgres user's home
place() {
  DIR="$SERVERS/postgres-$PORT"
  if [ "$(id -u)" -eq 0 ] && id postgres >/dev/null 2>&1 && ! (cd / && runuser -u postgres -- test -x "$SERVERS"); then
    local home; home=$(getent passwd postgres | cut -d: -f6)
    DIR="$home/dipper-$(printf '%s' "$ROOT" | sha1sum | cut -c1-12)-$PORT"
  fi
  DATA="$DIR/data"
  LOG="$DIR/postgres.log"
  PASSFILE="$DIR/password"
}
place

bindir() {
  # the newest installed major version's binaries (Debian keeps them out of PATH)
  local d
  d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [ -n "$d" ] && echo "$d"
}

install() {
  [ -n "$(bindir)" ] || apt_install postgresql
  # Debian's postinst creates and starts a "main" cluster; it is not ours and not needed
  if command -v pg_lsclusters >/dev/null && pg_lsclusters -h 2>/dev/null | grep -q online; then
    pg_lsclusters -h | awk '$4 == "online" { print $1, $2 }' | while read -r v n; do pg_ctlcluster "$v" "$n" stop || true; done
  fi
}

# as root the server runs as the package's postgres user (PostgreSQL refuses root)
as_owner() {
  # from / : the caller's directory may be one that user cannot enter (every path here is absolute)
  if [ "$(id -u)" -eq 0 ]; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi
}

ready() {
  [ -f "$DATA/postmaster.pid" ] || return 1
  "$(bindir)/pg_isready" -q -h 127.0.0.1 -p "$PORT"
}

start() {
  install
  place   # the postgres user exists from here on
  mkdir -p "$DIR"; lock "$DIR/ctl"
  if ready; then echo "postgres: running on 127.0.0.1:$PORT"; return 0; fi
  local bin; bin=$(bindir)
  if [ ! -f "$DATA/PG_VERSION" ]; then
    rm -rf "$DATA"
    [ -f "$PASSFILE" ] || (umask 077; head -c 18 /dev/urandom | base64 | tr '+/' '-_' >"$PASSFILE")
    mkdir -p "$DATA"
    if [ "$(id -u)" -eq 0 ]; then chown postgres "$DIR" "$DATA" "$PASSFILE"; fi
    as_owner "$bin/initdb" -D "$DATA" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 >"$DIR/initdb.log" 2>&1 \
      || { echo "postgres: initdb failed; see $DIR/initdb.log" >&2; tail -20 "$DIR/initdb.log" >&2; exit 1; }
    # loopback only, passwords over TCP; the socket lives in the instance's directory, not /run
    cat >>"$DATA/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $PORT
unix_socket_directories = '$DIR'
fsync = off
CONF
    cat >"$DATA/pg_hba.conf" <<HBA
local all postgres trust
host all all 127.0.0.1/32 scram-sha-256
HBA
    fresh=1
  fi
  [ "$(id -u)" -eq 0 ] && touch "$LOG" && chown postgres "$LOG"
  as_owner "$bin/pg_ctl" -D "$DATA" -l "$LOG" -w -t 60 start >/dev/null 9>&- \
    || { echo "postgres: did not start; see $LOG" >&2; tail -20 "$LOG" >&2; exit 1; }
  if [ "${fresh:-0}" -eq 1 ]; then
    local pass; pass=$(cat "$PASSFILE")
    as_owner "$bin/psql" -h "$DIR" -p "$PORT" -U postgres -q -v ON_ERROR_STOP=1 \
      -c "CREATE ROLE dipper LOGIN CREATEDB PASSWORD '$pass'" -c "CREATE DATABASE dipper OWNER dipper" >/dev/null
  fi
  wait_for 120 ready || { echo "postgres: not accepting connections; see $LOG" >&2; exit 1; }
  echo "postgres: running on 127.0.0.1:$PORT (data $DATA, log $LOG)"
}

stop() {
  mkdir -p "$DIR"; lock "$DIR/ctl"
  if [ -f "$DATA/postmaster.pid" ]; then as_owner "$(bindir)/pg_ctl" -D "$DATA" -m fast -w stop >/dev/null || true; fi
  echo "postgres: stopped ($PORT)"
}

url() {
  [ -f "$PASSFILE" ] || { echo "postgres: no instance on $PORT yet (run start)" >&2; exit 3; }
  echo "postgres://dipper:$(cat "$PASSFILE")@127.0.0.1:$PORT/dipper"
}

case "${1:-}" in
  install) install ;;
  start) start ;;
  stop) stop ;;
  url) url ;;
  status) if ready; then echo "postgres: running ($PORT)"; else echo "postgres: stopped ($PORT)"; exit 3; fi ;;
  *) echo "usage: $0 install|start|stop|status|url" >&2; exit 2 ;;
esac
