#!/usr/bin/env bash
# The network benchmarks of issue 6, against the real ocspd in demo mode (a generated PKI, a local
# `openssl ocsp` responder, OCSP enabled), on loopback ports chosen free for the run:
#   1. GET /v1/ocsp/status over plain HTTP, ocspd vs nginx serving the same JSON bytes from a file
#      (wrk, the same request and headers to both, interleaved rounds); goals: requests/s >= 1.0x
#      nginx, p99 <= 2x nginx.
#   2. ocspd's UNIX socket vs its TCP listener (bench_load, both in one process, interleaved rounds);
#      goal: UNIX >= 1.2x TCP in requests/s.
#   3. ocspd's resident memory (VmRSS) idle, then after every million requests up to ten million, on a
#      freshly started ocspd; goal: no growth from the 2nd million to the last.
#
#   benchmarks/http.sh [--quick] [--duration S] [--rounds R] [--connections N] [--mem-step N]
#                      [--mem-steps K] [--io-threads T] [--handler-threads H] [--nginx-workers W]
#                      [BUILD_DIR]
#
# BUILD_DIR (default build/release) holds adapters/ocspd/ocspd and benchmarks/bench_load. --quick is
# the CI smoke run: 1 s, 1 round, 3 x 20,000 requests for memory. The markdown goes to stdout,
# progress to stderr. Exit status 1 when a contender answered anything but 200 (or a tool failed);
# a goal that is not met is reported, not an error: this machine is shared and noisy, so the
# figures are ratios between contenders measured in the same run. Needs nginx, wrk and curl
# (scripts/install-deps). Every process it starts is stopped on exit.
set -euo pipefail

duration=5
rounds=5
connections=64
mem_step=1000000
mem_steps=10
handler_threads=2
io_threads=$(nproc 2>/dev/null || echo 2)
nginx_workers=
quick=0
build=

usage() {
  sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//' >&2
  exit 2
}
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) quick=1; duration=1; rounds=1; mem_step=20000; mem_steps=3; shift ;;
    --duration) duration=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --connections) connections=$2; shift 2 ;;
    --mem-step) mem_step=$2; shift 2 ;;
    --mem-steps) mem_steps=$2; shift 2 ;;
    --handler-threads) handler_threads=$2; shift 2 ;;
    --io-threads) io_threads=$2; shift 2 ;;
    --nginx-workers) nginx_workers=$2; shift 2 ;;
    -h|--help) usage ;;
    -*) echo "http.sh: unknown option $1" >&2; usage ;;
    *) [ -z "$build" ] || usage; build=$1; shift ;;
  esac
done
for n in "$duration" "$rounds" "$connections" "$mem_step" "$mem_steps" "$handler_threads" "$io_threads" ${nginx_workers:+"$nginx_workers"}; do
  [[ "$n" =~ ^[1-9][0-9]*$ ]] || { echo "http.sh: not a positive integer: $n" >&2; exit 2; }
done
# Fairness: ocspd answers a GET whose credentials its cache holds on its I/O threads (--io-threads,
# one per CPU by default); its handler threads (password hashes, PUTs, tests) and its poller's sleep
# here. nginx gets one worker process per I/O thread, which is also what its "auto" would pick.
nginx_workers=${nginx_workers:-$io_threads}
wrk_threads=2
[ "$connections" -ge "$wrk_threads" ] || wrk_threads=1

root=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${build:-$root/build/release}" && pwd)
ocspd=$build/adapters/ocspd/ocspd
bench_load=$build/benchmarks/bench_load
nginx=${NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}
wrk=${WRK:-$(command -v wrk || echo /usr/bin/wrk)}
for tool in "$ocspd" "$bench_load" "$nginx" "$wrk"; do
  [ -x "$tool" ] || { echo "http.sh: missing $tool (build the ocspd and bench_load targets; scripts/install-deps)" >&2; exit 2; }
done
command -v curl >/dev/null || { echo "http.sh: curl is missing" >&2; exit 2; }

say() { echo "http.sh: $*" >&2; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/ocsp-bench-http.XXXXXX")
ocspd_pid=
nginx_pid=
errors=0

# Stops a child: SIGTERM, up to 10 s, then SIGKILL.
stop_pid() {
  local pid=$1
  kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 100); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

# ocspd stops its demo responder itself; should ocspd die first, the responder is stopped here.
stop_ocspd() {
  [ -n "$ocspd_pid" ] || return 0
  local children
  children=$(pgrep -P "$ocspd_pid" 2>/dev/null || true)
  stop_pid "$ocspd_pid"
  for c in $children; do stop_pid "$c"; done
  ocspd_pid=
}

cleanup() {
  local status=$?
  stop_ocspd
  [ -z "$nginx_pid" ] || stop_pid "$nginx_pid"
  rm -rf "$tmp"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# A port nothing listens on, below the ephemeral range (so no client socket takes it meanwhile),
# not handed out before in this run: free_port VAR.
taken=" "
free_port() {
  local p
  for _ in $(seq 500); do
    p=$((10000 + RANDOM % 20000))
    case "$taken" in *" $p "*) continue ;; esac
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
      taken+="$p "
      printf -v "$1" '%s' "$p"
      return 0
    fi
  done
  say "no free port found"
  return 1
}

http_port='' https_port='' responder_port='' nginx_port=''
free_port http_port
free_port https_port
free_port responder_port
free_port nginx_port
password=$(head -c 24 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')
basic=$(printf '%s' "admin:$password" | base64 -w0)
state=$tmp/state
socket=$state/ocspd.sock
status_url=http://127.0.0.1:$http_port/v1/ocsp/status

# Starts ocspd (demo mode, access log off like nginx's) and waits until it serves a cached status.
start_ocspd() {
  : >"$tmp/ocspd.log"
  OCSPD_ADMIN_PASSWORD=$password "$ocspd" --demo --state-dir "$state" --http-listen "127.0.0.1:$http_port" \
    --https-listen "127.0.0.1:$https_port" --responder-port "$responder_port" --access-log "" \
    --handler-threads "$handler_threads" --io-threads "$io_threads" >>"$tmp/ocspd.log" 2>&1 &
  ocspd_pid=$!
  for _ in $(seq 300); do
    grep -q '^ocspd: ready' "$tmp/ocspd.log" && break
    kill -0 "$ocspd_pid" 2>/dev/null || { cat "$tmp/ocspd.log" >&2; say "ocspd exited"; exit 1; }
    sleep 0.1
  done
  grep -q '^ocspd: ready' "$tmp/ocspd.log" || { cat "$tmp/ocspd.log" >&2; say "ocspd not ready after 30 s"; exit 1; }
  for _ in $(seq 300); do
    curl -sf -u "admin:$password" "$status_url" 2>/dev/null | grep -q '"this_update"' && return 0
    sleep 0.1
  done
  cat "$tmp/ocspd.log" >&2
  say "ocspd has no cached status after 30 s"
  exit 1
}

vm_rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$ocspd_pid/status"; }
median() { sort -g | awk '{v[NR] = $1} END {if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
# wrk's latency ("812.00us", "6.51ms", "1.02s") in milliseconds.
to_ms() {
  awk -v t="$1" 'BEGIN {
    if (t ~ /us$/) v = substr(t, 1, length(t) - 2) / 1000
    else if (t ~ /ms$/) v = substr(t, 1, length(t) - 2)
    else if (t ~ /m$/) v = substr(t, 1, length(t) - 1) * 60000
    else if (t ~ /s$/) v = substr(t, 1, length(t) - 1) * 1000
    else v = -1
    printf "%.3f", v }'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }
verdict() { awk -v r="$1" -v goal="$2" -v op="$3" 'BEGIN { ok = (op == ">=" ? r >= goal : r <= goal); print (ok ? "met" : "**NOT met**") }'; }

say "starting ocspd --demo (http 127.0.0.1:$http_port, unix $socket, $handler_threads handler threads)"
start_ocspd

# --- 1. ocspd vs nginx serving the same bytes ------------------------------------------------------

mkdir -p "$tmp/nginx/www/v1/ocsp" "$tmp/nginx/temp"
curl -sf -u "admin:$password" "$status_url" -o "$tmp/nginx/www/v1/ocsp/status"
body_bytes=$(wc -c <"$tmp/nginx/www/v1/ocsp/status")
temp_paths="client_body_temp_path $tmp/nginx/temp/body;"
for m in proxy fastcgi uwsgi scgi; do
  "$nginx" -V 2>&1 | grep -q -- "--without-http_${m}_module" || temp_paths+=" ${m}_temp_path $tmp/nginx/temp/$m;"
done
{
  # As root the workers would switch to "nobody", which cannot read the 0700 temporary directory.
  [ "$(id -u)" -ne 0 ] || echo "user root;"
  cat <<EOF
worker_processes $nginx_workers;
pid $tmp/nginx/nginx.pid;
error_log $tmp/nginx/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  $temp_paths
  types { }
  default_type application/json;
  keepalive_requests 1000000000;
  keepalive_timeout 60s;
  tcp_nodelay on;
  sendfile on;
  open_file_cache max=16 inactive=60s;
  open_file_cache_valid 60s;
  server_tokens off;
  server {
    listen 127.0.0.1:$nginx_port;
    root $tmp/nginx/www;
    location = /v1/ocsp/status { }
  }
}
EOF
} >"$tmp/nginx/nginx.conf"
say "starting nginx ($nginx_workers workers, 127.0.0.1:$nginx_port) serving the same $body_bytes-byte body"
"$nginx" -e "$tmp/nginx/error.log" -c "$tmp/nginx/nginx.conf" -p "$tmp/nginx" -g 'daemon off;' 2>"$tmp/nginx/stderr" &
nginx_pid=$!
nginx_url=http://127.0.0.1:$nginx_port/v1/ocsp/status
for _ in $(seq 100); do
  curl -sf "$nginx_url" -o "$tmp/nginx/check" 2>/dev/null && break
  kill -0 "$nginx_pid" 2>/dev/null || { cat "$tmp/nginx/error.log" "$tmp/nginx/stderr" >&2; say "nginx exited"; exit 1; }
  sleep 0.1
done
cmp -s "$tmp/nginx/check" "$tmp/nginx/www/v1/ocsp/status" || { cat "$tmp/nginx/error.log" >&2; say "nginx does not serve the body"; exit 1; }

# CPU seconds (user + system, all threads) used so far by the given processes (/proc/PID/stat
# fields 14 and 15, in clock ticks).
clock_tick=$(getconf CLK_TCK)
cpu_seconds() {
  local pid total=0 t
  for pid in "$@"; do
    t=$(sed 's/.*) //' "/proc/$pid/stat" | awk '{print $12 + $13}')
    total=$((total + t))
  done
  awk -v t="$total" -v hz="$clock_tick" 'BEGIN { printf "%.2f", t / hz }'
}

# Runs wrk against URL while measuring the CPU of PIDS; prints "RPS P99_MS ERRORS CPU_US_PER_REQUEST"
# (errors: non-2xx/3xx answers plus socket errors).
run_wrk() {
  local url=$1 out=$tmp/wrk.out before after
  shift
  before=$(cpu_seconds "$@")
  "$wrk" -t"$wrk_threads" -c"$connections" -d"${duration}s" --latency -H "Authorization: Basic $basic" "$url" >"$out"
  after=$(cpu_seconds "$@")
  local rps p99 bad total
  rps=$(awk '/^Requests\/sec:/ {print $2}' "$out")
  p99=$(awk '$1 == "99%" {print $2}' "$out")
  total=$(awk '/ requests in / {print $1}' "$out")
  bad=$(awk '/Non-2xx or 3xx responses:/ {n += $NF} /Socket errors:/ {gsub(",", ""); n += $4 + $6 + $8 + $10} END {print n + 0}' "$out")
  if [ -z "$rps" ] || [ -z "$p99" ] || [ -z "$total" ]; then
    cat "$out" >&2
    say "cannot read wrk's output"
    exit 1
  fi
  echo "$rps $(to_ms "$p99") $bad $(awk -v a="$before" -v b="$after" -v n="$total" 'BEGIN { printf "%.1f", (n > 0 ? (b - a) * 1e6 / n : 0) }')"
}

declare -a o_rps=() o_p99=() o_cpu=() n_rps=() n_p99=() n_cpu=()
o_err=0 n_err=0
mapfile -t nginx_pids < <(echo "$nginx_pid"; pgrep -P "$nginx_pid")
for r in $(seq "$rounds"); do
  result=$(run_wrk "$status_url" "$ocspd_pid")
  read -r rps p99 bad cpu <<<"$result"
  say "wrk round $r/$rounds ocspd: $rps requests/s, p99 $p99 ms, CPU $cpu us/request, errors $bad"
  o_rps+=("$rps"); o_p99+=("$p99"); o_cpu+=("$cpu"); o_err=$((o_err + bad))
  result=$(run_wrk "$nginx_url" "${nginx_pids[@]}")
  read -r rps p99 bad cpu <<<"$result"
  say "wrk round $r/$rounds nginx: $rps requests/s, p99 $p99 ms, CPU $cpu us/request, errors $bad"
  n_rps+=("$rps"); n_p99+=("$p99"); n_cpu+=("$cpu"); n_err=$((n_err + bad))
done
stop_pid "$nginx_pid"
nginx_pid=
errors=$((errors + o_err + n_err))

mo_rps=$(printf '%s\n' "${o_rps[@]}" | median)
mn_rps=$(printf '%s\n' "${n_rps[@]}" | median)
mo_p99=$(printf '%s\n' "${o_p99[@]}" | median)
mn_p99=$(printf '%s\n' "${n_p99[@]}" | median)
rps_ratio=$(ratio "$mo_rps" "$mn_rps")
p99_ratio=$(ratio "$mo_p99" "$mn_p99")
mo_cpu=$(printf '%s\n' "${o_cpu[@]}" | median)
mn_cpu=$(printf '%s\n' "${n_cpu[@]}" | median)

echo "### GET /v1/ocsp/status over plain HTTP: ocspd vs nginx serving the same bytes"
echo
echo "wrk -t$wrk_threads -c$connections -d${duration}s --latency, the same Authorization header to both; medians of $rounds interleaved rounds."
echo
echo "| metric | ocspd | nginx (static file) | ratio ocspd / nginx | goal | status |"
echo "| --- | ---: | ---: | ---: | --- | --- |"
printf '| requests/s | %.0f | %.0f | %sx | >= 1.0x | %s |\n' "$mo_rps" "$mn_rps" "$rps_ratio" "$(verdict "$rps_ratio" 1.0 '>=')"
printf '| p99 latency (ms) | %.3f | %.3f | %sx | <= 2x | %s |\n' "$mo_p99" "$mn_p99" "$p99_ratio" "$(verdict "$p99_ratio" 2.0 '<=')"
printf '| server CPU (us/request, user + system) | %.1f | %.1f | %sx | | |\n' "$mo_cpu" "$mn_cpu" "$(ratio "$mo_cpu" "$mn_cpu")"
printf '| errors (non-2xx + socket) | %d | %d | | 0 | %s |\n' "$o_err" "$n_err" "$([ $((o_err + n_err)) -eq 0 ] && echo met || echo '**NOT met**')"
echo
echo "Per round, requests/s: ocspd ${o_rps[*]}; nginx ${n_rps[*]}. Server CPU per request (all threads or worker"
echo "processes, from /proc/PID/stat) depends much less than requests/s on what else the shared machine runs."
echo "ocspd: \`--demo --io-threads $io_threads --handler-threads $handler_threads --access-log \"\"\`: $io_threads I/O threads answer the GETs;"
echo "it checks the Basic credentials of every request (PBKDF2 once, then its verified-credential cache)."
echo "nginx: $nginx_workers worker processes (one per ocspd I/O thread), access log off, keepalive_requests 1e9,"
echo "open_file_cache, sendfile, default_type application/json; it ignores the Authorization header. Body: $body_bytes bytes."
echo

# --- 2. UNIX socket vs TCP -------------------------------------------------------------------------

say "bench_load: UNIX socket vs TCP, $rounds rounds of ${duration}s"
compare_out=$tmp/compare.md
warmup=0.5
[ "$quick" -eq 0 ] || warmup=0.2
compare_status=0
"$bench_load" --compare-unix "$socket" --compare-tcp "127.0.0.1:$http_port" --tcp-header "Authorization: Basic $basic" \
  --connections "$connections" --rounds "$rounds" --duration "$duration" --warmup "$warmup" --server-pid "$ocspd_pid" >"$compare_out" || compare_status=$?
[ "$compare_status" -le 1 ] || { say "bench_load failed"; exit 1; }
[ "$compare_status" -eq 0 ] || errors=$((errors + 1))
echo "### ocspd's UNIX socket vs its TCP listener"
echo
echo "bench_load (epoll, one thread, $connections keep-alive connections, one request in flight each), GET /v1/ocsp/status; both"
echo "authenticated: over the UNIX socket the caller is its SO_PEERCRED uid ($(id -un), uid $(id -u): admin),"
echo "over TCP the HTTP Basic credentials, checked against ocspd's verified-credential cache. Goal: UNIX >= 1.2x TCP."
echo
cat "$compare_out"
echo
unix_ratio=$(awk -F'[*][*]' '/ratio UNIX \/ TCP/ {sub("x", "", $4); print $4}' "$compare_out")
transport=(--unix "$socket")
transport_name="the UNIX socket"
if awk -v r="${unix_ratio:-1}" 'BEGIN { exit !(r < 1) }'; then
  transport=(--tcp "127.0.0.1:$http_port" --tcp-header "Authorization: Basic $basic")
  transport_name="TCP (Basic credentials)"
fi

# --- 3. Resident memory over many requests ---------------------------------------------------------

say "restarting ocspd for the memory run: $mem_steps x $mem_step requests over $transport_name"
stop_ocspd
start_ocspd
sleep 1
declare -a rss=()
rss+=("$(vm_rss_kib)")
say "VmRSS idle: ${rss[0]} KiB"
for s in $(seq "$mem_steps"); do
  "$bench_load" "${transport[@]}" --connections "$connections" --requests "$mem_step" --warmup 0 --server-pid "$ocspd_pid" >"$tmp/mem.md" ||
    { cat "$tmp/mem.md" >&2; say "bench_load saw errors"; errors=$((errors + 1)); }
  rss+=("$(vm_rss_kib)")
  say "VmRSS after $((s * mem_step)) requests: ${rss[s]} KiB ($(awk -F'|' 'NR == 3 {gsub(" ", "", $7); print $7}' "$tmp/mem.md") requests/s)"
done

label() {  # requests in millions when they are, else as is
  if [ $(($1 % 1000000)) -eq 0 ]; then echo "$(($1 / 1000000))M"; else echo "$1"; fi
}
echo "### ocspd's resident memory"
echo
echo "VmRSS of a freshly started ocspd (/proc/PID/status): idle with its status cached, then after each $(label "$mem_step")"
echo "requests over $transport_name (bench_load --requests, $connections connections)."
echo
echo "| after | VmRSS (KiB) | change (KiB) |"
echo "| --- | ---: | ---: |"
echo "| start, idle | ${rss[0]} | |"
for s in $(seq "$mem_steps"); do
  printf '| %s requests | %s | %+d |\n' "$(label $((s * mem_step)))" "${rss[s]}" $((rss[s] - rss[s - 1]))
done
echo
if [ "$mem_steps" -ge 2 ]; then
  # Tolerance: allocator arenas and pages come and go in steps of a few pages to a few hundred KiB
  # (glibc gives each handler thread its own arena and trims them lazily); a leak of even one byte
  # per request would add (steps - 2) x step bytes from the 2nd step on: 7.6 MiB over 8 million.
  delta=$((rss[mem_steps] - rss[2]))
  tolerance=$(awk -v r="${rss[2]}" 'BEGIN { t = int(r / 100); print (t > 256 ? t : 256) }')
  leak_bytes=$(awk -v d="$delta" -v n=$(((mem_steps - 2) * mem_step)) 'BEGIN { printf "%.3f", (n > 0 ? d * 1024 / n : 0) }')
  if [ "${delta#-}" -le "$tolerance" ]; then grew="no growth (within the tolerance)"; else grew="**grew** (beyond the tolerance)"; fi
  echo "From $(label $((2 * mem_step))) to $(label $((mem_steps * mem_step))) requests: ${delta} KiB (${leak_bytes} bytes per request): $grew."
  echo "Tolerance: the larger of 1% of the RSS at $(label $((2 * mem_step))) and 256 KiB, here $tolerance KiB: allocator arenas and"
  echo "pages move by that much without a leak, while a leak of one byte per request would show as $(( (mem_steps - 2) * mem_step / 1024 )) KiB."
  echo
fi

if [ "$errors" -ne 0 ]; then
  say "errors were seen (see the tables): failing"
  exit 1
fi
say "done"
