#!/usr/bin/env bash
# Debian's Chromium for the browser tests (test/web/), never a downloaded browser.
#
#   scripts/chromium.sh            install on first use (apt-get), then print the browser's path
#
# Also a CJK font (WenQuanYi Micro Hei) so plates such as 鄂A12345 render in screenshots.
# Idempotent: an installed chromium is only located. Needs root for the first install
# (apt-get update runs once, only when the package list does not know the package).
set -euo pipefail
# shellcheck source=scripts/apt.sh
source "$(dirname "$0")/apt.sh"

find_chromium() {
  local c
  for c in chromium chromium-browser; do
    if command -v "$c" >/dev/null 2>&1; then command -v "$c"; return 0; fi
  done
  return 1
}

if path="$(find_chromium)"; then echo "$path"; exit 0; fi

if [ "$(id -u)" -ne 0 ]; then
  echo "chromium.sh: chromium is not installed; run as root: apt-get update && apt-get install -y chromium" >&2
  exit 1
fi
echo "chromium.sh: installing Debian's chromium package (first use)" >&2
export DEBIAN_FRONTEND=noninteractive
# an old or empty package list would not know the package: refresh once, then install
if ! apt_get install -y --no-install-recommends chromium fonts-dejavu-core fonts-wqy-microhei >/dev/null 2>&1; then
  apt_get update >/dev/null
  apt_get install -y --no-install-recommends chromium fonts-dejavu-core fonts-wqy-microhei >/dev/null
fi
path="$(find_chromium)" || { echo "chromium.sh: apt-get installed chromium but it is not on PATH" >&2; exit 1; }
echo "$path"
