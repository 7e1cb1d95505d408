# Sourced by scripts/*.sh: apt-get that waits for another apt-get or dpkg to finish instead of
# failing at once ("Could not get lock"), for up to DIPPER_APT_LOCK_WAIT_S seconds (600).
#
#   apt_get ARGS...    as apt-get ARGS...
#
# DPkg::Lock::Timeout makes apt wait for the dpkg lock (install); `apt-get update` takes the
# package lists' lock instead, which that option does not cover (apt 2.6 fails at once), so an
# update is tried again, every second, while that lock is held.
apt_get() {
  local wait_s="${DIPPER_APT_LOCK_WAIT_S:-600}"
  local update=0 a
  for a in "$@"; do [ "$a" = update ] && update=1; done
  if [ "$update" -eq 0 ]; then
    apt-get -o "DPkg::Lock::Timeout=$wait_s" "$@"
    return
  fi
  local deadline=$((SECONDS + wait_s)) err said=0 rc
  err="$(mktemp)"
  while true; do
    rc=0
    LC_ALL=C apt-get -o "DPkg::Lock::Timeout=$wait_s" "$@" 2>"$err" || rc=$?
    if [ "$rc" -eq 0 ] || ! grep -q 'Could not get lock' "$err" || [ "$SECONDS" -ge "$deadline" ]; then
      cat "$err" >&2
      rm -f "$err"
      return "$rc"
    fi
    if [ "$said" -eq 0 ]; then echo "apt.sh: waiting for the package lists lock ($(grep -m1 -o 'held by process.*' "$err" || echo 'held'))" >&2; said=1; fi
    sleep 1
  done
}
