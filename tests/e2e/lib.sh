# shellcheck shell=bash disable=SC2154  # the caller sets ocspd (the binary), tls_name and tls_ca
# Shared by the end-to-end scripts (sourced, not run): checks that print PASS/FAIL, a private work
# directory, processes that are stopped at exit, free ports, the test PKI, an `openssl ocsp`
# responder, ocspd start/stop, and one HTTP request at a time through curl.
#
# Deadlines are generous (the asan-ubsan build is slow) but every wait polls in short steps, so a
# healthy run never sleeps longer than it must. E2E_KEEP=1 keeps the work directory.

checks=0
failures=0
# Seconds to wait for anything that should happen "soon" (a start-up, a poll, a signal's effect).
deadline=${E2E_DEADLINE:-20}

pass() {  # what seen
  checks=$((checks + 1))
  echo "PASS: $1 -- $2"
}
fail() {  # what expected seen
  checks=$((checks + 1))
  failures=$((failures + 1))
  echo "FAIL: $1 -- expected: $2; seen: $3"
}
# check WHAT EXPECTED SEEN: passes when SEEN equals EXPECTED.
check() {
  if [ "$2" = "$3" ]; then pass "$1" "$3"; else fail "$1" "$2" "$3"; fi
}
# check_match WHAT ERE TEXT [LABEL]: passes when TEXT matches the extended regular expression.
check_match() {
  if grep -qE -- "$2" <<<"$3"; then
    pass "$1" "${4:-matches /$2/}"
  else
    fail "$1" "${4:-text matching /$2/}" "$(snip "$3")"
  fi
}
check_no_match() {
  if ! grep -qE -- "$2" <<<"$3"; then pass "$1" "${4:-no /$2/}"; else fail "$1" "${4:-no /$2/}" "$(snip "$3")"; fi
}
# The first 600 characters of a text, on one line.
snip() {
  local s=${1//$'\r'/}
  s=${s//$'\n'/ | }
  [ ${#s} -gt 600 ] && s="${s:0:600}..."
  printf '%s' "$s"
}
finish() {
  # A sanitizer build reports on stderr (and aborts, which the exit checks see too).
  local reports
  reports=$(cat "$W"/*.err 2>/dev/null | grep -E "runtime error|AddressSanitizer|LeakSanitizer" || true)
  check "no sanitizer report on ocspd's stderr" none "${reports:-none}"
  echo "$((checks - failures)) of $checks checks passed, $failures failed"
  [ "$failures" -eq 0 ]
}

# --- Work directory and processes -----------------------------------------------------------------

# Short, under /tmp: UNIX socket paths are limited to 107 bytes.
W=$(mktemp -d /tmp/ocspd-e2e.XXXXXX)
pids=()
on_exit() {
  local rc=$? pid
  for pid in "${pids[@]}"; do
    running "$pid" && kill -TERM "$pid" 2>/dev/null
  done
  for pid in "${pids[@]}"; do
    for _ in $(seq 40); do running "$pid" || break; sleep 0.05; done
    running "$pid" && kill -KILL "$pid" 2>/dev/null
  done
  if [ "$failures" -ne 0 ] || [ "$rc" -ne 0 ]; then
    local f
    for f in "$W"/*.out "$W"/*.err "$W"/*.log; do
      [ -s "$f" ] || continue
      echo "---- last lines of $f"
      tail -n 25 "$f"
    done
  fi
  if [ "${E2E_KEEP:-0}" = 1 ]; then echo "work directory kept: $W"; else rm -rf "$W"; fi
  exit "$rc"
}
trap on_exit EXIT
trap 'exit 130' INT TERM

# Whether process PID exists and has not exited (an exited child stays a zombie until `wait`).
running() {
  local state
  state=$(ps -o stat= -p "$1" 2>/dev/null) || return 1
  [[ $state != Z* ]]
}
not_running() { ! running "$1"; }
# For checks: "running" or "exited"; "present" or "absent".
process_state() { if [ -n "$1" ] && running "$1"; then echo running; else echo exited; fi; }
file_state() { if [ -e "$1" ]; then echo present; else echo absent; fi; }

# A TCP port nothing listens on now (the kernel's pick; the caller binds it soon after).
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# wait_for SECONDS COMMAND...: polls COMMAND every 50 ms until it succeeds (0) or time is up (1).
wait_for() {
  local end=$((SECONDS + $1)) 
  shift
  while ! "$@"; do
    [ "$SECONDS" -ge "$end" ] && return 1
    sleep 0.05
  done
}

# --- PKI and the responder ------------------------------------------------------------------------

serial_of() { openssl x509 -in "$1" -noout -serial | cut -d= -f2; }
subject_of() { openssl x509 -in "$1" -noout -subject -nameopt compat | sed 's/^subject=//'; }

# One line of an `openssl ocsp -index` database: index_line V|R CERT
index_line() {
  local expiry revoked=""
  expiry=$(date -u -d '+1 year' +%y%m%d%H%M%SZ)
  [ "$1" = R ] && revoked=$(date -u -d '-1 hour' +%y%m%d%H%M%SZ)
  printf '%s\t%s\t%s\t%s\tunknown\t%s\n' "$1" "$expiry" "$revoked" "$(serial_of "$2")" "$(subject_of "$2")"
}

# issue_leaf PKI NAME SUBJECT EXTENSIONS [KEY]: a certificate signed by PKI/ca.pem (with a new key,
# or KEY).
issue_leaf() {
  local pki=$1 name=$2 key=${5:-}
  if [ -z "$key" ]; then
    key=$pki/$name.key
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$key" 2>/dev/null
  fi
  printf '%s\n' "$4" >"$pki/$name.ext"
  openssl req -new -key "$key" -subj "$3" -out "$pki/$name.csr"
  openssl x509 -req -in "$pki/$name.csr" -CA "$pki/ca.pem" -CAkey "$pki/ca.key" -CAserial "$pki/ca.srl" \
    -days 30 -sha256 -extfile "$pki/$name.ext" -out "$pki/$name.pem" 2>/dev/null
  rm -f "$pki/$name.csr" "$pki/$name.ext"
}

# start_responder PKI PORT: `openssl ocsp` answering from PKI/index.txt, signed by the delegated
# responder certificate. Sets responder_pid. Never probe its port: OpenSSL 3.0's responder blocks on
# a connection that closes without a request; its log says when it listens.
start_responder() {
  local pki=$1 port=$2 log=$W/responder.log
  openssl ocsp -index "$pki/index.txt" -port "$port" -CA "$pki/ca.pem" -rsigner "$pki/responder.pem" \
    -rkey "$pki/responder.key" -ndays 1 -ignore_err >"$log" 2>&1 &
  responder_pid=$!
  pids+=("$responder_pid")
  if ! wait_for "$deadline" grep -q "waiting for OCSP client connections" "$log"; then
    echo "the responder (openssl ocsp -port $port) did not start: $(snip "$(cat "$log")")"
    exit 1
  fi
}

# --- ocspd ----------------------------------------------------------------------------------------

ocspd_ready() {  # NAME
  grep -q '^ocspd: ready$' "$W/$1.out" 2>/dev/null
}
ocspd_alive_or_ready() {  # NAME PID
  ocspd_ready "$1" || ! running "$2"
}

# start_ocspd NAME ARGS...: runs "$ocspd" ARGS in the background (stdout W/NAME.out, stderr
# W/NAME.err; appended, so restarts keep the history) and waits for "ocspd: ready". Sets ocspd_pid,
# https_port, http_port (empty when not listening) and unix_path. Fails the script if it does not
# get ready.
start_ocspd() {
  local name=$1
  shift
  : >"$W/$name.out"
  "$ocspd" "$@" >>"$W/$name.out" 2>>"$W/$name.err" &
  ocspd_pid=$!
  pids+=("$ocspd_pid")
  wait_for "$deadline" ocspd_alive_or_ready "$name" "$ocspd_pid" || true
  if ! ocspd_ready "$name"; then
    fail "ocspd ($name) starts" "\"ocspd: ready\" within ${deadline}s" \
      "$(snip "$(cat "$W/$name.out" "$W/$name.err")")"
    exit 1
  fi
  https_port=$(sed -n 's/^ocspd: https listening on .*:\([0-9]*\)$/\1/p' "$W/$name.out")
  http_port=$(sed -n 's/^ocspd: http listening on .*:\([0-9]*\)$/\1/p' "$W/$name.out")
  unix_path=$(sed -n 's/^ocspd: unix socket listening on //p' "$W/$name.out")
}

# stop_ocspd NAME: sends SIGTERM and checks that ocspd exits 0 in time.
stop_ocspd() {
  kill -TERM "$ocspd_pid"
  await_ocspd "$1"
}
# await_ocspd NAME: after a SIGTERM, checks that ocspd exits 0 within the deadline.
await_ocspd() {
  local rc=0
  if ! wait_for "$deadline" not_running "$ocspd_pid"; then
    fail "ocspd ($1) stops on SIGTERM" "exit within ${deadline}s" "still running"
    kill -KILL "$ocspd_pid" 2>/dev/null || true
  fi
  wait "$ocspd_pid" || rc=$?
  check "ocspd ($1) exits 0 after SIGTERM" 0 "$rc"
}

# --- Requests -------------------------------------------------------------------------------------

# call TRANSPORT CREDS METHOD PATH [BODY|@FILE] [curl options...]
#   TRANSPORT: https (needs tls_name, tls_ca), http, unix (needs unix_path); CREDS: USER:PASSWORD or
#   - for none. Sets code (000 when curl got no answer), body, headers, curl_rc and said (a label).
call() {
  local transport=$1 creds=$2 method=$3 path=$4 data=${5:-}
  shift 5 2>/dev/null || shift $#
  local args=(-sS --max-time "$deadline" -o "$W/body" -D "$W/headers" -w '%{http_code}' -X "$method")
  local url
  case $transport in
    https) url="https://$tls_name:$https_port$path"
           args+=(--cacert "$tls_ca" --resolve "$tls_name:$https_port:127.0.0.1") ;;
    http) url="http://127.0.0.1:$http_port$path" ;;
    unix) url="http://localhost$path"; args+=(--unix-socket "$unix_path") ;;
    *) echo "call: unknown transport $transport"; exit 2 ;;
  esac
  [ "$creds" != - ] && args+=(-u "$creds")
  [ -n "$data" ] && args+=(--data-binary "$data")
  : >"$W/body"
  : >"$W/headers"
  curl_rc=0
  code=$(curl "${args[@]}" "$@" "$url" 2>"$W/curl.err") || curl_rc=$?
  body=$(cat "$W/body")
  headers=$(tr -d '\r' <"$W/headers")
  said="$method $path over $transport as ${creds%%:*}"
}

# expect STATUS [+SUBSTRING | -SUBSTRING | ~HEADER_ERE]...: one check on the last call: the status,
# substrings the body must (+) or must not (-) hold, header lines that must match (~, case-insensitive).
expect() {
  local want=$1 ok=1 wanted="$1" item
  shift
  [ "$code" = "$want" ] || ok=0
  for item in "$@"; do
    case $item in
      +*) wanted+=", body has ${item:1}"; [[ $body == *"${item:1}"* ]] || ok=0 ;;
      -*) wanted+=", body lacks ${item:1}"; [[ $body != *"${item:1}"* ]] || ok=0 ;;
      ~*) wanted+=", header /${item:1}/"; grep -qiE -- "${item:1}" <<<"$headers" || ok=0 ;;
    esac
  done
  if [ "$ok" = 1 ]; then
    pass "$said" "$wanted"
  else
    local seen
    seen="$code $(snip "$body")"
    [ "$curl_rc" != 0 ] && seen+=" (curl exit $curl_rc: $(snip "$(cat "$W/curl.err")"))"
    [ "$#" -gt 0 ] && seen+=" [headers: $(snip "$headers")]"
    fail "$said" "$wanted" "$seen"
  fi
}

# poll_status TRANSPORT CREDS SUBSTRING: GET /v1/ocsp/status until its body holds SUBSTRING (or the
# deadline passes); the last answer stays in code/body for an expect.
status_has() {
  call "$1" "$2" GET /v1/ocsp/status
  [ "$code" = 200 ] && [[ $body == *"$3"* ]]
}
poll_status() {
  wait_for "$deadline" status_has "$@" || true
}
