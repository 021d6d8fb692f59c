#!/usr/bin/env bash
# bench/server.sh — load test of the license server (tollgate-server) with wrk, next to nginx.
#
# What it does, in one session on 127.0.0.1:
#   * builds the `tollgate-server` product in release mode into .build-bench/ (never
#     .build/), unless TOLLGATE_SERVER_BIN names a binary;
#   * writes a throwaway server.yml (tiers member/concurrency/pro, epochs [2, 1], rate
#     limits raised so that the bench never meets them, log_level warning) and a fresh
#     SQLite database in a temporary folder; the master key and the admin token are
#     random and live only in the environment;
#   * issues LICENSES pro licenses with `tollgate-server license issue --count`, and
#     activates each one once from its own device id (POST /v1/unlock), which gives one
#     device token per license;
#   * starts nginx (Debian package) on another port, serving a 4,096-byte JSON file (the
#     size of the server's request-body limit) as the baseline of what this machine can do;
#   * for nginx GET /limit.json, then POST /v1/refresh {"device_token"} and POST
#     /v1/unlock {"license_key", "device_id"} (the device id of the activation, so every
#     unlock reuses its slot: the read path), runs a WARMUP-second wrk warm-up and then
#     `wrk -t THREADS -c CONNECTIONS -d DURATION --latency`; the bodies rotate through
#     all licenses (bench/server_lua/rotate.lua);
#   * PostgreSQL: starts a private cluster on 127.0.0.1 (.ci/postgres; Debian's postgresql),
#     moves the licenses and devices there with `license export` / `license import`, starts
#     one instance on it and measures POST /v1/refresh again (pg-refresh), then a second
#     instance and measures the same through nginx in front of both, round robin
#     (pg-2x-nginx);
#   * prints a table: requests/s, p50 and p99 latency, responses >= 400 and socket
#     errors, the ratio to nginx's requests/s and the CPU time the serving processes used,
#     then the targets, the server's peak RSS (VmHWM) and a check of a few answers.
# Targets: refresh >= 20,000 req/s, unlock >= 3,000 req/s, p99 <= 10 ms for both; one
# instance on PostgreSQL serves refresh at >= 0.5 x the SQLite figure of the same run with
# p99 <= 10 ms; two instances behind nginx with p99 <= 10 ms and no error.
# PASS/FAIL is informational: the exit status is 0 unless something broke (build, setup,
# a crash of the server or of nginx, wrk failing).
#
# Usage: bench/server.sh
# Environment:
#   DURATION=S             seconds of each measured run (default 10)
#   WARMUP=S               seconds of the warm-up before each measured run (default 2)
#   CONNECTIONS=N          wrk connections (default 32)
#   THREADS=N              wrk threads (default 2)
#   LICENSES=N             licenses issued and rotated through (default 1000)
#   TOLLGATE_SERVER_BIN=F  use this tollgate-server binary instead of building one
#   SERVER_PORT, NGINX_PORT  ports on 127.0.0.1 (default: free ones)
#   POSTGRES=0             skip the PostgreSQL runs
#   KEEP_TMP=1             keep the temporary folder (config, database, logs, wrk output)
#   BUILD_TIMEOUT=S        upper bound of the release build in seconds (default 3600)
# Needs: swift, python3, curl, and the Debian packages wrk, nginx and postgresql (installed with
# apt-get when missing and running as root). No network is used apart from that install
# and swift's first dependency resolution on a clean clone.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DURATION=${DURATION:-10}
WARMUP=${WARMUP:-2}
CONNECTIONS=${CONNECTIONS:-32}
THREADS=${THREADS:-2}
LICENSES=${LICENSES:-1000}
BUILD_TIMEOUT=${BUILD_TIMEOUT:-3600}
LUA=$ROOT/bench/server_lua/rotate.lua
ORIGIN=http://127.0.0.1:8000
BODY_LIMIT=4096
TARGET_REFRESH=20000
TARGET_UNLOCK=3000
TARGET_P99_MS=10

usage() { sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"; }
die() { echo "server.sh: $*" >&2; exit 1; }

case ${1:-} in
    -h|--help) usage; exit 0 ;;
    '') ;;
    *) die "unknown argument '$1' (try --help); settings come from the environment" ;;
esac
for var in DURATION WARMUP CONNECTIONS THREADS LICENSES BUILD_TIMEOUT; do
    case ${!var} in ''|*[!0-9]*|0) die "$var must be a positive integer, got '${!var}'" ;; esac
done
[ "$CONNECTIONS" -ge "$THREADS" ] || die "CONNECTIONS ($CONNECTIONS) must be at least THREADS ($THREADS)"
[ -f "$LUA" ] || die "missing $LUA"

# ---------------------------------------------------------------- dependencies
missing=()
command -v wrk >/dev/null 2>&1 || missing+=(wrk)
command -v nginx >/dev/null 2>&1 || missing+=(nginx)
command -v curl >/dev/null 2>&1 || missing+=(curl)
POSTGRES=${POSTGRES:-1}
if [ "$POSTGRES" = 1 ] && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then missing+=(postgresql); fi
# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"
install_missing "${missing[@]+"${missing[@]}"}"
command -v python3 >/dev/null 2>&1 || die "python3 is required (license activation and checks)"
# Installing Debian's nginx may start the system's nginx on port 80; it does not matter
# here (the bench uses its own nginx on its own port), and it is left alone.

# ---------------------------------------------------------------- temporary folder, cleanup
TMP=$(mktemp -d "${TMPDIR:-/tmp}/tollgate-server-bench.XXXXXX")
# nginx's workers may run as nobody: they must be able to reach $TMP/www (nothing secret
# is written to disk: the master key and the admin token stay in the environment).
chmod 0711 "$TMP"
SERVER_PID=
NGINX_PID=
PG1_PID=
PG2_PID=
PG_DIR=
stop_pid() {  # PID SIGNAL SECONDS: signal, wait up to SECONDS, then SIGKILL
    local pid=$1 sig=$2 secs=$3 i
    [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 0
    kill "-$sig" "$pid" 2>/dev/null || true
    for ((i = 0; i < secs * 10; i++)); do
        kill -0 "$pid" 2>/dev/null || return 0
        sleep 0.1
    done
    echo "server.sh: pid $pid ignored SIG$sig for ${secs}s; killing it" >&2
    kill -KILL "$pid" 2>/dev/null || true
}
cleanup() {
    stop_pid "$NGINX_PID" QUIT 10
    stop_pid "$SERVER_PID" TERM 15
    stop_pid "$PG1_PID" TERM 15
    stop_pid "$PG2_PID" TERM 15
    [ -z "$PG_DIR" ] || "$ROOT/.ci/postgres" stop "$PG_DIR" || true
    if [ "${KEEP_TMP:-0}" = 1 ]; then
        echo "Temporary folder kept: $TMP"
    else
        rm -rf "$TMP"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------- release build
if [ -n "${TOLLGATE_SERVER_BIN:-}" ]; then
    [ -x "$TOLLGATE_SERVER_BIN" ] || die "TOLLGATE_SERVER_BIN=$TOLLGATE_SERVER_BIN is not an executable"
    SERVER=$(cd "$(dirname "$TOLLGATE_SERVER_BIN")" && pwd)/$(basename "$TOLLGATE_SERVER_BIN")
else
    command -v swift >/dev/null 2>&1 || die "swift is required to build tollgate-server (or set TOLLGATE_SERVER_BIN)"
    echo "Building tollgate-server (release) into $ROOT/.build-bench ..."
    echo "(the first release build of the server compiles NIO, Hummingbird and SQLite: several minutes on 2 cores)"
    build_start=$SECONDS
    if ! (cd "$ROOT" && timeout "$BUILD_TIMEOUT" swift build -c release --product tollgate-server --scratch-path "$ROOT/.build-bench") \
            > "$TMP/swift-build.log" 2>&1; then
        tail -n 40 "$TMP/swift-build.log" >&2
        die "swift build failed or timed out (if a file was 'modified during the build', run again)"
    fi
    echo "$(tail -n 1 "$TMP/swift-build.log") ($((SECONDS - build_start)) s)"
    SERVER=$(cd "$ROOT" && swift build -c release --scratch-path "$ROOT/.build-bench" --show-bin-path)/tollgate-server
    [ -x "$SERVER" ] || die "no tollgate-server binary at $SERVER"
fi

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}
SERVER_PORT=${SERVER_PORT:-$(free_port)}
NGINX_PORT=${NGINX_PORT:-$(free_port)}
[ "$SERVER_PORT" != "$NGINX_PORT" ] || NGINX_PORT=$(free_port)
# PostgreSQL, its two instances and nginx's front of them: ports that differ from the others.
other_port() {
    local port
    while :; do
        port=$(free_port)
        case " $* " in *" $port "*) ;; *) echo "$port"; return ;; esac
    done
}
PG_PORT=$(other_port "$SERVER_PORT" "$NGINX_PORT")
PG1_PORT=$(other_port "$SERVER_PORT" "$NGINX_PORT" "$PG_PORT")
PG2_PORT=$(other_port "$SERVER_PORT" "$NGINX_PORT" "$PG_PORT" "$PG1_PORT")
FRONT_PORT=$(other_port "$SERVER_PORT" "$NGINX_PORT" "$PG_PORT" "$PG1_PORT" "$PG2_PORT")

echo "server:    $SERVER"
if [ -z "${TOLLGATE_SERVER_BIN:-}" ] && command -v git >/dev/null 2>&1; then
    echo "source:    $(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo '?')"
fi
echo "wrk:       $(wrk --version 2>&1 | head -n 1 | cut -d' ' -f1-2)"
echo "nginx:     $(nginx -v 2>&1 | sed 's/^nginx version: //')"
echo "machine:   $(nproc) cores, $(uname -sr); wrk, nginx and the server share them"
echo "load:      $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?') (1/5/15-min load average at start)"
echo "runs:      wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s --latency, after a ${WARMUP}s warm-up; $LICENSES licenses"
echo

# ---------------------------------------------------------------- configuration and licenses
CONF=$TMP/server.yml
cat > "$CONF" <<EOF
# Written by bench/server.sh. The limits are raised so that the bench never meets them;
# production values are far lower (defaults: 120 requests a minute per client address,
# 10 unlock attempts a minute per license key).
listen: 127.0.0.1:$SERVER_PORT
database: $TMP/licenses.sqlite
tiers: [member, concurrency, pro]
epochs: [2, 1]
allowed_origins: [$ORIGIN]
limits:
  body_bytes: $BODY_LIMIT
  client_requests_per_minute: 1000000
  license_attempts_per_minute: 1000000
log_level: warning
EOF
TOLLGATE_MASTER_KEY=$(head -c 32 /dev/urandom | base64)
TOLLGATE_ADMIN_TOKEN=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
export TOLLGATE_MASTER_KEY TOLLGATE_ADMIN_TOKEN
unset STRIPE_WEBHOOK_SECRET

echo "Issuing $LICENSES pro licenses ..."
timeout 300 "$SERVER" license issue --config "$CONF" --tier pro --count "$LICENSES" \
    > "$TMP/keys.txt" 2> "$TMP/issue.log" \
    || { tail -n 20 "$TMP/issue.log" >&2; die "license issue failed"; }
issued=$(grep -c '^K' "$TMP/keys.txt" || true)
[ "$issued" -eq "$LICENSES" ] || die "license issue printed $issued keys, expected $LICENSES"

# ---------------------------------------------------------------- the server
"$SERVER" serve --config "$CONF" > "$TMP/server.log" 2>&1 &
SERVER_PID=$!
up=0
for _ in $(seq 1 300); do
    if curl -fsS -o /dev/null "http://127.0.0.1:$SERVER_PORT/healthz" 2>/dev/null; then up=1; break; fi
    kill -0 "$SERVER_PID" 2>/dev/null || break
    sleep 0.1
done
if [ "$up" -ne 1 ]; then
    tail -n 30 "$TMP/server.log" >&2
    die "tollgate-server did not answer /healthz within 30 s"
fi
server_alive() {
    kill -0 "$SERVER_PID" 2>/dev/null && return 0
    local rc=0
    wait "$SERVER_PID" || rc=$?
    SERVER_PID=
    echo "!! tollgate-server died (exit status $rc) $1. Its last log lines:" >&2
    tail -n 40 "$TMP/server.log" >&2
    exit 1
}
rss_kib() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0; }
RSS_START=$(rss_kib "$SERVER_PID" VmRSS)

# Activation and, at the end, the check of a few answers: small Python clients.
cat > "$TMP/client.py" <<'PY'
import collections, concurrent.futures, http.client, json, sys, threading

mode, port, origin = sys.argv[1], int(sys.argv[2]), sys.argv[3]
local = threading.local()

def post(path, body):
    data = body if isinstance(body, str) else json.dumps(body, separators=(",", ":"))
    for attempt in (0, 1):
        conn = getattr(local, "conn", None)
        if conn is None:
            conn = local.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        try:
            conn.request("POST", path, data, {"Content-Type": "application/json", "Origin": origin})
            response = conn.getresponse()
            payload = response.read()
            if response.getheader("Connection", "").lower() == "close":
                conn.close()
                local.conn = None
            return response.status, payload
        except (http.client.HTTPException, OSError):
            conn.close()
            local.conn = None
            if attempt:
                raise

def code(status, payload):
    try:
        return "%d %s" % (status, json.loads(payload)["error"]["code"])
    except Exception:
        return str(status)

if mode == "activate":
    keys_file, out_dir = sys.argv[4], sys.argv[5]
    keys = [line.strip() for line in open(keys_file) if line.strip()]

    def activate(i):
        device = "bench-device-%06d" % i
        status, payload = post("/v1/unlock", {"license_key": keys[i], "device_id": device})
        token = json.loads(payload).get("device_token") if status == 200 else None
        return i, device, status, payload, token

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        results = list(pool.map(activate, range(len(keys))))
    failures = collections.Counter(code(s, p) for _, _, s, p, t in results if s != 200 or not t)
    if failures:
        sys.exit("activation failed: " + ", ".join("%s x%d" % kv for kv in failures.items()))
    with open(out_dir + "/refresh.bodies", "w") as refresh, open(out_dir + "/unlock.bodies", "w") as unlock, \
            open(out_dir + "/tokens.txt", "w") as tokens:
        for i, device, _, _, token in results:
            refresh.write(json.dumps({"device_token": token}, separators=(",", ":")) + "\n")
            unlock.write(json.dumps({"license_key": keys[i], "device_id": device}, separators=(",", ":")) + "\n")
            tokens.write(token + "\n")
    print("activated %d licenses (one device each)" % len(results))
elif mode == "check":
    # Sends a sample of the bench's bodies once more and reports what came back.
    out_dir, sample = sys.argv[4], int(sys.argv[5])
    tokens = [line.strip() for line in open(out_dir + "/tokens.txt")]
    problems = 0
    for name in ("refresh", "unlock"):
        bodies = [line.strip() for line in open(out_dir + "/%s.bodies" % name) if line.strip()]
        step = max(1, len(bodies) // sample)
        statuses = collections.Counter()
        odd = collections.Counter()
        for i in range(0, len(bodies), step):
            status, payload = post("/v1/" + name, bodies[i])
            statuses[code(status, payload)] += 1
            if status != 200:
                continue
            answer = json.loads(payload)
            if answer.get("device_token") != tokens[i]:
                odd["device token differs from the activation's"] += 1
            if answer.get("devices", {}).get("in_use") != 1:
                odd["devices.in_use = %r, expected 1" % answer.get("devices", {}).get("in_use")] += 1
            if len(answer.get("keys", [])) != 2:
                odd["%d keys, expected 2 (pro x epochs 2, 1)" % len(answer.get("keys", []))] += 1
        problems += sum(n for s, n in statuses.items() if not s.startswith("200")) + sum(odd.values())
        print("  %-8s %s%s" % (name, ", ".join("%s x%d" % kv for kv in sorted(statuses.items())),
                               "".join("; %s x%d" % kv for kv in sorted(odd.items()))))
    sys.exit(1 if problems else 0)
PY

echo "Activating each license once (POST /v1/unlock, 8 client threads) ..."
act_start=$SECONDS
timeout 600 python3 "$TMP/client.py" activate "$SERVER_PORT" "$ORIGIN" "$TMP/keys.txt" "$TMP" \
    || { server_alive "during activation"; tail -n 20 "$TMP/server.log" >&2; die "activation failed"; }
echo "  ($((SECONDS - act_start)) s)"
server_alive "during activation"

# ---------------------------------------------------------------- nginx
mkdir -p "$TMP/www" "$TMP/nginx/logs" "$TMP/nginx/temp"
chmod 0755 "$TMP/www"
python3 - "$TMP/www/limit.json" "$BODY_LIMIT" <<'PY'
import json, sys
path, size = sys.argv[1], int(sys.argv[2])
head = '{"padding":"'
tail = '"}\n'
text = head + "x" * (size - len(head) - len(tail)) + tail
json.loads(text)
assert len(text.encode()) == size
open(path, "w").write(text)
PY
chmod 0644 "$TMP/www/limit.json"
cat > "$TMP/nginx/nginx.conf" <<EOF
# Written by bench/server.sh: a static file, nothing else.
daemon off;
master_process on;
worker_processes auto;
pid $TMP/nginx/nginx.pid;
error_log $TMP/nginx/logs/error.log warn;
events {
    worker_connections 1024;
}
http {
    access_log off;
    types { application/json json; }
    default_type application/octet-stream;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 1000000;
    client_body_temp_path $TMP/nginx/temp/client;
    proxy_temp_path $TMP/nginx/temp/proxy;
    fastcgi_temp_path $TMP/nginx/temp/fastcgi;
    uwsgi_temp_path $TMP/nginx/temp/uwsgi;
    scgi_temp_path $TMP/nginx/temp/scgi;
    server {
        listen 127.0.0.1:$NGINX_PORT;
        root $TMP/www;
    }
    # The front of the two PostgreSQL instances (pg-2x-nginx), round robin.
    upstream tollgate_instances {
        server 127.0.0.1:$PG1_PORT;
        server 127.0.0.1:$PG2_PORT;
        keepalive 64;
    }
    server {
        listen 127.0.0.1:$FRONT_PORT;
        location / {
            proxy_pass http://tollgate_instances;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
        }
    }
}
EOF
nginx -p "$TMP/nginx" -e "$TMP/nginx/logs/error.log" -c "$TMP/nginx/nginx.conf" > "$TMP/nginx/logs/stdout.log" 2>&1 &
NGINX_PID=$!
up=0
for _ in $(seq 1 100); do
    if curl -fsS -o /dev/null "http://127.0.0.1:$NGINX_PORT/limit.json" 2>/dev/null; then up=1; break; fi
    kill -0 "$NGINX_PID" 2>/dev/null || break
    sleep 0.1
done
if [ "$up" -ne 1 ]; then
    cat "$TMP/nginx/logs/stdout.log" "$TMP/nginx/logs/error.log" >&2 2>/dev/null || true
    die "nginx did not serve /limit.json within 10 s"
fi

# Response sizes (bodies), for the record: nginx sends 4,096 bytes, the server far less.
post_size() {  # PATH BODY
    curl -sS -o /dev/null -w '%{http_code} %{size_download}' -X POST "http://127.0.0.1:$SERVER_PORT$1" \
        -H 'Content-Type: application/json' -H "Origin: $ORIGIN" --data-binary "$2"
}
SIZE_NGINX=$(curl -sS -o /dev/null -w '%{http_code} %{size_download}' "http://127.0.0.1:$NGINX_PORT/limit.json")
SIZE_REFRESH=$(post_size /v1/refresh "$(head -n 1 "$TMP/refresh.bodies")")
SIZE_UNLOCK=$(post_size /v1/unlock "$(head -n 1 "$TMP/unlock.bodies")")
for s in "$SIZE_NGINX" "$SIZE_REFRESH" "$SIZE_UNLOCK"; do
    [ "${s%% *}" = 200 ] || die "a probe request got HTTP ${s%% *} instead of 200 (nginx: $SIZE_NGINX, refresh: $SIZE_REFRESH, unlock: $SIZE_UNLOCK)"
done
echo

# ---------------------------------------------------------------- measurements
CLK_TCK=$(getconf CLK_TCK)
# CPU ticks (user + system) of the given processes; fields 14 and 15 of /proc/PID/stat,
# counted after the command name, which is in parentheses and may hold spaces.
cpu_ticks() {
    local total=0 pid t
    for pid in "$@"; do
        t=$(sed 's/^.*) //' "/proc/$pid/stat" 2>/dev/null | awk '{ print $12 + $13 }') || t=0
        total=$((total + ${t:-0}))
    done
    echo "$total"
}
serving_pids() {  # the processes that serve an endpoint
    case $1 in
        nginx) echo "$NGINX_PID $(pgrep -P "$NGINX_PID" | tr '\n' ' ')" ;;
        pg-refresh) echo "$PG1_PID" ;;
        pg-2x-nginx) echo "$PG1_PID $PG2_PID $NGINX_PID $(pgrep -P "$NGINX_PID" | tr '\n' ' ')" ;;
        *) echo "$SERVER_PID" ;;
    esac
}
# wrk prints latencies as 812.00us, 1.23ms, 1.02s, 1.00m: to milliseconds.
to_ms() {
    awk -v v="$1" 'BEGIN {
        n = v; sub(/[a-z]+$/, "", n); u = v; sub(/^[0-9.]+/, "", u)
        f = (u == "us") ? 0.001 : (u == "ms") ? 1 : (u == "s") ? 1000 : (u == "m") ? 60000 : (u == "h") ? 3600000 : -1
        if (f < 0 || n == "") print "nan"; else printf "%.2f", n * f }'
}

RESULTS=$TMP/results
: > "$RESULTS"
FAILED=0
# measure NAME URL [BODIES]: warm-up, then the measured run; appends a row to $RESULTS.
# With BODIES, the requests are POSTs of its lines in rotation (rotate.lua).
measure() {
    local name=$1 url=$2 bodies=${3:-}
    local target=("$url")
    [ -z "$bodies" ] || target=(-s "$LUA" "$url" -- "$bodies" "$ORIGIN")
    local out=$TMP/wrk-$name.txt rc=0 pids t0 t1 wall rps p50 p99 non2xx sock sockdetail total cpu_pct cpu_us wrk_cpu
    echo "== $name: $url"
    timeout $((WARMUP + 30)) wrk -t"$THREADS" -c"$CONNECTIONS" -d"${WARMUP}s" "${target[@]}" > "$TMP/wrk-$name-warmup.txt" 2>&1 || rc=$?
    if [ "$rc" -ne 0 ]; then
        echo "!! wrk warm-up for $name failed (exit $rc):" >&2; cat "$TMP/wrk-$name-warmup.txt" >&2
        FAILED=1; return 1
    fi
    [ "$name" = nginx ] || server_alive "during the $name warm-up"
    pids=$(serving_pids "$name")
    # shellcheck disable=SC2086
    t0=$(cpu_ticks $pids)
    local TIMEFORMAT='%R %U %S'
    { time timeout $((DURATION + 30)) wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency "${target[@]}" > "$out" 2>&1 || rc=$?; } 2> "$out.time"
    # shellcheck disable=SC2086
    t1=$(cpu_ticks $pids)
    sed 's/^/    /' "$out"
    if [ "$rc" -ne 0 ] || ! grep -q '^Requests/sec:' "$out"; then
        echo "!! wrk for $name failed (exit $rc)" >&2
        FAILED=1; return 1
    fi
    [ "$name" = nginx ] || server_alive "during the $name run"
    rps=$(awk '/^Requests\/sec:/ { print $2 }' "$out")
    p50=$(to_ms "$(awk '$1 == "50%" { print $2; exit }' "$out")")
    p99=$(to_ms "$(awk '$1 == "99%" { print $2; exit }' "$out")")
    non2xx=$(awk '/Non-2xx or 3xx responses:/ { print $NF }' "$out"); non2xx=${non2xx:-0}
    sockdetail=$(sed -n 's/^ *Socket errors: //p' "$out")
    sock=$(printf '%s' "$sockdetail" | tr -c '0-9\n' ' ' | awk '{ for (i = 1; i <= NF; i++) s += $i } END { print s + 0 }')
    total=$(awk '/ requests in / { print $1; exit }' "$out")
    read -r wall _ _ < "$out.time"
    wrk_cpu=$(awk '{ if ($1 > 0) printf "%.0f", ($2 + $3) / $1 * 100; else print "nan" }' "$out.time")
    cpu_pct=$(awk -v a="$t0" -v b="$t1" -v hz="$CLK_TCK" -v w="$wall" 'BEGIN { printf "%.0f", (b - a) / hz / w * 100 }')
    cpu_us=$(awk -v a="$t0" -v b="$t1" -v hz="$CLK_TCK" -v n="$total" 'BEGIN { if (n > 0) printf "%.1f", (b - a) / hz / n * 1e6; else print "nan" }')
    printf '%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s\n' "$name" "$rps" "$p50" "$p99" "$non2xx" "$sock" "${sockdetail:-none}" "$total" "$cpu_pct" "$cpu_us" "$wrk_cpu" >> "$RESULTS"
    echo
}

measure nginx "http://127.0.0.1:$NGINX_PORT/limit.json" || true
measure refresh "http://127.0.0.1:$SERVER_PORT/v1/refresh" "$TMP/refresh.bodies" || true
measure unlock "http://127.0.0.1:$SERVER_PORT/v1/unlock" "$TMP/unlock.bodies" || true
server_alive "after the runs"

# ---------------------------------------------------------------- PostgreSQL
# start_instance PORT LOG: tollgate-server serve on the PostgreSQL configuration; prints its pid.
start_instance() {
    sed "s/^listen: .*/listen: 127.0.0.1:$1/" "$PG_CONF" > "$TMP/pg-$1.yml"
    "$SERVER" serve --config "$TMP/pg-$1.yml" > "$2" 2>&1 &
    local pid=$! i
    for ((i = 0; i < 300; i++)); do
        if curl -fsS -o /dev/null "http://127.0.0.1:$1/healthz" 2>/dev/null; then echo "$pid"; return 0; fi
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    tail -n 30 "$2" >&2
    return 1
}
if [ "$POSTGRES" = 1 ]; then
    echo "PostgreSQL: a private cluster on 127.0.0.1:$PG_PORT (.ci/postgres; fsync off: a throwaway cluster) ..."
    PG_DIR=$TMP/postgres
    PG_URL=$("$ROOT/.ci/postgres" start "$PG_DIR" "$PG_PORT") || die "could not start PostgreSQL"
    PG_CONF=$TMP/pg.yml
    sed -e "s|^database: .*|database: $PG_URL\ndatabase_tls: disable|" "$CONF" > "$PG_CONF"
    echo "  $("$SERVER" migrate --config "$PG_CONF")"
    "$SERVER" license export --config "$CONF" --output "$TMP/licenses.jsonl" 2> "$TMP/export.log" || { cat "$TMP/export.log" >&2; die "license export failed"; }
    "$SERVER" license import --config "$PG_CONF" "$TMP/licenses.jsonl" 2> "$TMP/import.log" || { cat "$TMP/import.log" >&2; die "license import failed"; }
    echo "  $(cat "$TMP/export.log"); $(cat "$TMP/import.log")"
    PG1_PID=$(start_instance "$PG1_PORT" "$TMP/pg1.log") || die "the first PostgreSQL instance did not answer /healthz within 30 s"
    echo
    measure pg-refresh "http://127.0.0.1:$PG1_PORT/v1/refresh" "$TMP/refresh.bodies" || true
    kill -0 "$PG1_PID" 2>/dev/null || { tail -n 30 "$TMP/pg1.log" >&2; die "the PostgreSQL instance died during its run"; }
    PG2_PID=$(start_instance "$PG2_PORT" "$TMP/pg2.log") || die "the second PostgreSQL instance did not answer /healthz within 30 s"
    measure pg-2x-nginx "http://127.0.0.1:$FRONT_PORT/v1/refresh" "$TMP/refresh.bodies" || true
    for pid in "$PG1_PID" "$PG2_PID"; do
        kill -0 "$pid" 2>/dev/null || { cat "$TMP/pg1.log" "$TMP/pg2.log" >&2; die "a PostgreSQL instance died during the runs"; }
    done
    stop_pid "$PG1_PID" TERM 15; stop_pid "$PG2_PID" TERM 15
    PG1_PID=; PG2_PID=
fi
kill -0 "$NGINX_PID" 2>/dev/null || { echo "!! nginx died during the runs" >&2; FAILED=1; }

RSS_PEAK=$(rss_kib "$SERVER_PID" VmHWM)
RSS_END=$(rss_kib "$SERVER_PID" VmRSS)
echo "Check: a sample of the bench's bodies sent once more (status and error code; the device"
echo "token, devices.in_use and key count compared with the activation):"
CHECK_OK=1
timeout 120 python3 "$TMP/client.py" check "$SERVER_PORT" "$ORIGIN" "$TMP" 50 || CHECK_OK=0
server_alive "during the check"
LOG_LINES=$(grep -c . "$TMP/server.log" || true)

# Graceful stop, timed: in-flight requests finish, then the process exits.
stop_start=$(date +%s.%N)
kill -TERM "$SERVER_PID" 2>/dev/null || true
stop_rc=0
for _ in $(seq 1 150); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$SERVER_PID" 2>/dev/null; then
    STOP_NOTE="did not exit within 15 s of SIGTERM (killed)"
    kill -KILL "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
else
    wait "$SERVER_PID" || stop_rc=$?
    STOP_NOTE="exited with status $stop_rc $(awk -v a="$stop_start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }') s after SIGTERM"
fi
SERVER_PID=
echo

# ---------------------------------------------------------------- report
echo "load at end: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?') (above $(nproc) means other work shared the cores)"
echo
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
# 21345.67 -> 21,346 (whatever the locale)
commas() { awk -v v="$1" 'BEGIN { s = sprintf("%.0f", v); while (s ~ /[0-9][0-9][0-9][0-9]/) sub(/[0-9][0-9][0-9]($|,)/, ",&", s); print s }'; }
field() { awk -F'|' -v n="$1" -v f="$2" '$1 == n { print $f }' "$RESULTS"; }
nginx_rps=$(field nginx 2)
label() {
    case $1 in
        nginx) echo "nginx GET /limit.json (4,096 B static)" ;;
        refresh) echo "tollgate POST /v1/refresh" ;;
        unlock) echo "tollgate POST /v1/unlock (slot reused)" ;;
        pg-refresh) echo "PostgreSQL, 1 instance: /v1/refresh" ;;
        pg-2x-nginx) echo "PostgreSQL, 2 behind nginx: /v1/refresh" ;;
    esac
}
if [ -s "$RESULTS" ]; then
    echo "Results (wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s, $LICENSES licenses in rotation):"
    echo
    printf '| %-39s | %10s | %7s | %7s | %8s | %13s | %8s | %11s | %10s |\n' \
        endpoint "requests/s" "p50 ms" "p99 ms" "non-2xx" "socket errors" "vs nginx" "server CPU" "CPU µs/req"
    printf '|%s|%s|%s|%s|%s|%s|%s|%s|%s|\n' "-----------------------------------------" "-----------:" "--------:" \
        "--------:" "---------:" "--------------:" "---------:" "------------:" "-----------:"
    while IFS='|' read -r name rps p50 p99 non2xx sock _ _ cpu_pct cpu_us _; do
        printf '| %-39s | %10s | %7s | %7s | %8s | %13s | %8s | %10s%% | %10s |\n' "$(label "$name")" \
            "$(commas "$rps")" "$p50" "$p99" "$non2xx" "$sock" \
            "$([ -n "$nginx_rps" ] && ratio "$rps" "$nginx_rps" || echo n/a)" "$cpu_pct" "$cpu_us"
    done < "$RESULTS"
    echo
    echo "non-2xx: wrk's \"Non-2xx or 3xx responses\" (it counts statuses >= 400). socket errors:"
    echo "connect + read + write + timeout ($(while IFS='|' read -r name _ _ _ _ _ d _; do printf '%s: %s; ' "$name" "$d"; done < "$RESULTS" | sed 's/; $//'))."
    echo "vs nginx: requests/s divided by nginx's. server CPU: CPU time (user + system) of the"
    echo "serving processes (tollgate-server, or nginx's master and workers) over the run's wall"
    echo "time, $(nproc) cores = $(($(nproc) * 100)) %. wrk's own CPU in the same runs: $(while IFS='|' read -r name _ _ _ _ _ _ _ _ _ w; do printf '%s %s %%, ' "$name" "$w"; done < "$RESULTS" | sed 's/, $//')."
    echo "Responses (status, body bytes): nginx $SIZE_NGINX, refresh $SIZE_REFRESH, unlock $SIZE_UNLOCK."
    echo
    verdict() { if awk -v v="$1" -v t="$2" -v op="$3" 'BEGIN { exit !(op == "ge" ? v >= t : v <= t) }'; then echo PASS; else echo FAIL; fi; }
    echo "Targets (informational):"
    for name in refresh unlock; do
        rps=$(field "$name" 2); p99=$(field "$name" 4)
        [ -n "$rps" ] || { echo "  $name: not measured"; continue; }
        goal=$([ "$name" = refresh ] && echo "$TARGET_REFRESH" || echo "$TARGET_UNLOCK")
        echo "  $name: $(commas "$rps") req/s (target >= $(commas "$goal")): $(verdict "$rps" "$goal" ge);" \
            "p99 $p99 ms (target <= $TARGET_P99_MS ms): $(verdict "$p99" "$TARGET_P99_MS" le)"
    done
    sqlite_rps=$(field refresh 2)
    rps=$(field pg-refresh 2)
    if [ -n "$rps" ] && [ -n "$sqlite_rps" ]; then
        half=$(awk -v v="$sqlite_rps" 'BEGIN { print v / 2 }')
        echo "  pg-refresh: $(commas "$rps") req/s = $(ratio "$rps" "$sqlite_rps") x SQLite (target >= 0.5 x = $(commas "$half")): $(verdict "$rps" "$half" ge);" \
            "p99 $(field pg-refresh 4) ms (target <= $TARGET_P99_MS ms): $(verdict "$(field pg-refresh 4)" "$TARGET_P99_MS" le)"
    fi
    if [ -n "$(field pg-2x-nginx 2)" ]; then
        errors=$(( $(field pg-2x-nginx 5) + $(field pg-2x-nginx 6) ))
        echo "  pg-2x-nginx: $(commas "$(field pg-2x-nginx 2)") req/s; p99 $(field pg-2x-nginx 4) ms (target <= $TARGET_P99_MS ms):" \
            "$(verdict "$(field pg-2x-nginx 4)" "$TARGET_P99_MS" le); $errors error(s) (target 0): $(verdict "$errors" 0 le)"
    fi
fi
echo
echo "tollgate-server memory: VmRSS $(awk -v k="$RSS_START" 'BEGIN { printf "%.1f", k / 1024 }') MiB after start," \
    "$(awk -v k="$RSS_END" 'BEGIN { printf "%.1f", k / 1024 }') MiB at the end; peak (VmHWM) $(awk -v k="$RSS_PEAK" 'BEGIN { printf "%.1f", k / 1024 }') MiB"
echo "tollgate-server $STOP_NOTE; $LOG_LINES log line(s) at level warning or above$([ "$LOG_LINES" -gt 0 ] && echo ':' || echo '.')"
[ "$LOG_LINES" -eq 0 ] || sed -n '1,20p' "$TMP/server.log" | sed 's/^/    /'
[ "$CHECK_OK" -eq 1 ] || echo "!! the check after the runs found answers other than the expected 200s (above)" >&2

if [ "$FAILED" -ne 0 ]; then
    echo "server.sh: a run failed; see the output above" >&2
    exit 1
fi
