#!/usr/bin/env bash
# A real Prometheus for the operations tests, on loopback, without Docker.
#
#   scripts/prometheus.sh install                 Debian's prometheus package (brings promtool), once
#   scripts/prometheus.sh start CONFIG [PORT]     serve on 127.0.0.1:PORT (default 19090) with CONFIG;
#                                                 already running on PORT: load CONFIG and reload
#   scripts/prometheus.sh stop [PORT]             stop the one started on PORT (no-op if none); keeps the log
#   scripts/prometheus.sh promtool ARGS...        promtool, installed on first use
#
# Every command is idempotent. State and logs live in .servers/prometheus-PORT/ (prometheus.log,
# prometheus.pid, the TSDB); the daemon the package installs is never started (policy-rc.d
# refuses it in containers, and we never call systemctl).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
# shellcheck source=scripts/apt.sh
source "$root/scripts/apt.sh"

install() {
  if command -v prometheus >/dev/null && command -v promtool >/dev/null; then return 0; fi
  if [ "$(id -u)" -ne 0 ]; then
    echo "prometheus.sh: prometheus is not installed; run as root: apt-get update && apt-get install -y prometheus" >&2
    exit 1
  fi
  echo "prometheus.sh: installing Debian's prometheus package (first use)" >&2
  export DEBIAN_FRONTEND=noninteractive
  # an old or empty package list would not know the package: refresh once, then install
  if ! apt_get install -y --no-install-recommends prometheus >/dev/null 2>&1; then
    apt_get update >/dev/null
    apt_get install -y --no-install-recommends prometheus >/dev/null
  fi
}

dir_for() { echo "$root/.servers/prometheus-$1"; }

running_pid() {
  local pidfile; pidfile="$(dir_for "$1")/prometheus.pid"
  [ -f "$pidfile" ] || return 1
  local pid; pid="$(cat "$pidfile")"
  kill -0 "$pid" 2>/dev/null || return 1
  echo "$pid"
}

wait_ready() {
  local port="$1" log="$2"
  for _ in $(seq 1 100); do
    if curl -fsS "http://127.0.0.1:$port/-/ready" >/dev/null 2>&1; then return 0; fi
    sleep 0.1
  done
  echo "prometheus.sh: not ready on 127.0.0.1:$port after 10 s; see $log" >&2
  tail -n 20 "$log" >&2 || true
  exit 1
}

start() {
  local config="${1:?usage: prometheus.sh start CONFIG [PORT]}" port="${2:-19090}"
  install
  promtool check config "$config" >/dev/null
  local dir; dir="$(dir_for "$port")"
  mkdir -p "$dir"
  cp "$config" "$dir/prometheus.yml"
  local pid
  if pid="$(running_pid "$port")"; then
    kill -HUP "$pid"   # already ours on this port: reload the new configuration
    wait_ready "$port" "$dir/prometheus.log"
    echo "$pid"
    return 0
  fi
  setsid prometheus \
    --config.file="$dir/prometheus.yml" \
    --web.listen-address="127.0.0.1:$port" \
    --storage.tsdb.path="$dir/data" \
    --storage.tsdb.retention.time=1d \
    --log.level=info \
    >>"$dir/prometheus.log" 2>&1 </dev/null &
  pid=$!
  echo "$pid" >"$dir/prometheus.pid"
  wait_ready "$port" "$dir/prometheus.log"
  echo "$pid"
}

stop() {
  local port="${1:-19090}" pid
  pid="$(running_pid "$port")" || return 0
  kill "$pid"
  for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
  # the TSDB is test data: keep the log for a post-mortem, drop the rest
  rm -rf "$(dir_for "$port")/prometheus.pid" "$(dir_for "$port")/data"
}

cmd="${1:-}"
shift || true
case "$cmd" in
  install) install ;;
  start) start "$@" ;;
  stop) stop "$@" ;;
  promtool) install; exec promtool "$@" ;;
  *) echo "usage: scripts/prometheus.sh install | start CONFIG [PORT] | stop [PORT] | promtool ARGS..." >&2; exit 64 ;;
esac
