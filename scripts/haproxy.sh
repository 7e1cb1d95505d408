#!/usr/bin/env bash
# HAProxy (Debian's package) on loopback in front of a gateway's JT/T 808 port, for the PROXY
# protocol tests (issue 21): `mode tcp`, one frontend per header version.
#   HAPROXY_BACKEND=127.0.0.1:6808 scripts/haproxy.sh install|start|stop|status
# HAPROXY_PORT (default 16808) selects the instance: PORT forwards with `send-proxy` (v1),
# PORT+1 with `send-proxy-v2`, both to HAPROXY_BACKEND (required by start). Config and log live
# in .servers/haproxy-PORT/. Start is idempotent: running with the same backend it returns at
# once; with another it restarts. It returns once both ports accept connections. The package's
# own daemon is never started.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
PORT="${HAPROXY_PORT:-16808}"
PORT2=$((PORT + 1))
DIR="$SERVERS/haproxy-$PORT"
PIDFILE="$DIR/haproxy.pid"
LOG="$DIR/haproxy.log"
CONF="$DIR/haproxy.cfg"
HAPROXY=/usr/sbin/haproxy

install() {
  [ -x "$HAPROXY" ] || apt_install haproxy
  # the package's service is not ours to run (it would take its own config and ports)
  if command -v systemctl >/dev/null && systemctl is-active --quiet haproxy 2>/dev/null; then systemctl stop haproxy || true; fi
}

config() {
  # health checks carry a header too (check-send-proxy): LOCAL in v2, as a real balancer's would
  cat <<CONF
global
  log stdout format raw local0 info
  maxconn 4096

defaults
  mode tcp
  log global
  option tcplog
  timeout connect 5s
  timeout client 10m
  timeout server 10m

frontend jt808_v1
  bind 127.0.0.1:$PORT
  default_backend gateway_v1

backend gateway_v1
  server gateway $HAPROXY_BACKEND send-proxy check check-send-proxy inter 500ms

frontend jt808_v2
  bind 127.0.0.1:$PORT2
  default_backend gateway_v2

backend gateway_v2
  server gateway $HAPROXY_BACKEND send-proxy-v2 check check-send-proxy inter 500ms
CONF
}

start() {
  : "${HAPROXY_BACKEND:?HAPROXY_BACKEND=host:port of the JT/T 808 listener of the gateway is required}"
  install
  mkdir -p "$DIR"; lock "$DIR/ctl"
  if alive "$PIDFILE" && port_open "$PORT" && port_open "$PORT2" && [ -f "$CONF" ] && [ "$(config)" = "$(cat "$CONF")" ]; then
    echo "haproxy: running on 127.0.0.1:$PORT (v1) and :$PORT2 (v2) -> $HAPROXY_BACKEND"; return 0
  fi
  stop_pid "$PIDFILE"
  config >"$CONF"
  if ! "$HAPROXY" -c -q -f "$CONF" >>"$LOG" 2>&1; then echo "haproxy: $CONF does not check; see $LOG" >&2; tail -20 "$LOG" >&2; exit 1; fi
  # -db: in the foreground (its pid is the one kept), logging to stdout -> the log file
  nohup "$HAPROXY" -db -f "$CONF" >>"$LOG" 2>&1 9>&- &
  echo $! >"$PIDFILE"
  up() { alive "$PIDFILE" || return 2; port_open "$PORT" && port_open "$PORT2"; }
  if ! wait_for 60 up; then echo "haproxy: did not start; see $LOG" >&2; tail -20 "$LOG" >&2; stop_pid "$PIDFILE"; exit 1; fi
  echo "haproxy: running on 127.0.0.1:$PORT (v1) and :$PORT2 (v2) -> $HAPROXY_BACKEND (pid $(cat "$PIDFILE"), log $LOG)"
}

stop() {
  mkdir -p "$DIR"; lock "$DIR/ctl"
  stop_pid "$PIDFILE"
  echo "haproxy: stopped ($PORT)"
}

case "${1:-}" in
  install) install ;;
  start) start ;;
  stop) stop ;;
  status) if alive "$PIDFILE" && port_open "$PORT" && port_open "$PORT2"; then echo "haproxy: running ($PORT, $PORT2)"; else echo "haproxy: stopped ($PORT)"; exit 3; fi ;;
  *) echo "usage: HAPROXY_BACKEND=host:port $0 install|start|stop|status" >&2; exit 2 ;;
esac
