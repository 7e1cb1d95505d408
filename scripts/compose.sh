#!/usr/bin/env bash
# A compose implementation for validating docker/compose.yaml on machines without a Docker engine.
#
#   scripts/compose.sh ARGS...     e.g. scripts/compose.sh -f docker/compose.yaml config -q
#
# Uses the `docker compose` plugin where it exists; otherwise Debian's docker-compose (1.29,
# installed on first use), whose `config` validates a file against the compose schema without
# an engine. Idempotent.
set -euo pipefail
# shellcheck source=scripts/apt.sh
source "$(dirname "$0")/apt.sh"

if docker compose version >/dev/null 2>&1; then exec docker compose "$@"; fi
if ! command -v docker-compose >/dev/null; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "compose.sh: no compose found; run as root: apt-get update && apt-get install -y docker-compose" >&2
    exit 1
  fi
  echo "compose.sh: installing Debian's docker-compose (first use)" >&2
  export DEBIAN_FRONTEND=noninteractive
  if ! apt_get install -y --no-install-recommends docker-compose >/dev/null 2>&1; then
    apt_get update >/dev/null
    apt_get install -y --no-install-recommends docker-compose >/dev/null
  fi
fi
exec docker-compose "$@"
