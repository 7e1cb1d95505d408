#!/usr/bin/env bash
# Fuzzes the HTTP API from its own OpenAPI document (/docs/json) with schemathesis (PyPI), against
# a gateway started here on loopback (server/main.ts, embedded defaults, free ports), and fails
# on any 5xx answer ("not_a_server_error"). schemathesis lives in a venv under .servers/ (ignored),
# installed on first use.   scripts/schemathesis.sh [extra schemathesis options, e.g. --max-examples 50]
set -euo pipefail
source "$(dirname "$0")/lib.sh"
VENV="$SERVERS/schemathesis-venv"
if [ ! -x "$VENV/bin/st" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q schemathesis >&2
fi
WORK="$(mktemp -d)"
trap 'kill "$GW" 2>/dev/null || true; wait "$GW" 2>/dev/null || true; rm -rf "$WORK"' EXIT
cat >"$WORK/config.json" <<JSON
{"jt808":{"host":"127.0.0.1","port":0,"udp":false},"http":{"host":"127.0.0.1","port":0},"mqtt":{"host":"127.0.0.1","port":0,"wsPort":0},"dataDir":"$WORK/data","log":{"level":"info"}}
JSON
cd "$ROOT"
node --max-semi-space-size=32 --import tsx server/main.ts --config "$WORK/config.json" >"$WORK/gateway.log" 2>&1 &
GW=$!
for _ in $(seq 150); do grep -q '"dipper gateway listening"' "$WORK/gateway.log" && break; sleep 0.2; done
HTTP=$(grep -o '"http":[0-9]*' "$WORK/gateway.log" | head -1 | cut -d: -f2)
[ -n "$HTTP" ] || { echo "schemathesis: the gateway did not start; see its log:" >&2; cat "$WORK/gateway.log" >&2; exit 1; }
echo "schemathesis: gateway on 127.0.0.1:$HTTP (pid $GW)" >&2
"$VENV/bin/st" run "http://127.0.0.1:$HTTP/docs/json" --checks not_a_server_error "$@"
