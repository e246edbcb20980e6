#!/usr/bin/env bash
# ocspctl's daemon commands (certificate_compatible, config, status, test_certificate) against a
# real `ocspd --demo` on loopback: every command, human and --json, over the UNIX socket, over
# HTTPS with credentials (right and wrong password) and over plain HTTP. stdout is compared with
# the golden files in GOLDEN_DIR after normalising what varies (times, ports, temporary paths);
# exit codes are checked, and for error answers the error_code on stderr. With PKI_DIR, a second
# daemon serves a proxy certificate without an OCSP URI (certificate_compatible fails,
# no_responder_url) and a db_viewer user (insufficient_permissions).
#
#   ocspctl_daemon_test.sh OCSPCTL OCSPD GOLDEN_DIR [PKI_DIR] [WORK_DIR]
#   UPDATE_GOLDEN=1 ocspctl_daemon_test.sh ...   rewrites the golden files from this run's output
#
# (UPDATE_GOLDEN=1 ctest -R ocspctl_daemon does the same through ctest; review the diff.)
set -euo pipefail
ocspctl=$(realpath "$1") ocspd=$(realpath "$2") golden=$(realpath "$3")
pki=${4:+$(realpath "$4")}
work=${5:-$(pwd)/ocspctl-daemon}
update=${UPDATE_GOLDEN:-}
rm -rf "$work" && mkdir -p "$work"
# The daemons' state (and their sockets: sun_path holds 108 bytes) under a short temporary path.
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ocspctl-daemon.XXXXXX")
daemon_pids=()
stop_daemons() {
  for pid in "${daemon_pids[@]}"; do
    kill -TERM "$pid" 2> /dev/null || true
    wait "$pid" 2> /dev/null || true
  done
  daemon_pids=()
}
trap 'stop_daemons; rm -rf "$tmp"' EXIT

failures=0 checks=0
check() {
  local what=$1; shift
  checks=$((checks + 1))
  if "$@"; then echo "ok: $what"; else echo "FAILED: $what"; failures=$((failures + 1)); fi
}

# What varies between runs: RFC 1123 times, loopback ports, the temporary directory.
normalise() {
  sed -E -e 's/[A-Z][a-z]{2}, [0-9]{2} [A-Z][a-z]{2} [0-9]{4} [0-9]{2}:[0-9]{2}:[0-9]{2} GMT/TIME/g' \
    -e 's/127\.0\.0\.1:[0-9]+/127.0.0.1:PORT/g' -e "s|$tmp|TMP|g" "$1"
}

# run NAME WANT_EXIT ARGS...: ocspctl ARGS, stdout to NAME.out and stderr to NAME.err in the work
# directory; the exit status must be WANT_EXIT.
run() {
  local name=$1 want=$2; shift 2
  local got=0
  "$ocspctl" "$@" > "$work/$name.out" 2> "$work/$name.err" || got=$?
  [ "$got" -eq "$want" ] && return 0
  echo "  exit $got, wanted $want: ocspctl $*"
  sed 's/^/  stdout: /' "$work/$name.out"
  sed 's/^/  stderr: /' "$work/$name.err"
  return 1
}

# golden NAME GOLDEN: NAME.out, normalised, must equal GOLDEN_DIR/GOLDEN. With UPDATE_GOLDEN the
# first case that names a golden file writes it; later cases naming the same file still compare
# (the transports must agree with each other).
written=" "
golden() {
  local name=$1 file=$golden/$2
  normalise "$work/$name.out" > "$work/$name.normalised"
  if [ -n "$update" ] && [[ $written != *" $2 "* ]]; then
    cp "$work/$name.normalised" "$file"
    written+="$2 "
    return 0
  fi
  [ -f "$file" ] || { echo "  no golden file $file (run with UPDATE_GOLDEN=1)"; return 1; }
  diff -u "$file" "$work/$name.normalised" | sed 's/^/  /' && return 0
  return 1
}

# case NAME WANT_EXIT GOLDEN ARGS...: run and golden together.
case_() {
  local name=$1 want=$2 file=$3; shift 3
  run "$name" "$want" "$@" && golden "$name" "$file"
}

# error NAME WANT_EXIT CODE ARGS...: the command fails with WANT_EXIT, prints nothing on stdout and
# "ocspctl: CODE: ..." on stderr (CODE empty: any one-line-or-more message starting "ocspctl: ").
error() {
  local name=$1 want=$2 code=$3; shift 3
  run "$name" "$want" "$@" || return 1
  [ ! -s "$work/$name.out" ] || { echo "  stdout not empty:"; sed 's/^/  /' "$work/$name.out"; return 1; }
  grep -q "^ocspctl: ${code:+$code: }" "$work/$name.err" && return 0
  echo "  stderr lacks 'ocspctl: ${code:+$code: }':"; sed 's/^/  /' "$work/$name.err"
  return 1
}

# A port nothing listens on now (for the demo's responder, which needs a fixed one).
free_port() {
  local port
  for _ in $(seq 50); do
    port=$((20000 + RANDOM % 40000))
    if ! (exec 3<> "/dev/tcp/127.0.0.1/$port") 2> /dev/null; then echo "$port"; return 0; fi
  done
  return 1
}

# start_daemon LOG ARGS...: starts ocspd ARGS with stdout and stderr to LOG and waits for its
# "ocspd: ready" line. Fails when it exits first or is not ready within 60 s.
start_daemon() {
  local log=$1; shift
  "$ocspd" "$@" > "$log" 2>&1 &
  local pid=$!
  daemon_pids+=("$pid")
  for _ in $(seq 600); do
    grep -q '^ocspd: ready$' "$log" && { last_pid=$pid; return 0; }
    kill -0 "$pid" 2> /dev/null || { echo "  ocspd exited before it was ready:"; sed 's/^/  /' "$log"; return 1; }
    sleep 0.1
  done
  echo "  ocspd not ready after 60 s:"; sed 's/^/  /' "$log"
  return 1
}
listening_port() { sed -n "s/^ocspd: $1 listening on 127\.0\.0\.1:\([0-9][0-9]*\)$/\1/p" "$2"; }

# --- The demo daemon ------------------------------------------------------------------------------
export OCSPD_ADMIN_PASSWORD=ocspctl-test-password
unset OCSPD_SOCKET OCSPCTL_PASSWORD
demo=$tmp/demo
started=no
for attempt in 1 2 3; do  # the responder's port is chosen here, and another process may take it first
  rm -rf "$demo"
  responder_port=$(free_port)
  if start_daemon "$work/demo.log" --demo --state-dir "$demo" --responder-port "$responder_port" \
       --https-listen 127.0.0.1:0 --http-listen 127.0.0.1:0 --access-log "$work/access.log"; then
    started=yes
    break
  fi
  stop_daemons
  echo "  (attempt $attempt to start ocspd --demo failed)"
done
[ "$started" = yes ] || { echo "FAILED: ocspd --demo does not start"; exit 1; }
demo_pid=$last_pid
https_port=$(listening_port https "$work/demo.log")
http_port=$(listening_port http "$work/demo.log")
[ -n "$https_port" ] && [ -n "$http_port" ] || { echo "FAILED: no ports in the demo's output"; cat "$work/demo.log"; exit 1; }
socket=$demo/ocspd.sock
ca=$demo/demo-pki/root.pem
https=(--url "https://127.0.0.1:$https_port" --user admin --cacert "$ca")
echo "ocspd --demo: https $https_port, http $http_port, responder $responder_port, socket $socket"

# --- Over the UNIX socket (the default transport: $OCSPD_SOCKET names it) ------------------------
export OCSPD_SOCKET=$socket
check "help lists the daemon commands" run help 0 --help
check "  test_certificate among them" grep -q '^  test_certificate ' "$work/help.out"
check "certificate_compatible: the demo certificate has an OCSP URI" \
  case_ cc 0 certificate_compatible.txt certificate_compatible
check "certificate_compatible --json" case_ cc-json 0 certificate_compatible.json certificate_compatible --json
check "test_certificate queries the responder: GOOD" case_ test 0 test_certificate.txt test_certificate
check "test_certificate --json" case_ test-json 0 test_certificate.json test_certificate --json
check "status: the cached answer" case_ status 0 status.txt status
check "status --json" case_ status-json 0 status.json status --json
check "--socket names the socket too" \
  case_ status-socket 0 status.txt status --socket "$socket"
check "config: every parameter" case_ config 0 config.txt config
check "config --json: the daemon's object as it came" case_ config-json 0 config.json config --json
for param in ocsp_functionality query_frequency recovery_frequency recovery_max_tries response_timeout responder_url; do
  check "config $param" case_ "config-$param" 0 "config-$param.txt" config "$param"
done
check "config query_frequency --json: the whole object" case_ config-qf-json 0 config.json config query_frequency --json
check "config query_frequency set 120" case_ set-qf 0 config-query_frequency-120.txt config query_frequency set 120
check "config recovery_max_tries set 7 --json: the updated object" \
  case_ set-rmt 0 config-set-recovery_max_tries.json config recovery_max_tries set 7 --json
check "config ocsp_functionality set disabled" \
  case_ set-off 0 config-ocsp_functionality-disabled.txt config ocsp_functionality set disabled
check "config ocsp_functionality: disabled" \
  case_ get-off 0 config-ocsp_functionality-disabled.txt config ocsp_functionality
check "config ocsp_functionality set enabled (options before the words)" \
  case_ set-on 0 config-ocsp_functionality.txt config --timeout 10 ocsp_functionality set enabled

check "config query_frequency set 5: invalid_schema" error qf-5 1 invalid_schema config query_frequency set 5
check "config query_frequency set -5: invalid_schema (a negative value is not an option)" \
  error qf-neg 1 invalid_schema config query_frequency set -5
check "  the configuration is unchanged" case_ qf-after 0 config-query_frequency-120.txt config query_frequency
check "config responder_url set x: read-only, nothing sent" error url-set 2 "" config responder_url set x
check "  says read-only" grep -q "read-only" "$work/url-set.err"
check "config foo: usage error" error foo 2 "" config foo
check "config query_frequency set abc: usage error" error qf-abc 2 "" config query_frequency set abc
check "config query_frequency set 1.5: usage error" error qf-float 2 "" config query_frequency set 1.5
check "config ocsp_functionality set yes: usage error" error of-yes 2 "" config ocsp_functionality set yes
check "config query_frequency set (no value): usage error" error qf-none 2 "" config query_frequency set
check "config query_frequency get: usage error" error qf-get 2 "" config query_frequency get
check "status with an argument: usage error" error status-arg 2 "" status now
check "--user without --url: usage error" error user-socket 2 "" status --user admin
check "--socket and --url: usage error" error both 2 "" status --socket "$socket" --url "http://127.0.0.1:$http_port"
check "--url with a path: usage error" error url-path 2 "" status --url "https://127.0.0.1:$https_port/v1"
check "--timeout 0: usage error" error timeout-0 2 "" status --timeout 0

# --- Over HTTPS with the admin's credentials: the same output as over the socket ----------------
export OCSPCTL_PASSWORD=$OCSPD_ADMIN_PASSWORD
check "https: certificate_compatible" case_ https-cc 0 certificate_compatible.txt certificate_compatible "${https[@]}"
check "https: status" case_ https-status 0 status.txt status "${https[@]}"
check "https: status --json" case_ https-status-json 0 status.json status --json "${https[@]}"
check "https: test_certificate" case_ https-test 0 test_certificate.txt test_certificate "${https[@]}"
check "https: config response_timeout set 2" \
  case_ https-set-rt 0 config-response_timeout-2.txt config response_timeout set 2 "${https[@]}"
check "https: config (both changes)" case_ https-config 0 config-after.txt config "${https[@]}"
check "https by host name (localhost)" \
  case_ https-localhost 0 status.txt status --url "https://localhost:$https_port" --user admin --cacert "$ca"
printf '%s\nsecond line ignored\n' "$OCSPD_ADMIN_PASSWORD" > "$work/password"
unset OCSPCTL_PASSWORD
check "https: --password-file instead of \$OCSPCTL_PASSWORD" \
  case_ https-password-file 0 config-response_timeout-2.txt config response_timeout "${https[@]}" \
  --password-file "$work/password"
check "https: --user with no password: usage error" error no-password 2 "" status "${https[@]}"
export OCSPCTL_PASSWORD=$OCSPD_ADMIN_PASSWORD
check "socket: config (the changes made over HTTPS)" case_ config-after 0 config-after.txt config
check "https: config query_frequency set 5: invalid_schema" \
  error https-qf-5 1 invalid_schema config query_frequency set 5 "${https[@]}"
OCSPCTL_PASSWORD=wrong-password check "https: a wrong password: unauthorized" \
  error https-wrong 1 unauthorized status "${https[@]}"
OCSPCTL_PASSWORD=wrong-password check "https: a wrong password, config set: unauthorized" \
  error https-wrong-set 1 unauthorized config query_frequency set 600 "${https[@]}"
check "https: no credentials: unauthorized" \
  error https-anonymous 1 unauthorized status --url "https://127.0.0.1:$https_port" --cacert "$ca"
check "https: an unknown user: unauthorized" \
  error https-nobody 1 unauthorized status --url "https://127.0.0.1:$https_port" --user nobody --cacert "$ca"
check "https without --cacert (the system store does not know the demo CA): TLS failure" \
  error https-untrusted 1 "" status --url "https://127.0.0.1:$https_port" --user admin
check "https with the wrong CA: TLS failure" \
  error https-wrong-ca 1 "" status --url "https://127.0.0.1:$https_port" --user admin --cacert "$demo/demo-pki/signer.pem"
check "https to the plain HTTP port: TLS failure" \
  error https-to-http 1 "" status --url "https://127.0.0.1:$http_port" --user admin --cacert "$ca"

# --- Over plain HTTP (loopback) --------------------------------------------------------------------
check "http: config" case_ http-config 0 config-after.txt config --url "http://127.0.0.1:$http_port" --user admin
check "http: status --json" case_ http-status-json 0 status.json status --json --url "http://127.0.0.1:$http_port" --user admin
OCSPCTL_PASSWORD=wrong-password check "http: a wrong password: unauthorized" \
  error http-wrong 1 unauthorized config --url "http://127.0.0.1:$http_port" --user admin

# --- Servers that are not ocspd -------------------------------------------------------------------
check "the demo's openssl responder (no API error body): exit 1" \
  error not-ocspd 1 "" status --url "http://127.0.0.1:$responder_port"
if command -v python3 > /dev/null; then
  # A listener that accepts and never answers: --timeout bounds the wait.
  python3 -u -c '
import socket, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(8); print(s.getsockname()[1])
held = []
while True:
    held.append(s.accept()[0])' > "$work/silent.port" 2> /dev/null &
  daemon_pids+=($!)
  for _ in $(seq 50); do [ -s "$work/silent.port" ] && break; sleep 0.1; done
  silent_port=$(cat "$work/silent.port")
  silent() {
    local start=$SECONDS
    error "silent-$1" 1 "" status --url "$1://127.0.0.1:$silent_port" --timeout 1 || return 1
    [ $((SECONDS - start)) -le 5 ] || { echo "  took $((SECONDS - start)) s with --timeout 1"; return 1; }
  }
  check "a server that never answers: --timeout 1 ends the wait (http)" silent http
  check "a server that never answers: --timeout 1 ends the wait (https handshake)" silent https
else
  echo "(no python3: the silent server is not tried)"
fi

# --- The daemon stops on SIGTERM; then there is nothing to connect to ------------------------------
stopped() {
  kill -TERM "$demo_pid"
  local rc=0
  wait "$demo_pid" || rc=$?
  local others=()
  for pid in "${daemon_pids[@]}"; do [ "$pid" = "$demo_pid" ] || others+=("$pid"); done
  daemon_pids=("${others[@]}")
  [ "$rc" -eq 0 ] || { echo "  ocspd exited with $rc"; return 1; }
}
check "ocspd --demo stops on SIGTERM with exit 0" stopped
check "no socket: transport failure, exit 1" error no-socket 1 "" status
check "  names the socket" grep -qF "$socket" "$work/no-socket.err"
check "connection refused: transport failure, exit 1" \
  error refused 1 "" status --url "http://127.0.0.1:$http_port" --user admin

# --- A proxy certificate without an OCSP URI, and a user without the permissions ------------------
if [ -n "$pki" ]; then
  noaia=$tmp/noaia
  mkdir -p "$noaia"
  printf 'viewer-password\n' > "$work/viewer-password"
  add_viewer() {
    "$ocspd" user add viewer --role db_viewer --password-file "$work/viewer-password" --state-dir "$noaia" \
      > "$work/user-add.log" 2>&1 || { sed 's/^/  /' "$work/user-add.log"; return 1; }
  }
  check "ocspd user add viewer --role db_viewer" add_viewer
  if start_daemon "$work/noaia.log" --state-dir "$noaia" --proxy-cert "$pki/proxy-noaia.pem" \
       --issuer-cert "$pki/ca.pem" --http-listen 127.0.0.1:0 --access-log ""; then
    noaia_http=$(listening_port http "$work/noaia.log")
    export OCSPD_SOCKET=$noaia/ocspd.sock
    check "no OCSP URI: certificate_compatible fails" case_ noaia-cc 1 noaia-certificate_compatible.txt certificate_compatible
    check "no OCSP URI: certificate_compatible --json" \
      case_ noaia-cc-json 1 noaia-certificate_compatible.json certificate_compatible --json
    check "no OCSP URI: config shows responder_url (none)" case_ noaia-config 0 noaia-config.txt config
    check "no OCSP URI: status UNKNOWN" case_ noaia-status 0 noaia-status.txt status
    check "no OCSP URI: enabling is no_responder_url" \
      error noaia-enable 1 no_responder_url config ocsp_functionality set enabled
    check "no OCSP URI: test_certificate is no_responder_url" error noaia-test 1 no_responder_url test_certificate
    OCSPCTL_PASSWORD=viewer-password check "db_viewer: status is insufficient_permissions" \
      error viewer 1 insufficient_permissions status --url "http://127.0.0.1:$noaia_http" --user viewer
  else
    check "ocspd with a certificate without an OCSP URI starts" false
  fi
  stop_daemons
else
  echo "(no PKI_DIR: the certificate without an OCSP URI is not tried)"
fi

if [ -n "$update" ]; then
  echo "golden files written:$written"
  echo "review them with: git diff -- $golden"
fi
echo "$((checks - failures))/$checks checks passed"
[ "$failures" -eq 0 ]
