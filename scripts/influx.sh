#!/usr/bin/env bash
# InfluxDB 1.8.10 (it serves the v2 write API and Flux queries) on loopback for the sink tests.
#   scripts/influx.sh install|start|stop|status
# Installed on first use with `go install github.com/influxdata/influxdb/cmd/influxd@v1.8.10`
# from the Go module proxy (pure Go; ~75 s on two cores). Should that not build, Debian's
# victoria-metrics, which also takes /api/v2/write, is used instead (the README says what then
# differs); INFLUX_IMPL=vm forces it. INFLUX_PORT (default 18086) selects the instance; data,
# config and log live in .servers/influx-PORT/. Start creates the database "dipper" (the
# bucket the v2 API maps to dipper/autogen) and returns once /ping answers.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
PORT="${INFLUX_PORT:-18086}"
DIR="$SERVERS/influx-$PORT"
PIDFILE="$DIR/server.pid"
LOG="$DIR/server.log"
BIN="$CACHE/influxd-1.8.10"
IMPL="${INFLUX_IMPL:-auto}"

install_influxd() {
  [ -x "$BIN/influxd" ] && return 0
  command -v go >/dev/null || [ -x /usr/local/go/bin/go ] || return 1
  local go; go=$(command -v go || echo /usr/local/go/bin/go)
  mkdir -p "$BIN"; exec 8>"$BIN.lock"; flock 8
  [ -x "$BIN/influxd" ] && return 0
  echo "influx: building influxd 1.8.10 with go install (first use)" >&2
  (cd "$CACHE" && GOBIN="$BIN" GOFLAGS=-mod=mod timeout 900 "$go" install github.com/influxdata/influxdb/cmd/influxd@v1.8.10) >&2
}

impl() {
  if [ "$IMPL" = vm ]; then echo vm; return; fi
  if install_influxd; then echo influxd; else
    echo "influx: influxd 1.8.10 could not be built; using victoria-metrics" >&2
    command -v victoria-metrics >/dev/null || apt_install victoria-metrics
    echo vm
  fi
}

ping() { alive "$PIDFILE" || return 2; curl -sf -o /dev/null "http://127.0.0.1:$PORT/ping" || curl -sf -o /dev/null "http://127.0.0.1:$PORT/health"; }

start() {
  local which; which=$(impl)
  mkdir -p "$DIR"; lock "$DIR/ctl"
  if alive "$PIDFILE" && ping; then echo "influx: running on 127.0.0.1:$PORT"; return 0; fi
  stop_pid "$PIDFILE"
  if [ "$which" = influxd ]; then
    cat >"$DIR/influxdb.conf" <<CONF
reporting-disabled = true
bind-address = "127.0.0.1:$((PORT + 2))"
[meta]
  dir = "$DIR/meta"
[data]
  dir = "$DIR/data"
  wal-dir = "$DIR/wal"
  query-log-enabled = false
[monitor]
  store-enabled = false
[continuous_queries]
  enabled = false
[http]
  bind-address = "127.0.0.1:$PORT"
  flux-enabled = true
  log-enabled = false
[logging]
  level = "warn"
CONF
    nohup "$BIN/influxd" run -config "$DIR/influxdb.conf" >>"$LOG" 2>&1 9>&- &
  else
    nohup victoria-metrics -httpListenAddr="127.0.0.1:$PORT" -storageDataPath="$DIR/vm" -retentionPeriod=100y -loggerLevel=WARN >>"$LOG" 2>&1 9>&- &
  fi
  echo $! >"$PIDFILE"
  echo "$which" >"$DIR/impl"
  if ! wait_for 180 ping; then echo "influx: did not start; see $LOG" >&2; tail -20 "$LOG" >&2; stop_pid "$PIDFILE"; exit 1; fi
  if [ "$which" = influxd ]; then curl -sf -o /dev/null -XPOST "http://127.0.0.1:$PORT/query" --data-urlencode "q=CREATE DATABASE dipper"; fi
  echo "influx: $which running on 127.0.0.1:$PORT (pid $(cat "$PIDFILE"), log $LOG)"
}

stop() {
  mkdir -p "$DIR"; lock "$DIR/ctl"
  stop_pid "$PIDFILE"
  echo "influx: stopped ($PORT)"
}

case "${1:-}" in
  install) impl >/dev/null ;;
  start) start ;;
  stop) stop ;;
  status) if alive "$PIDFILE" && ping; then echo "influx: $(cat "$DIR/impl") running ($PORT)"; else echo "influx: stopped ($PORT)"; exit 3; fi ;;
  *) echo "usage: $0 install|start|stop|status" >&2; exit 2 ;;
esac
