#!/usr/bin/env bash
# Apache Kafka 3.9.1 in KRaft mode (one combined broker+controller), from Maven Central jars on Java 17.
#   scripts/kafka.sh install|start|stop|status|reset
# KAFKA_PORT (default 19092; the controller takes KAFKA_PORT+1) selects the instance, so test files can each have
# their own broker. Data, jars and the log live in .servers/ ; start is idempotent and returns once the broker is up.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
PORT="${KAFKA_PORT:-19092}"
CONTROLLER=$((PORT + 1))
LIBS="$CACHE/kafka-3.9.1-libs"
DIR="$SERVERS/kafka-$PORT"
PIDFILE="$DIR/broker.pid"
LOG="$DIR/broker.log"
INFRA="$ROOT/test/infra/kafka"

install() {
  [ -f "$LIBS/.complete" ] && return 0
  command -v java >/dev/null || apt_install openjdk-17-jre-headless
  command -v mvn >/dev/null || apt_install maven
  exec 8>"$LIBS.lock"; flock 8
  if [ -f "$LIBS/.complete" ]; then exec 8>&-; return 0; fi
  echo "kafka: fetching jars from Maven Central into $LIBS" >&2
  mvn -q -B -f "$INFRA/pom.xml" org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy-dependencies \
    -DincludeScope=runtime -DoutputDirectory="$LIBS" >&2
  touch "$LIBS/.complete"
  exec 8>&-   # release the install lock: the broker started next must not inherit it
}

properties() {
  sed -e "s#@PORT@#$PORT#g" -e "s#@CONTROLLER@#$CONTROLLER#g" -e "s#@DATA@#$DIR/data#g" "$INFRA/server.properties" > "$DIR/server.properties"
}

started() { alive "$PIDFILE" || return 2; grep -q "Kafka Server started" "$LOG" 2>/dev/null && port_open "$PORT"; }

start() {
  install
  mkdir -p "$DIR"; lock "$DIR/ctl"
  if alive "$PIDFILE" && port_open "$PORT"; then echo "kafka: running on 127.0.0.1:$PORT (pid $(cat "$PIDFILE"))"; return 0; fi
  stop_pid "$PIDFILE"
  properties
  local cp="$LIBS/*"
  if [ ! -f "$DIR/data/meta.properties" ]; then
    java -Dlog4j.configuration="file:$INFRA/log4j.properties" -cp "$cp" kafka.tools.StorageTool format -t "$(java -Dlog4j.configuration="file:$INFRA/log4j.properties" -cp "$cp" kafka.tools.StorageTool random-uuid)" \
      -c "$DIR/server.properties" --ignore-formatted >>"$DIR/format.log" 2>&1
  fi
  : >"$LOG"
  # small heap: tests and CI share two cores and one broker per test file
  nohup java -Xms128m -Xmx384m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Djava.awt.headless=true \
    -Dlog4j.configuration="file:$INFRA/log4j.properties" -cp "$cp" kafka.Kafka "$DIR/server.properties" >>"$LOG" 2>&1 8>&- 9>&- &
  echo $! >"$PIDFILE"
  if ! wait_for 240 started || ! alive "$PIDFILE"; then
    echo "kafka: did not start within 240 s; see $LOG" >&2; tail -20 "$LOG" >&2; stop_pid "$PIDFILE"; exit 1
  fi
  echo "kafka: running on 127.0.0.1:$PORT (pid $(cat "$PIDFILE"), log $LOG)"
}

stop() {
  mkdir -p "$DIR"; lock "$DIR/ctl"
  stop_pid "$PIDFILE"
  echo "kafka: stopped ($PORT)"
}

case "${1:-}" in
  install) install ;;
  start) start ;;
  stop) stop ;;
  status) if alive "$PIDFILE" && port_open "$PORT"; then echo "kafka: running ($PORT)"; else echo "kafka: stopped ($PORT)"; exit 3; fi ;;
  reset) stop; rm -rf "$DIR" ;;
  *) echo "usage: $0 install|start|stop|status|reset" >&2; exit 2 ;;
esac
