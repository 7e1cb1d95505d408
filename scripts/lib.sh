# Shared by scripts/*.sh: where servers live, a lock, pid handling, waiting.
# Servers keep their data and logs under .servers/ (git-ignored), jars and binaries in ~/.cache/dipper.
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SERVERS="${DIPPER_SERVERS_DIR:-$ROOT/.servers}"
# downloaded jars and built binaries are shared by every clone on the machine (CI clones afresh)
CACHE="${DIPPER_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/dipper}"
mkdir -p "$SERVERS" "$CACHE"

# One start/stop at a time per server instance (test files run in parallel).
lock() { exec 9>"$1.lock"; flock 9; }

alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# wait_for SECONDS COMMAND...: polls every 0.2 s. SECONDS bounds a failed start, never a wait: on a
# busy machine (tests beside stress-ng) a JVM takes minutes to start, so the bounds are generous.
wait_for() {
  local limit=$(( $1 * 5 )); shift
  local rc
  for _ in $(seq "$limit"); do
    rc=0; "$@" || rc=$?
    [ "$rc" -eq 0 ] && return 0
    [ "$rc" -eq 2 ] && return 1   # 2: gave up (the process died)
    sleep 0.2
  done
  return 1
}

stop_pid() {
  local pidfile=$1
  if alive "$pidfile"; then
    local pid; pid=$(cat "$pidfile")
    kill "$pid"
    for _ in $(seq 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
  fi
  rm -f "$pidfile"
}

# shellcheck source=scripts/apt.sh
source "$ROOT/scripts/apt.sh"

apt_install() {
  # apt-get update once per machine, then the package (each waiting for another apt-get's lock)
  if [ ! -f /var/lib/apt/lists/lock ] || ! apt-cache show "$1" >/dev/null 2>&1; then apt_get update -q >&2; fi
  DEBIAN_FRONTEND=noninteractive apt_get install -y -q "$1" >&2
}
