#!/usr/bin/env bash
# Mosquitto (Debian's package) on loopback, the external MQTT broker of the sink tests.
#   scripts/mosquitto.sh install|start|stop|status
# MOSQUITTO_PORT (default 11883) selects the instance; config, persistence and log live in
# .servers/mosquitto-PORT/. Start is idempotent and returns once the port accepts connections.
# The package's own daemon is never started.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
PORT="${MOSQUITTO_PORT:-11883}"
DIR="$SERVERS/mosquitto-$PORT"
PIDFILE="$DIR/mosquitto.pid"
LOG="$DIR/mosquitto.log"

install() {
  command -v mosquitto >/dev/null || [ -x /usr/sbin/mosquitto ] || apt_install mosquitto
}

start() {
  install
  mkdir -p "$DIR"; lock "$DIR/ctl"
  if alive "$PIDFILE" && port_open "$PORT"; then echo "mosquitto: running on 127.0.0.1:$PORT"; return 0; fi
  stop_pid "$PIDFILE"
  cat >"$DIR/mosquitto.conf" <<CONF
listener $PORT 127.0.0.1
allow_anonymous true
persistence true
persistence_location $DIR/
autosave_interval 1
max_queued_messages 100000
log_dest file $LOG
log_type error
log_type warning
log_type notice
CONF
  # as root, mosquitto drops to its own user: let that user write the log and persistence
  if [ "$(id -u)" -eq 0 ] && id mosquitto >/dev/null 2>&1; then touch "$LOG"; chown -R mosquitto "$DIR"; fi
  nohup /usr/sbin/mosquitto -c "$DIR/mosquitto.conf" >>"$LOG" 2>&1 9>&- &
  echo $! >"$PIDFILE"
  up() { alive "$PIDFILE" || return 2; port_open "$PORT"; }
  if ! wait_for 60 up; then echo "mosquitto: did not start; see $LOG" >&2; tail -20 "$LOG" >&2; stop_pid "$PIDFILE"; exit 1; fi
  echo "mosquitto: running on 127.0.0.1:$PORT (pid $(cat "$PIDFILE"), log $LOG)"
}

stop() {
  mkdir -p "$DIR"; lock "$DIR/ctl"
  stop_pid "$PIDFILE"
  echo "mosquitto: stopped ($PORT)"
}

case "${1:-}" in
  install) install ;;
  start) start ;;
  stop) stop ;;
  status) if alive "$PIDFILE" && port_open "$PORT"; then echo "mosquitto: running ($PORT)"; else echo "mosquitto: stopped ($PORT)"; exit 3; fi ;;
  *) echo "usage: $0 install|start|stop|status" >&2; exit 2 ;;
esac
