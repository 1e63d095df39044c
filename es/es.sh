#!/usr/bin/env bash
# Start and stop the single Elasticsearch node that development and the tests use (DESIGN.md §10).
#
# Usage: es/es.sh start|stop|status|url
#   start   fetch the distribution once (Maven, es/pom.xml), start the node bound to 127.0.0.1,
#           wait for yellow health and print its URL on stdout. Does nothing if already running.
#   stop    stop the node this script started; succeeds when none runs.
#   status  print the URL and exit 0 when our node runs and is healthy, else exit 1.
#   url     print the URL the node listens on (whether or not it runs).
# Progress lines go to stderr, so `url=$(es/es.sh start)` captures just the URL.
# Exit codes: 0 ok, 3 no Java 17+ found (callers may skip Elasticsearch), 2 usage, 1 other failure.
#
# The integ-test-zip (es/pom.xml) holds only the core server: no painless scripts, no
# analysis-common (asciifolding, edge_ngram, synonym, the language analyzers), no _reindex or
# _delete_by_query, no search_as_you_type. The standard analyzer, lowercase, geo_point, fuzziness
# and function_score decay do work.
#
# Environment:
#   RESDIR_ES_PORT   HTTP port (9200)           RESDIR_ES_HEAP  JVM heap (512m)
#   RESDIR_ES_STATE  data, logs, config, pid file (<repo>/instance/elasticsearch; as root
#                    /var/lib/resdir/elasticsearch-<port>)
#   RESDIR_ES_CACHE  unpacked distribution ($HOME/.cache/resdir/elasticsearch; as root
#                    /var/cache/resdir/elasticsearch, because the node user cannot enter /root)
#   ES_JAVA_HOME, JAVA_HOME  tried before /usr/lib/jvm/java-17-openjdk-amd64 and `java` on PATH.
#
# Elasticsearch refuses to run as root: as root the node runs as the system user resdir-es,
# created when missing, and owns everything under RESDIR_ES_STATE.
set -euo pipefail
umask 022 # the node user must be able to read the shared distribution

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PORT=${RESDIR_ES_PORT:-9200}
HEAP=${RESDIR_ES_HEAP:-512m}
# Absolute paths: they go into elasticsearch.yml and identify our node (see our_pid).
# As root, the node user must reach both wherever the checkout is (a private home, often), so
# they live in system directories then.
if [[ $EUID -eq 0 ]]; then
  DEFAULT_CACHE=/var/cache/resdir/elasticsearch
  DEFAULT_STATE=/var/lib/resdir/elasticsearch-$PORT
else
  DEFAULT_CACHE=$HOME/.cache/resdir/elasticsearch
  DEFAULT_STATE=$(dirname "$HERE")/instance/elasticsearch
fi
STATE=$(realpath -m "${RESDIR_ES_STATE:-$DEFAULT_STATE}")
CACHE=$(realpath -m "${RESDIR_ES_CACHE:-$DEFAULT_CACHE}")
VERSION=$(sed -n 's:.*<es.version>\(.*\)</es.version>.*:\1:p' "$HERE/pom.xml")
ES_HOME=$CACHE/elasticsearch-$VERSION
URL=http://127.0.0.1:$PORT
PID_FILE=$STATE/elasticsearch.pid
CLUSTER=resdir-dev
NODE_USER=resdir-es
MIN_JAVA=17
START_TIMEOUT=120 # seconds, from launch to yellow health
STOP_TIMEOUT=30   # seconds of SIGTERM grace before SIGKILL

say() { echo "es: $*" >&2; }
die() { say "$*"; exit 1; }

# Print the first Java home (ES_JAVA_HOME, JAVA_HOME, the Debian JDK 17, PATH) of version >= 17.
find_java() {
  local home major path_java
  path_java=$(command -v java || true)
  for home in "${ES_JAVA_HOME:-}" "${JAVA_HOME:-}" /usr/lib/jvm/java-17-openjdk-amd64 \
    "${path_java:+$(dirname "$(dirname "$(readlink -f "$path_java")")")}"; do
    [[ -n $home && -x $home/bin/java ]] || continue
    # Like: openjdk version "17.0.15" 2025-04-15 ("1.8.0_392" for old ones). Not always the first
    # line: JAVA_TOOL_OPTIONS makes the JVM print "Picked up ..." before it.
    major=$("$home/bin/java" -version 2>&1 | sed -n 's/.* version "\([0-9]*\).*/\1/p' | head -n 1)
    if [[ -n $major && $major -ge $MIN_JAVA ]]; then echo "$home"; return 0; fi
  done
  return 1
}

# Print the pid of the node this script started, if it is alive. Checking the process's
# ES_PATH_CONF guards against a stale pid file whose pid now belongs to another process.
our_pid() {
  local pid
  pid=$(cat "$PID_FILE" 2>/dev/null) || return 1
  [[ $pid =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null || return 1
  tr '\0' '\n' <"/proc/$pid/environ" 2>/dev/null | grep -qxF "ES_PATH_CONF=$STATE/config" || return 1
  echo "$pid"
}

# Succeed when the node answers with yellow or green health within $1 seconds (default 1).
# Retrying refused connections covers a node that has not bound its HTTP port yet.
healthy() {
  local secs=${1:-1}
  curl -fsS -o /dev/null --max-time $((secs + 5)) --retry-connrefused --retry "$secs" \
    --retry-delay 1 --retry-max-time "$secs" \
    "$URL/_cluster/health?wait_for_status=yellow&timeout=${secs}s" 2>/dev/null
}

port_in_use() { (: <"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; }

# Unpack the distribution into the cache once; the rename makes a half-finished unpack invisible.
fetch() {
  [[ -x $ES_HOME/bin/elasticsearch ]] && return 0
  command -v mvn >/dev/null || die "mvn not found; it is needed once to fetch Elasticsearch $VERSION"
  say "fetching Elasticsearch $VERSION through Maven (once, about 110 MB) into $CACHE"
  mkdir -p "$CACHE"
  local tmp
  tmp=$(mktemp -d "$CACHE/.unpack.XXXXXX")
  # Maven's output is kept for a failure only: -q alone still prints colour codes.
  if ! mvn -B -q -f "$HERE/pom.xml" -Des.unpackDir="$tmp" dependency:unpack >"$tmp.log" 2>&1; then
    cat "$tmp.log" >&2
    rm -rf "$tmp" "$tmp.log"
    die "Maven could not fetch org.elasticsearch.distribution.integ-test-zip:elasticsearch:$VERSION"
  fi
  rm -f "$tmp.log"
  mv -T "$tmp/elasticsearch-$VERSION" "$ES_HOME" 2>/dev/null || [[ -x $ES_HOME/bin/elasticsearch ]]
  rm -rf "$tmp"
}

# Write the node's own config directory (ES_PATH_CONF), so the cached distribution stays pristine.
configure() {
  # Logs are per run (the node appends otherwise), so a failure shows only this run's lines;
  # tmp replaces the /tmp/elasticsearch-<random> directory each run would otherwise leave behind.
  rm -rf "$STATE/logs" "$STATE/tmp"
  mkdir -p "$STATE/data" "$STATE/logs" "$STATE/config" "$STATE/tmp"
  : >"$STATE/logs/launcher.log" # created here so that it is chowned with the rest
  cp -R "$ES_HOME/config/." "$STATE/config/"
  cat >"$STATE/config/elasticsearch.yml" <<EOF
# Written by es/es.sh on every start; edits are lost.
cluster.name: $CLUSTER
node.name: $CLUSTER-1
network.host: 127.0.0.1
http.port: $PORT
discovery.type: single-node
xpack.security.enabled: false
path.data: $STATE/data
path.logs: $STATE/logs
# A nearly full CI disk must not turn the test indices read-only.
cluster.routing.allocation.disk.threshold_enabled: false
EOF
}

# As root, give the state to the unprivileged node user (created when missing) and check that
# it can reach both the distribution and the state.
as_node_user() {
  [[ $EUID -eq 0 ]] || return 0
  id -u "$NODE_USER" >/dev/null 2>&1 || useradd --system --no-create-home "$NODE_USER"
  chown -R "$NODE_USER:" "$STATE"
  runuser -u "$NODE_USER" -- test -r "$ES_HOME/lib" -a -w "$STATE/data" ||
    die "user $NODE_USER cannot read $ES_HOME or write $STATE;" \
      "set RESDIR_ES_CACHE and RESDIR_ES_STATE to directories outside a private home"
}

fail_start() {
  say "$1; the logs end with:"
  tail -n 20 "$STATE/logs/launcher.log" "$STATE/logs/$CLUSTER.log" >&2 2>/dev/null || true
  stop >/dev/null 2>&1 || true
  exit 1
}

start() {
  [[ $PORT =~ ^[0-9]+$ ]] || die "RESDIR_ES_PORT must be a port number, not '$PORT'"
  if our_pid >/dev/null; then
    healthy "$START_TIMEOUT" || die "our node (pid $(our_pid)) runs but is not healthy at $URL"
    say "already running"
    echo "$URL"
    return 0
  fi
  port_in_use && die "port $PORT is taken by another process; set RESDIR_ES_PORT to a free port"
  local java
  java=$(find_java) || { echo "es: Java $MIN_JAVA+ not found (set ES_JAVA_HOME or JAVA_HOME)" >&2; exit 3; }
  fetch
  configure
  as_node_user
  local run=()
  [[ $EUID -eq 0 ]] && run=(runuser -u "$NODE_USER" --)
  say "starting Elasticsearch $VERSION on $URL (Java $java, heap $HEAP)"
  local began=$SECONDS
  rm -f "$PID_FILE"
  # -d returns once the node has started (or failed); -p records the server JVM's pid for stop.
  # 9>&-: the node must not inherit the lock, or it would hold it for as long as it runs.
  "${run[@]}" env ES_JAVA_HOME="$java" ES_PATH_CONF="$STATE/config" ES_TMPDIR="$STATE/tmp" \
    ES_JAVA_OPTS="-Xms$HEAP -Xmx$HEAP" timeout "$START_TIMEOUT" \
    "$ES_HOME/bin/elasticsearch" -d -p "$PID_FILE" >"$STATE/logs/launcher.log" 2>&1 9>&- ||
    fail_start "the node did not start"
  local left=$((START_TIMEOUT - (SECONDS - began)))
  ((left > 0)) && healthy "$left" || fail_start "no yellow health within ${START_TIMEOUT}s"
  say "ready in $((SECONDS - began))s"
  echo "$URL"
}

stop() {
  local pid i
  if ! pid=$(our_pid); then
    rm -f "$PID_FILE"
    say "not running"
    return 0
  fi
  kill -TERM "$pid"
  for ((i = 0; i < STOP_TIMEOUT * 2; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.5
  done
  if kill -0 "$pid" 2>/dev/null; then
    say "no exit after ${STOP_TIMEOUT}s; killing pid $pid"
    kill -KILL "$pid"
    while kill -0 "$pid" 2>/dev/null; do sleep 0.2; done
  fi
  rm -f "$PID_FILE"
  say "stopped"
}

# Serialise start and stop: concurrent starts would race for one port, data dir and pid file.
lock() {
  mkdir -p "$STATE"
  exec 9>"$STATE/.lock"
  flock 9
}

case ${1:-} in
  start) lock && start ;;
  stop) lock && stop ;;
  status) our_pid >/dev/null && healthy && echo "$URL" ;;
  url) echo "$URL" ;;
  *) echo "usage: $0 start|stop|status|url" >&2; exit 2 ;;
esac
