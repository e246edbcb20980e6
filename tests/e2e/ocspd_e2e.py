"""What the Python end-to-end tests share: checks, a test PKI, `openssl ocsp` responders, and the
real ocspd on a state directory, driven over its UNIX socket.

Every test prints one PASS/FAIL line per check and a summary, and exits 0 only when every check
passed. E2E_DEADLINE (seconds, default 20) bounds each wait; E2E_KEEP=1 keeps the work directory.
"""
import os
import shutil
import signal
import socket
import subprocess
import time

DEADLINE = float(os.environ.get("E2E_DEADLINE", "20"))


class Checks:
    def __init__(self):
        self.count = 0
        self.failures = 0

    def check(self, what, expected, seen):
        self.count += 1
        if expected == seen:
            print(f"PASS: {what} -- {seen}", flush=True)
        else:
            self.failures += 1
            print(f"FAIL: {what} -- expected: {expected}; seen: {seen}", flush=True)

    def require(self, what, ok, detail):
        self.check(what, "yes", "yes" if ok else f"no ({detail})")

    def summary(self):
        """Prints the summary line; the process's exit status."""
        print(f"{self.count - self.failures} of {self.count} checks passed, {self.failures} failed")
        return 0 if self.failures == 0 else 1


def finish(work, checks):
    """The end of a test in `work`: on failure, the daemon's last output; then the directory is
    removed (kept with E2E_KEEP=1). Returns the process's exit status."""
    if checks.failures:
        for name in ("ocspd.out", "ocspd.err"):
            path = os.path.join(work, name)
            if os.path.exists(path):
                with open(path, errors="replace") as f:
                    print(f"---- last lines of {name}\n{f.read()[-2000:]}")
    if os.environ.get("E2E_KEEP") == "1":
        print(f"work directory kept: {work}")
    else:
        shutil.rmtree(work, ignore_errors=True)
    return checks.summary()


def wait_for(predicate, seconds=DEADLINE):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.02)
    return predicate()


def free_port():
    """A loopback TCP port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def unix_request(path, method, target, body=b"", timeout=DEADLINE, on_connected=None):
    """One HTTP/1.1 request over the UNIX socket; returns (status, body) or raises OSError.
    `on_connected` runs once the connection is up, before the request is sent."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(timeout)
        s.connect(path)
        if on_connected:
            on_connected()
        head = (f"{method} {target} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
                f"Content-Length: {len(body)}\r\n\r\n").encode()
        s.sendall(head + body)
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    head, sep, payload = data.partition(b"\r\n\r\n")
    if not sep:
        raise ConnectionError(f"incomplete answer ({len(data)} bytes)")
    status = int(head.split(b" ", 2)[1])
    return status, payload.decode()


def memory_kib(pid):
    """{"VmRSS": KiB, "VmHWM": KiB} of process `pid`, or None when it is gone."""
    try:
        with open(f"/proc/{pid}/status") as f:
            fields = dict(line.split(":", 1) for line in f if ":" in line)
    except OSError:
        return None
    return {key: int(fields[key].split()[0]) for key in ("VmRSS", "VmHWM") if key in fields}


def make_pki(script, directory, responder_port):
    """The test PKI (tests/pki/make-test-pki.sh) with proxy.pem's OCSP URL on `responder_port`."""
    subprocess.run([script, directory], check=True, stdout=subprocess.DEVNULL,
                   env=dict(os.environ, OCSP_TEST_PORT=str(responder_port)))
    return directory


def serial_of(pem):
    """The certificate's serial number, in upper-case hex as `openssl x509 -serial` prints it."""
    out = subprocess.run(["openssl", "x509", "-in", pem, "-noout", "-serial"],
                         check=True, capture_output=True, text=True).stdout
    return out.strip().split("=")[1]


class OpensslResponder:
    """`openssl ocsp` on 127.0.0.1:port for the test CA, answering from its own index:
    `entries` maps a serial to "V" (valid) or "R" (revoked). Signed by `signer` (a name in the PKI
    directory: responder, responder-noeku, other-ca...), with -ndays 1."""

    def __init__(self, pki, work, port, entries, signer="responder", name="responder"):
        self.port = port
        expiry = time.strftime("%y%m%d%H%M%SZ", time.gmtime(time.time() + 365 * 86400))
        revoked = time.strftime("%y%m%d%H%M%SZ", time.gmtime(time.time() - 86400))
        index = os.path.join(work, f"{name}.index.txt")
        with open(index, "w") as f:
            for serial, state in entries.items():
                f.write(f"{state}\t{expiry}\t{revoked if state == 'R' else ''}\t{serial}\tunknown\t/CN=serial {serial}\n")
        self.log_path = os.path.join(work, f"{name}.log")
        with open(self.log_path, "w") as log:
            self.process = subprocess.Popen(
                ["openssl", "ocsp", "-index", index, "-port", str(port), "-CA", os.path.join(pki, "ca.pem"),
                 "-rsigner", os.path.join(pki, f"{signer}.pem"), "-rkey", os.path.join(pki, f"{signer}.key"),
                 "-ndays", "1", "-ignore_err"],
                stdout=log, stderr=subprocess.STDOUT)

    def started(self):
        def listening():
            with open(self.log_path) as f:
                return "waiting for OCSP client connections" in f.read()

        return wait_for(listening)

    def stop(self):
        self.process.terminate()
        self.process.wait()


class Daemon:
    """ocspd on a state directory (work/state), listening on a UNIX socket, output in work/ocspd.out
    and work/ocspd.err; `extra` adds options (listeners, limits)."""

    def __init__(self, binary, work, pki, extra=(), password="admin-e2e-test"):
        self.binary, self.work, self.pki = binary, work, pki
        self.extra, self.password = list(extra), password
        self.socket = os.path.join(work, "ocspd.sock")
        self.state = os.path.join(work, "state")
        self.process = None
        self.said = ""

    def start(self):
        """Starts ocspd; whether it said "ready". Its output since the start is in self.said."""
        out = open(os.path.join(self.work, "ocspd.out"), "a")
        err = open(os.path.join(self.work, "ocspd.err"), "a")
        marker = out.tell()
        self.said = ""
        self.process = subprocess.Popen(
            [self.binary, "--state-dir", self.state, "--proxy-cert", os.path.join(self.pki, "proxy.pem"),
             "--issuer-cert", os.path.join(self.pki, "ca.pem"), "--unix-socket", self.socket] + self.extra,
            stdout=out, stderr=err, env=dict(os.environ, OCSPD_ADMIN_PASSWORD=self.password),
            umask=0)  # file modes checked by tests must not come from our umask
        out.close()
        err.close()

        def ready_or_gone():
            with open(os.path.join(self.work, "ocspd.out")) as f:
                f.seek(marker)
                self.said = f.read()
            return "ocspd: ready" in self.said or self.process.poll() is not None

        wait_for(ready_or_gone)
        return "ocspd: ready" in self.said and self.process.poll() is None

    def request(self, method, target, body=b"", timeout=DEADLINE):
        return unix_request(self.socket, method, target, body, timeout)

    def memory_kib(self):
        """{"VmRSS": KiB, "VmHWM": KiB} of the daemon (None once it is gone)."""
        return memory_kib(self.process.pid)

    def sanitizer_reports(self):
        with open(os.path.join(self.work, "ocspd.err")) as f:
            return [line for line in f if "runtime error" in line or "Sanitizer" in line]

    def kill(self):
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self):
        """SIGTERM, then SIGKILL after DEADLINE; the exit status (None when it was not running)."""
        if not self.process or self.process.poll() is not None:
            return None if not self.process else self.process.returncode
        self.process.terminate()
        try:
            return self.process.wait(DEADLINE)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            return "killed after SIGTERM was ignored"
