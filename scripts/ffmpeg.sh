#!/usr/bin/env bash
# Debian's ffmpeg and ffprobe: the tests' clip maker and checker (video from 1078, media
# evidence), never a downloaded build.
#
#   scripts/ffmpeg.sh            install on first use (apt-get), then print ffmpeg's path
#
# Idempotent: an installed ffmpeg is only located (ffprobe comes in the same package). Needs
# root for the first install (apt-get update runs once, only when the package list does not
# know the package).
set -euo pipefail
# shellcheck source=scripts/apt.sh
source "$(dirname "$0")/apt.sh"

if command -v ffmpeg >/dev/null 2>&1 && command -v ffprobe >/dev/null 2>&1; then command -v ffmpeg; exit 0; fi

if [ "$(id -u)" -ne 0 ]; then
  echo "ffmpeg.sh: ffmpeg is not installed; run as root: apt-get update && apt-get install -y ffmpeg" >&2
  exit 1
fi
echo "ffmpeg.sh: installing Debian's ffmpeg package (first use)" >&2
export DEBIAN_FRONTEND=noninteractive
if ! apt_get install -y --no-install-recommends ffmpeg >/dev/null 2>&1; then
  apt_get update >/dev/null
  apt_get install -y --no-install-recommends ffmpeg >/dev/null
fi
command -v ffmpeg || { echo "ffmpeg.sh: apt-get installed ffmpeg but it is not on PATH" >&2; exit 1; }
