#!/usr/bin/env python3
"""Hostile clients under load, end to end: ocspd keeps serving valid requests correctly.

    ocspd_load_test.py OCSPD MAKE_TEST_PKI [--seconds N] [--connections N] [--slowloris N] [--seed S]

The real ocspd polls a real `openssl ocsp` responder (GOOD for the proxy certificate) and serves
plain HTTP on loopback. For --seconds (default 60) one Python thread on an epoll loop drives:
  - --connections (default 64) keep-alive clients sending valid requests back to back with HTTP
    Basic credentials: GET /v1/ocsp/status and GET /v1/ocsp half and half, and one PUT /v1/ocsp in
    PUT_EVERY. Every answer is compared with what the contract says: 200, the exact key set, GOOD
    with the responder's URL and RFC 1123 times, the configuration the PUTs made, compact JSON with
    sorted keys. An answer is checked in full the first time its bytes are seen; a later answer
    with the same bytes is the same answer (this keeps the client fast enough to load the daemon);
  - hostile requests, each on a fresh connection, as shares of all requests sent: about 1%
    malformed HTTP (one of malformed_cases(), at random), which must get a 4xx or a closed connection;
    headers over the 8 KiB limit (431); bodies over the 64 KiB limit (413); credentials that are
    missing or malformed (401 without a password derivation); and, one at a time and at most
    EXPENSIVE_PER_SECOND a second, wrong passwords and unknown users (401 after a PBKDF2 derivation
    of about a quarter of a second: as a share of the load they would only measure the hash);
  - --slowloris (default 32) connections that dribble a request a byte every 1-2 s (most in the
    header, some in the body) and reopen when closed: the daemon must close each about its
    request timeout (10 s) after the request's first byte, without starving the valid clients.
The daemon's RSS is sampled every second. One thread with epoll and a minimal HTTP parser, because
that loads the daemon hardest from Python: in a GET-only trial against the dev build on 2 cores it
made 8.8k requests/s against 8.2k for asyncio protocols and 4.4k for asyncio streams, and it leaves
the daemon most of the CPU (about 0.35 of a core for the client in a full run). Afterwards: the
daemon is still running, answers a fresh GET correctly, and exits 0 on SIGTERM. Prints one
PASS/FAIL line per check, the figures and a summary; exit status 0 only when every check passed.
E2E_KEEP=1 keeps the work directory.

The malformed cases include the body framings Boost 1.81's Beast parser accepts and the adapter
refuses (a Transfer-Encoding other than chunked, chunked in HTTP/1.0), each with a request in the
body: a daemon that answered that request too would fail the case. Obsolete line folding is not
among them: RFC 9112 lets a server replace it with a space.
"""
import argparse
import base64
import collections
import errno
import heapq
import itertools
import json
import os
import random
import re
import resource
import selectors
import socket
import statistics
import sys
import tempfile
import time
from email.utils import parsedate_to_datetime

from ocspd_e2e import (DEADLINE, Checks, Daemon, OpensslResponder, finish, free_port, make_pki, memory_kib,
                       serial_of, wait_for)

PASSWORD = "admin-load-test"

# The HTTP adapter's limits (adapters/http/include/ocsp/http/server.hpp; ocspd's defaults).
HEADER_LIMIT = 8 * 1024
BODY_LIMIT = 64 * 1024
REQUEST_TIMEOUT = 10.0
DEFAULT_MAX_CONNECTIONS = 256

PUT_EVERY = 200               # one valid request in this many is a PUT (each one is fsynced)
MALFORMED_SHARE = 0.01        # of all requests sent
OVERSIZED_HEADER_SHARE = 0.002
OVERSIZED_BODY_SHARE = 0.002
CHEAP_BAD_CREDENTIAL_SHARE = 0.003
EXPENSIVE_PER_SECOND = 1.0    # wrong password / unknown user: each costs the daemon one PBKDF2 derivation
PROBES_IN_FLIGHT = 24         # hostile connections open at once, at most
VALID_DEADLINE = 5.0          # s: a valid request still unanswered after this is a hang
PROBE_DEADLINE = 5.0          # s: a hostile request neither answered nor closed after this is a hang
WARM_UP = 5.0                 # s of load before the RSS baseline is taken
# RSS may grow at most this much above the baseline. Worst case by design: 256 connections, each
# holding a header buffer (8 KiB) and a body (64 KiB) at once, is about 18 MiB, plus glibc's
# per-thread arenas keeping freed memory; 64 MiB covers that with room, while a leak of 200 bytes a
# request goes past it in a minute of the dev build's rate (about 350 000 requests).
RSS_BOUND_MIB = 64
# Slowloris closes must fall within [REQUEST_TIMEOUT - early, REQUEST_TIMEOUT + late] of the first byte.
SLOW_CLOSE_EARLY = 0.5
SLOW_CLOSE_LATE = 5.0

STATUS_KEYS = {"cert_status", "next_update", "produced_at", "responder_url", "this_update"}
CONFIG_KEYS = {"ocsp_functionality", "query_frequency", "recovery_frequency", "recovery_max_tries",
               "response_timeout", "responder_url"}
ERROR_KEYS = {"description", "error_code", "message"}
RFC1123 = re.compile(r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) "
                     r"\d{4} \d\d:\d\d:\d\d GMT$")


def basic(user, password):
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def canonical(obj):
    """The contract's JSON form: compact, keys in alphabetical order."""
    return json.dumps(obj, separators=(",", ":"), sort_keys=True, ensure_ascii=False)


def parse_head(head):
    """(status, fields with lower-case names, Content-Length) of an answer's head (CRLFs, no blank line)."""
    lines = head.split(b"\r\n")
    parts = lines[0].split(b" ", 2)
    if len(parts) < 2 or parts[0] not in (b"HTTP/1.1", b"HTTP/1.0") or not parts[1].isdigit():
        raise ValueError(f"bad status line {lines[0][:80]!r}")
    fields = {}
    for line in lines[1:]:
        name, sep, value = line.partition(b":")
        if not sep:
            raise ValueError(f"bad header line {line[:80]!r}")
        fields[name.strip().lower().decode("latin-1")] = value.strip().decode("latin-1")
    length = fields.get("content-length")
    if length is None or not length.isdigit():
        raise ValueError(f"no usable Content-Length ({length!r})")
    return int(parts[1]), fields, int(length)


def take_answer(buf):
    """The first complete answer in `buf`: (status, fields, body, rest), or None when incomplete."""
    end = buf.find(b"\r\n\r\n")
    if end < 0:
        return None
    status, fields, length = parse_head(bytes(buf[:end]))
    total = end + 4 + length
    if len(buf) < total:
        return None
    return status, fields, bytes(buf[end + 4:total]), bytes(buf[total:])


def blocking_request(port, method, target, authorization=None, body=b"", timeout=DEADLINE):
    """One request on a fresh connection: (status, fields, body); raises OSError or ValueError."""
    head = f"{method} {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
    if authorization:
        head += f"Authorization: {authorization}\r\n"
    if body or method in ("PUT", "POST"):
        head += f"Content-Length: {len(body)}\r\n"
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(head.encode() + b"\r\n" + body)
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    answer = take_answer(data)
    if answer is None:
        raise ValueError(f"incomplete answer ({len(data)} bytes)")
    return answer[:3]


def mib(kib):
    return kib / 1024.0


# --- What the answers must say ---------------------------------------------------------------------

class Oracle:
    """Judges answers against the contract and what this test did. Returns None or a fault text."""

    def __init__(self, responder_url, config):
        self.responder_url = responder_url
        self.base = dict(config)  # the configuration right after polling was enabled
        self.frequencies = {config["query_frequency"]}  # every query_frequency ever sent, in flight included
        self.good_bodies = set()  # (kind, body) already judged correct

    def _judged(self, key, judge):
        """judge()'s fault, or None; a body judged correct once is not judged again."""
        if key in self.good_bodies:
            return None
        fault = judge()
        if fault is None:
            self.good_bodies.add(key)
        return fault

    def status(self, body):
        return self._judged(("status", body), lambda: self._status(body))

    def _status(self, body):
        try:
            obj = json.loads(body)
        except ValueError:
            return f"status is not JSON: {body[:120]!r}"
        if not isinstance(obj, dict) or set(obj) != STATUS_KEYS:
            return f"status keys {sorted(obj) if isinstance(obj, dict) else type(obj).__name__}, not {sorted(STATUS_KEYS)}"
        if obj["cert_status"] != "GOOD":
            return f"cert_status {obj['cert_status']!r}, not GOOD"
        if obj["responder_url"] != self.responder_url:
            return f"responder_url {obj['responder_url']!r}, not {self.responder_url!r}"
        times = {}
        for key in ("next_update", "produced_at", "this_update"):
            if not isinstance(obj[key], str) or not RFC1123.match(obj[key]):
                return f"{key} {obj[key]!r} is not an RFC 1123 GMT time"
            times[key] = parsedate_to_datetime(obj[key]).timestamp()
        now = time.time()
        if times["this_update"] > now + 300 or times["produced_at"] > now + 300:
            return f"this_update/produced_at in the future: {obj}"
        if times["next_update"] <= now:
            return f"next_update already passed: {obj['next_update']}"
        if canonical(obj) != body.decode():
            return f"not compact JSON with sorted keys: {body[:160]!r}"
        return None

    def config(self, body, sent_frequency=None):
        """A GET's configuration (sent_frequency None) or a PUT's answer to {"query_frequency": sent_frequency}."""
        return self._judged(("config", body, sent_frequency), lambda: self._config(body, sent_frequency))

    def _config(self, body, sent_frequency):
        try:
            obj = json.loads(body)
        except ValueError:
            return f"configuration is not JSON: {body[:120]!r}"
        if not isinstance(obj, dict) or set(obj) != CONFIG_KEYS:
            return f"configuration keys {sorted(obj) if isinstance(obj, dict) else type(obj).__name__}, not {sorted(CONFIG_KEYS)}"
        if obj["ocsp_functionality"] is not True:
            return f"ocsp_functionality {obj['ocsp_functionality']!r}, not true"
        for key in ("recovery_frequency", "recovery_max_tries", "response_timeout", "responder_url"):
            if obj[key] != self.base[key] or type(obj[key]) is not type(self.base[key]):
                return f"{key} {obj[key]!r}, not {self.base[key]!r} (no PUT changed it)"
        frequency = obj["query_frequency"]
        if type(frequency) is not int:
            return f"query_frequency {frequency!r} is not an integer"
        if sent_frequency is not None and frequency != sent_frequency:
            return f"the PUT of query_frequency {sent_frequency} answered {frequency}"
        if frequency not in self.frequencies:
            return f"query_frequency {frequency} was never sent"
        if canonical(obj) != body.decode():
            return f"not compact JSON with sorted keys: {body[:160]!r}"
        return None


def error_body_fault(body, code):
    """None when `body` is the contract's error body with error_code `code`."""
    try:
        obj = json.loads(body)
    except ValueError:
        return f"error body is not JSON: {body[:120]!r}"
    if not isinstance(obj, dict) or set(obj) != ERROR_KEYS:
        return f"error body keys {sorted(obj) if isinstance(obj, dict) else type(obj).__name__}"
    if obj["error_code"] != code:
        return f"error_code {obj['error_code']!r}, not {code!r}"
    if obj["description"] != obj["message"] or not obj["message"]:
        return "description and message differ or are empty"
    return None


# --- The requests ----------------------------------------------------------------------------------

def malformed_cases(auth):
    """Requests with broken HTTP syntax or framing, with valid credentials (so a parser that lets one
    through answers 200, which fails)."""
    h = f"Host: 127.0.0.1\r\nAuthorization: {auth}\r\n"
    put = f"PUT /v1/ocsp HTTP/1.1\r\n{h}"
    smuggled = f"GET /v1/ocsp/status HTTP/1.1\r\n{h}\r\n"
    cases = {
        "tls_hello_on_http": b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + bytes(range(32)) + b"\r\n\r\n",
        "binary_noise": bytes(range(256)) * 2,
        "no_version": f"GET /v1/ocsp\r\n{h}\r\n",
        "http_0_9": "GET /\r\n\r\n",
        "bad_version": f"GET /v1/ocsp HTTP/X.Y\r\n{h}\r\n",
        "version_2": f"GET /v1/ocsp HTTP/2.0\r\n{h}\r\n",
        "lowercase_version": f"GET /v1/ocsp http/1.1\r\n{h}\r\n",
        "bad_method_char": f"G(T /v1/ocsp HTTP/1.1\r\n{h}\r\n",
        "leading_space": f" GET /v1/ocsp HTTP/1.1\r\n{h}\r\n",
        "double_space": f"GET  /v1/ocsp HTTP/1.1\r\n{h}\r\n",
        "control_in_target": f"GET /v1/\x01ocsp HTTP/1.1\r\n{h}\r\n",
        "bare_lf": f"GET /v1/ocsp HTTP/1.1\n{h}\n",
        "bare_cr": f"GET /v1/ocsp HTTP/1.1\r{h}\r\n",
        "field_without_colon": f"GET /v1/ocsp HTTP/1.1\r\n{h}X-Broken field\r\n\r\n",
        "space_before_colon": f"GET /v1/ocsp HTTP/1.1\r\n{h}X-Broken : v\r\n\r\n",
        "empty_field_name": f"GET /v1/ocsp HTTP/1.1\r\n{h}: v\r\n\r\n",
        "nul_in_value": f"GET /v1/ocsp HTTP/1.1\r\n{h}X-Nul: a\0b\r\n\r\n",
        "non_ascii_name": (f"GET /v1/ocsp HTTP/1.1\r\n{h}X-\xff\xfe: v\r\n\r\n").encode("latin-1"),
        "content_length_alpha": f"{put}Content-Length: abc\r\n\r\n{{}}",
        "content_length_negative": f"{put}Content-Length: -1\r\n\r\n{{}}",
        "content_length_twice": f"{put}Content-Length: 2\r\nContent-Length: 3\r\n\r\n{{}} ",
        "content_length_list": f"{put}Content-Length: 2, 3\r\n\r\n{{}} ",
        "content_length_overflow": f"{put}Content-Length: 99999999999999999999999\r\n\r\n{{}}",
        "content_length_and_chunked": f"{put}Content-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{{}}\r\n0\r\n\r\n",
        "chunk_size_not_hex": f"{put}Transfer-Encoding: chunked\r\n\r\nZZ\r\n{{}}\r\n0\r\n\r\n",
        "chunk_size_overflow": f"{put}Transfer-Encoding: chunked\r\n\r\nFFFFFFFFFFFFFFFFFFFFFF\r\n{{}}\r\n0\r\n\r\n",
        "chunk_size_negative": f"{put}Transfer-Encoding: chunked\r\n\r\n-2\r\n{{}}\r\n0\r\n\r\n",
        "chunk_without_crlf": f"{put}Transfer-Encoding: chunked\r\n\r\n2\r\n{{}}XX0\r\n\r\n",
        "chunk_extension_control": f"{put}Transfer-Encoding: chunked\r\n\r\n2;\x01\r\n{{}}\r\n0\r\n\r\n",
        "blank_line_first": f"\r\nGET /v1/ocsp HTTP/1.1\r\n{h}\r\n",
        # A body framing other than Content-Length or HTTP/1.1 chunked, with a request in the body:
        # answered once (400), never twice (the adapter refuses what Beast 1.81 would misread).
        "te_gzip_smuggles": f"GET /v1/ocsp HTTP/1.1\r\n{h}Transfer-Encoding: gzip\r\n\r\n{smuggled}",
        "te_identity_smuggles": f"GET /v1/ocsp HTTP/1.1\r\n{h}Transfer-Encoding: identity\r\n\r\n{smuggled}",
        "te_chunked_gzip_smuggles": f"GET /v1/ocsp HTTP/1.1\r\n{h}Transfer-Encoding: chunked, gzip\r\n\r\n{smuggled}",
        "chunked_in_http_1_0": f"PUT /v1/ocsp HTTP/1.0\r\n{h}Transfer-Encoding: chunked\r\n\r\n2\r\n{{}}\r\n0\r\n\r\n",
    }
    return {name: data if isinstance(data, bytes) else data.encode() for name, data in cases.items()}


def oversized_header_cases(auth):
    """Over the 8 KiB limit by a single field or target, or by many small fields."""
    h = f"Host: 127.0.0.1\r\nAuthorization: {auth}\r\n"
    over = HEADER_LIMIT + 512
    return {
        "one_long_field": f"GET /v1/ocsp/status HTTP/1.1\r\n{h}X-Pad: {'a' * over}\r\n\r\n".encode(),
        "many_fields": (f"GET /v1/ocsp HTTP/1.1\r\n{h}" +
                        "".join(f"X-Field-{i}: {'b' * 40}\r\n" for i in range(over // 50)) + "\r\n").encode(),
        "long_target": f"GET /v1/ocsp/status?{'q' * over} HTTP/1.1\r\n{h}\r\n".encode(),
        "long_cookie_on_put": (f"PUT /v1/ocsp HTTP/1.1\r\n{h}Cookie: {'c=' * (over // 2)}\r\n"
                               "Content-Length: 2\r\n\r\n{}").encode(),
    }


def oversized_body_cases(auth):
    h = f"PUT /v1/ocsp HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: {auth}\r\n"
    over = BODY_LIMIT + 1
    chunk = "1000\r\n" + "y" * 0x1000 + "\r\n"
    return {
        "content_length_limit_plus_one": (f"{h}Content-Length: {over}\r\n\r\n" + " " * over).encode(),
        "content_length_70000": (f"{h}Content-Length: 70000\r\n\r\n" + '{"query_frequency":' + " " * 69960 + "60}").encode(),
        "content_length_1g_announced": f"{h}Content-Length: 1000000000\r\n\r\n".encode(),
        "chunked_past_limit": (f"{h}Transfer-Encoding: chunked\r\n\r\n" + chunk * (BODY_LIMIT // 0x1000 + 2) +
                               "0\r\n\r\n").encode(),
    }


def cheap_bad_credential_cases():
    """401 without a password derivation: missing or unparsable credentials."""
    g = "GET /v1/ocsp/status HTTP/1.1\r\nHost: 127.0.0.1\r\n"
    b64 = lambda raw: base64.b64encode(raw).decode()  # noqa: E731
    cases = {
        "no_authorization": g,
        "bearer_scheme": g + "Authorization: Bearer abc.def.ghi\r\n",
        "basic_not_base64": g + "Authorization: Basic !!!!\r\n",
        "basic_no_colon": g + f"Authorization: Basic {b64(b'admin')}\r\n",
        "basic_empty_user": g + f"Authorization: Basic {b64(b':' + PASSWORD.encode())}\r\n",
        "basic_control_char": g + f"Authorization: Basic {b64(b'admin:' + PASSWORD.encode() + bytes([1]))}\r\n",
        "basic_bad_user_name": g + f"Authorization: Basic {b64(('ad min:' + PASSWORD).encode())}\r\n",
        "basic_over_4096": g + f"Authorization: Basic {b64(b'admin:' + b'p' * 3300)}\r\n",
        "put_without_authorization": "PUT /v1/ocsp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 2\r\n\r\n{}",
    }
    return {name: (text if text.endswith("{}") else text + "\r\n").encode() for name, text in cases.items()}


def expensive_bad_credential_cases():
    """401 after a PBKDF2 derivation: well-formed credentials that are wrong."""
    g = "GET /v1/ocsp HTTP/1.1\r\nHost: 127.0.0.1\r\n"
    return {
        "wrong_password": (g + f"Authorization: {basic('admin', 'not-the-password')}\r\n\r\n").encode(),
        "unknown_user": (g + f"Authorization: {basic('mallory', PASSWORD)}\r\n\r\n").encode(),
        "user_name_case": (g + f"Authorization: {basic('Admin', PASSWORD)}\r\n\r\n").encode(),
        "wrong_password_on_put": (f"PUT /v1/ocsp HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: "
                                  f"{basic('admin', PASSWORD + 'x')}\r\nContent-Length: 2\r\n\r\n{{}}").encode(),
    }


# --- The event loop and the connections ----------------------------------------------------------

class Engine:
    """epoll plus a timer heap, on this thread only."""

    def __init__(self):
        self.sel = selectors.EpollSelector()
        self.timers = []
        self.seq = itertools.count()

    def at(self, when, fn):
        heapq.heappush(self.timers, (when, next(self.seq), fn))

    def run_until(self, done):
        while not done():
            now = time.monotonic()
            while self.timers and self.timers[0][0] <= now:
                _, _, fn = heapq.heappop(self.timers)
                fn()
            timeout = 0.05
            if self.timers:
                timeout = max(0.0, min(timeout, self.timers[0][0] - time.monotonic()))
            for key, mask in self.sel.select(timeout):
                conn = key.data
                if mask & selectors.EVENT_WRITE and not conn.closed:
                    conn.on_writable()
                if mask & selectors.EVENT_READ and not conn.closed:
                    conn.on_readable()


class Conn:
    """A non-blocking TCP connection to the daemon. Subclasses: on_connect, on_data, on_lost."""
    open_count = 0
    max_open = 0

    def __init__(self, engine, port):
        self.engine = engine
        self.closed = False
        self.connected = False
        self.out = b""
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setblocking(False)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        Conn.open_count += 1
        Conn.max_open = max(Conn.max_open, Conn.open_count)
        err = self.sock.connect_ex(("127.0.0.1", port))
        self.events = selectors.EVENT_WRITE
        engine.sel.register(self.sock, self.events, self)
        if err not in (0, errno.EINPROGRESS):
            self.lost(OSError(err, os.strerror(err)))

    def on_writable(self):
        if not self.connected:
            err = self.sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            if err:
                self.lost(OSError(err, os.strerror(err)))
                return
            self.connected = True
            self.flush()
            if not self.closed:
                self.on_connect()
            return
        self.flush()

    def send(self, data):
        self.out = self.out + data if self.out else data
        if self.connected:
            self.flush()

    def flush(self):
        while self.out:
            try:
                n = self.sock.send(self.out)
            except (BlockingIOError, InterruptedError):
                break
            except OSError as e:
                self.lost(e)
                return
            self.out = self.out[n:]
        want = selectors.EVENT_READ | (selectors.EVENT_WRITE if self.out else 0)
        if want != self.events:
            self.engine.sel.modify(self.sock, want, self)
            self.events = want

    def on_readable(self):
        try:
            data = self.sock.recv(65536)
        except (BlockingIOError, InterruptedError):
            return
        except OSError as e:
            self.lost(e)
            return
        if not data:
            self.lost(None)
            return
        self.on_data(data)

    def close(self):
        if not self.closed:
            self.closed = True
            Conn.open_count -= 1
            self.engine.sel.unregister(self.sock)
            self.sock.close()

    def lost(self, error):
        """The peer closed (error None), reset, or a send failed."""
        if self.closed:
            return
        leftover = b""
        if error is not None:  # an answer may still sit in the receive buffer
            try:
                while True:
                    chunk = self.sock.recv(65536)
                    if not chunk:
                        break
                    leftover += chunk
            except OSError:
                pass
        self.close()
        self.on_lost(error, leftover)

    def on_connect(self):
        pass

    def on_data(self, data):
        pass

    def on_lost(self, error, leftover):
        pass


class Load:
    """Everything the run counts, and the shared knobs."""

    def __init__(self, args, port, oracle, rng):
        self.args, self.port, self.oracle, self.rng = args, port, oracle, rng
        self.engine = Engine()
        self.stopping = False
        self.start = self.end = 0.0
        auth = basic("admin", PASSWORD)
        self.get_status = f"GET /v1/ocsp/status HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: {auth}\r\n\r\n".encode()
        self.get_config = f"GET /v1/ocsp HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: {auth}\r\n\r\n".encode()
        self.put_head = f"PUT /v1/ocsp HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: {auth}\r\n"
        # Valid traffic.
        self.valid_sent = 0
        self.valid_ok = collections.Counter()      # kind -> answered correctly
        self.valid_wrong = collections.Counter()   # kind -> wrong answers
        self.wrong_examples = []
        self.valid_hangs = 0
        self.valid_conn_lost = 0
        self.lost_examples = []
        self.per_second = collections.Counter()
        self.latency = collections.defaultdict(list)  # kind -> seconds
        self.valid_clients = []
        self.next_progress = 10
        # Hostile traffic.
        self.hostile_sent = collections.Counter()   # category -> requests sent
        self.outcomes = collections.defaultdict(collections.Counter)  # category -> outcome -> count
        self.case_outcomes = collections.defaultdict(collections.Counter)  # (category, case) -> outcome -> count
        self.hostile_bad = collections.Counter()    # category -> unacceptable outcomes
        self.hostile_examples = []
        self.probes = set()
        self.expensive_in_flight = 0
        self.next_expensive = 0.0
        self.expensive_latency = []
        self.cases = {
            "malformed": malformed_cases(auth),
            "oversized_header": oversized_header_cases(auth),
            "oversized_body": oversized_body_cases(auth),
            "bad_credentials": cheap_bad_credential_cases(),
            "bad_credentials_derived": expensive_bad_credential_cases(),
        }
        self.case_names = {category: sorted(cases) for category, cases in self.cases.items()}
        # Slowloris.
        self.slow_opened = 0
        self.slow_closed = []          # seconds from the first byte to the server's close
        self.slow_answered = 0         # slow connections that got any bytes back
        self.slow_late = 0             # still open past REQUEST_TIMEOUT + SLOW_CLOSE_LATE
        self.slow_conns = set()
        # RSS.
        self.rss = []                  # (seconds since start, KiB)
        self.daemon_died = None

    def reconnect(self):
        if not self.stopping:
            self.valid_clients.append(ValidClient(self))

    def total_sent(self):
        return self.valid_sent + sum(self.hostile_sent.values())

    def note_wrong(self, kind, fault):
        self.valid_wrong[kind] += 1
        if len(self.wrong_examples) < 5:
            self.wrong_examples.append(f"{kind}: {fault}")

    def note_hostile(self, category, case, outcome, acceptable, fault=None):
        self.outcomes[category][outcome] += 1
        self.case_outcomes[(category, case)][outcome] += 1
        if not acceptable:
            self.hostile_bad[category] += 1
            if len(self.hostile_examples) < 8:
                self.hostile_examples.append(f"{category}/{case}: {outcome}{' -- ' + fault if fault else ''}")


class ValidClient(Conn):
    """Valid requests back to back on one keep-alive connection, each answer checked."""

    def __init__(self, load):
        self.load = load
        self.kind = None
        self.sent_at = 0.0
        self.inbuf = b""
        super().__init__(load.engine, load.port)

    def on_connect(self):
        self.next_request()

    def next_request(self):
        load = self.load
        if load.stopping:
            self.kind = None
            return
        r = load.rng.random()
        self.frequency = None
        if r < 1.0 / PUT_EVERY:
            self.kind = "PUT /v1/ocsp"
            shape = load.rng.random()
            if shape < 0.1:
                body = b"{}"
            else:
                self.frequency = load.rng.randint(60, 86400)
                load.oracle.frequencies.add(self.frequency)  # before it is sent: a GET may see it at once
                if shape < 0.2:  # the GET -> edit -> PUT round trip, read-only responder_url included
                    config = dict(load.oracle.base, query_frequency=self.frequency)
                    body = canonical(config).encode()
                else:
                    body = b'{"query_frequency":%d}' % self.frequency
            request = (load.put_head + f"Content-Length: {len(body)}\r\n\r\n").encode() + body
        elif r < 0.5 + 0.5 / PUT_EVERY:
            self.kind = "GET /v1/ocsp/status"
            request = load.get_status
        else:
            self.kind = "GET /v1/ocsp"
            request = load.get_config
        load.valid_sent += 1
        self.sent_at = time.monotonic()
        self.send(request)

    def on_data(self, data):
        load = self.load
        self.inbuf = self.inbuf + data if self.inbuf else data
        if self.kind is None:
            load.note_wrong("unsolicited", f"{len(self.inbuf)} bytes with no request in flight: {self.inbuf[:80]!r}")
            self.inbuf = b""
            return
        try:
            answer = take_answer(self.inbuf)
        except ValueError as e:
            load.note_wrong(self.kind, str(e))
            self.close()
            self.replace()
            return
        if answer is None:
            return
        status, fields, body, rest = answer
        self.inbuf = rest
        now = time.monotonic()
        kind = self.kind
        fault = None
        if rest:
            fault = f"{len(rest)} bytes after the answer"
        elif status != 200:
            fault = f"HTTP {status}: {body[:200]!r}"
        elif fields.get("content-type") != "application/json":
            fault = f"Content-Type {fields.get('content-type')!r}"
        elif fields.get("connection", "").lower() == "close":
            fault = "the daemon closes a keep-alive connection (Connection: close)"
        elif kind == "GET /v1/ocsp/status":
            fault = load.oracle.status(body)
        else:
            fault = load.oracle.config(body, self.frequency)
        if fault:
            load.note_wrong(kind, fault)
        else:
            load.valid_ok[kind] += 1
            if now < load.end:
                load.per_second[int(now - load.start)] += 1
        load.latency[kind].append(now - self.sent_at)
        self.next_request()

    def on_lost(self, error, leftover):
        load = self.load
        if self.kind is not None or not load.stopping:
            load.valid_conn_lost += 1
            if len(load.lost_examples) < 5:
                load.lost_examples.append(f"{self.kind or 'between requests'}: {error or 'closed by the daemon'}"
                                          f"{' after ' + repr(leftover[:80]) if leftover else ''}")
        self.replace()

    def replace(self):
        """A new client in this one's place, a moment later (no tight loop against a dead daemon)."""
        load = self.load
        if self in load.valid_clients:
            load.valid_clients.remove(self)
        load.engine.at(time.monotonic() + 0.05, lambda: load.reconnect())

    def overdue(self, now):
        return self.kind is not None and now - self.sent_at > VALID_DEADLINE


class Probe(Conn):
    """One hostile request on a fresh connection; judges the outcome."""

    def __init__(self, load, category, case, payload):
        self.load, self.category, self.case, self.payload = load, category, case, payload
        self.inbuf = b""
        self.answer = None
        self.done = False
        self.started = time.monotonic()
        load.hostile_sent[category] += 1
        load.probes.add(self)
        if category == "bad_credentials_derived":
            load.expensive_in_flight += 1
        super().__init__(load.engine, load.port)
        load.engine.at(self.started + PROBE_DEADLINE, self.expire)

    def on_connect(self):
        self.send(self.payload)

    def on_data(self, data):
        self.inbuf += data
        if self.answer is not None:
            self.finish("bytes after the answer", False, repr(self.inbuf[:80]))
            return
        try:
            answer = take_answer(self.inbuf)
        except ValueError as e:
            self.finish("unparsable answer", False, str(e))
            return
        if answer is None:
            return
        self.answer = answer
        self.inbuf = answer[3]
        status = answer[0]
        if self.category == "bad_credentials_derived":
            self.load.expensive_latency.append(time.monotonic() - self.started)
        # After 400, 413 and 431 the adapter closes the connection: wait for that (expire() judges
        # a connection left open). Any other answer is judged now.
        if status not in (400, 413, 431):
            self.judge(closed=False)

    def on_lost(self, error, leftover):
        if self.answer is None and (leftover or self.inbuf):
            self.inbuf += leftover
            try:
                self.answer = take_answer(self.inbuf)
            except ValueError as e:
                self.finish("unparsable answer", False, str(e))
                return
            if self.answer is None:
                self.finish("closed in the middle of an answer", False, repr(self.inbuf[:80]))
                return
        self.judge(closed=True, error=error)

    def expire(self):
        if self.done:
            return
        if self.answer is None:
            self.finish(f"hang (no answer and not closed after {PROBE_DEADLINE:.0f} s)", False)
        else:
            self.finish(f"HTTP {self.answer[0]} but the connection stayed open", False)

    def judge(self, closed, error=None):
        if self.done:
            return
        category = self.category
        if self.answer is None:
            # Only malformed requests may be refused by closing; the others must be answered.
            outcome = "closed without an answer" + (f" ({error.strerror})" if getattr(error, "strerror", None) else "")
            self.finish(outcome, category == "malformed")
            return
        status, fields, body, _ = self.answer
        outcome = f"HTTP {status}"
        fault = None
        if category == "malformed":
            acceptable = 400 <= status < 500
            if status == 400:
                fault = error_body_fault(body, "bad_request")
        elif category == "oversized_header":
            acceptable = status == 431
            fault = error_body_fault(body, "request_header_fields_too_large") if acceptable else None
        elif category == "oversized_body":
            acceptable = status == 413
            fault = error_body_fault(body, "payload_too_large") if acceptable else None
        else:  # bad credentials
            acceptable = status == 401
            if acceptable:
                fault = error_body_fault(body, "unauthorized")
                if not fault and fields.get("www-authenticate") != 'Basic realm="ocsp"':
                    fault = f"WWW-Authenticate {fields.get('www-authenticate')!r}"
        if acceptable and status in (400, 413, 431) and fields.get("connection", "").lower() != "close":
            fault = fault or "no Connection: close on an answer after which the adapter closes"
        self.finish(outcome, acceptable and fault is None, fault)

    def finish(self, outcome, acceptable, fault=None):
        if self.done:
            return
        self.done = True
        self.close()
        load = self.load
        load.probes.discard(self)
        if self.category == "bad_credentials_derived":
            load.expensive_in_flight -= 1
        load.note_hostile(self.category, self.case, outcome, acceptable, fault)


class Slowloris(Conn):
    """Dribbles a request that never completes, a byte every 1-2 s; reopens when the daemon closes it."""

    HEADER = b"GET /v1/ocsp/status HTTP/1.1\r\nHost: 127.0.0.1\r\n"
    FILLER = b"X-Slowloris: aaaaaaaaaaaaaaaa\r\n"
    BODY_HEAD = b"PUT /v1/ocsp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 4096\r\n\r\n"

    def __init__(self, load, in_body):
        self.load = load
        self.in_body = in_body
        self.first_byte = None
        self.late_noted = False
        self.stream = (itertools.repeat(b" ") if in_body else
                       itertools.chain((bytes([b]) for b in self.HEADER),
                                       (bytes([b]) for b in itertools.cycle(self.FILLER))))
        load.slow_opened += 1
        load.slow_conns.add(self)
        super().__init__(load.engine, load.port)

    def on_connect(self):
        self.first_byte = time.monotonic()
        if self.in_body:
            self.send(self.BODY_HEAD)
        self.drip()

    def drip(self):
        if self.closed:
            return
        self.send(next(self.stream))
        if not self.closed:
            self.load.engine.at(time.monotonic() + self.load.rng.uniform(1.0, 2.0), self.drip)

    def on_data(self, data):
        self.load.slow_answered += 1

    def on_lost(self, error, leftover):
        load = self.load
        load.slow_conns.discard(self)
        if self.first_byte is not None:
            load.slow_closed.append(time.monotonic() - self.first_byte)
        if not load.stopping:
            load.engine.at(time.monotonic() + 0.05, lambda: load.stopping or Slowloris(load, self.in_body))

    def age(self, now):
        return now - self.first_byte if self.first_byte is not None else 0.0


def dispatch(load):
    """Starts hostile requests so that each category keeps its share of all requests sent."""
    if load.stopping:
        return
    now = time.monotonic()
    total = load.total_sent()
    shares = (("malformed", MALFORMED_SHARE), ("oversized_header", OVERSIZED_HEADER_SHARE),
              ("oversized_body", OVERSIZED_BODY_SHARE), ("bad_credentials", CHEAP_BAD_CREDENTIAL_SHARE))
    for category, share in shares:
        while load.hostile_sent[category] < share * total and len(load.probes) < PROBES_IN_FLIGHT:
            case = load.rng.choice(load.case_names[category])
            Probe(load, category, case, load.cases[category][case])
            total += 1
    if load.expensive_in_flight == 0 and now >= load.next_expensive and len(load.probes) < PROBES_IN_FLIGHT:
        load.next_expensive = now + 1.0 / EXPENSIVE_PER_SECOND
        case = load.rng.choice(load.case_names["bad_credentials_derived"])
        Probe(load, "bad_credentials_derived", case, load.cases["bad_credentials_derived"][case])
    load.engine.at(now + 0.01, lambda: dispatch(load))


def watchdog(load, pid, process):
    """Every second: RSS, the daemon's life, overdue valid requests, slowloris left open too long."""
    now = time.monotonic()
    sample = memory_kib(pid)
    if process.poll() is not None or sample is None:
        load.daemon_died = f"exit status {process.poll()} at {now - load.start:.1f} s into the load"
        load.stopping = True
        return
    load.rss.append((now - load.start, sample["VmRSS"]))
    for client in list(load.valid_clients):
        if client.overdue(now):
            load.valid_hangs += 1
            load.note_wrong(client.kind, f"no answer within {VALID_DEADLINE:.0f} s (hang)")
            client.kind = None
            client.close()
            client.replace()
    for slow in list(load.slow_conns):
        if not slow.late_noted and slow.age(now) > REQUEST_TIMEOUT + SLOW_CLOSE_LATE:
            slow.late_noted = True
            load.slow_late += 1
    elapsed = now - load.start
    if not load.stopping and elapsed >= load.next_progress:
        load.next_progress += 10
        ok = sum(load.valid_ok.values())
        print(f"  t={elapsed:4.0f} s: {ok} valid answers ({ok / elapsed:.0f}/s), {sum(load.valid_wrong.values())} wrong, "
              f"{sum(load.hostile_sent.values())} hostile, {len(load.slow_closed)} slowloris closed, "
              f"RSS {mib(sample['VmRSS']):.1f} MiB", flush=True)
    if not load.stopping or load.probes or any(c.kind for c in load.valid_clients):
        load.engine.at(now + 1.0, lambda: watchdog(load, pid, process))


def stop_load(load):
    load.stopping = True
    for slow in list(load.slow_conns):  # ours to close now: not counted as closed by the daemon
        load.slow_conns.discard(slow)
        slow.close()


def run_load(load, pid, process):
    args = load.args
    load.start = time.monotonic()
    load.end = load.start + args.seconds
    for _ in range(args.connections):
        load.valid_clients.append(ValidClient(load))
    for i in range(args.slowloris):  # spread over the first two seconds; a quarter dribble a body
        load.engine.at(load.start + 2.0 * i / max(1, args.slowloris),
                       lambda in_body=(i % 4 == 3): Slowloris(load, in_body))
    load.engine.at(load.start + 0.01, lambda: dispatch(load))
    load.engine.at(load.start + 1.0, lambda: watchdog(load, pid, process))
    load.engine.at(load.end, lambda: stop_load(load))
    load.engine.run_until(lambda: load.stopping)
    # Let the requests in flight finish (each is bounded by its deadline).
    drain_end = time.monotonic() + max(VALID_DEADLINE, PROBE_DEADLINE) + 1.0
    load.engine.run_until(lambda: time.monotonic() > drain_end or
                          (not load.probes and not any(c.kind for c in load.valid_clients)))
    now = time.monotonic()
    for client in list(load.valid_clients):
        if client.overdue(now) or client.kind:
            load.valid_hangs += 1
            load.note_wrong(client.kind, "no answer by the end of the drain (hang)")
        client.close()
    for probe in list(load.probes):
        probe.expire()
    for slow in list(load.slow_conns):
        slow.close()
    sample = memory_kib(pid)
    if sample:
        load.rss.append((now - load.start, sample["VmRSS"]))
    return now - load.start


# --- The run ---------------------------------------------------------------------------------------

def percentile(values, p):
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100.0 * len(ordered)))]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("ocspd")
    parser.add_argument("make_pki")
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--slowloris", type=int, default=32)
    parser.add_argument("--seed", type=int, default=int(time.time()))
    args = parser.parse_args()
    rng = random.Random(args.seed)
    print(f"seed {args.seed} (--seed {args.seed} repeats the choices of requests, cases and delays)")
    checks = Checks()
    work = tempfile.mkdtemp(prefix="ocspd-load.", dir="/tmp")
    responder = None
    daemon = None
    exit_status = 1
    try:
        # The PKI and a real responder that says GOOD for the proxy certificate.
        responder_port = free_port()
        pki = make_pki(args.make_pki, os.path.join(work, "pki"), responder_port)
        responder = OpensslResponder(pki, work, responder_port, {serial_of(os.path.join(pki, "proxy.pem")): "V"})
        checks.require("the responder (openssl ocsp) starts", responder.started(), "see responder.log")
        if checks.failures:
            return 1

        # ocspd on plain HTTP. No access log: at thousands of requests a second it would write a
        # few hundred thousand lines on the I/O threads, taking CPU from the requests on a 2-core
        # machine; its format and content are checked by ocspd_shutdown_test.sh and the API test.
        port = free_port()
        max_connections = DEFAULT_MAX_CONNECTIONS
        # Our connections at most, plus those the daemon still drains after answering (up to 1 s).
        needed = args.connections + args.slowloris + PROBES_IN_FLIGHT * 2 + 16
        extra = ["--http-listen", f"127.0.0.1:{port}", "--access-log", ""]
        if needed > max_connections:
            # A 503 to a valid client would be the limit working, not a fault: keep clear of it.
            max_connections = needed
            extra += ["--max-connections", str(max_connections)]
            print(f"--max-connections raised to {max_connections} for {args.connections} clients and "
                  f"{args.slowloris} slowloris connections")
        daemon = Daemon(args.ocspd, work, pki, extra, password=PASSWORD)
        started = daemon.start()
        checks.require("ocspd starts", started, open(os.path.join(work, "ocspd.err")).read()[-400:])
        if not started:
            return 1
        process = daemon.process
        auth = basic("admin", PASSWORD)
        status, _, body = blocking_request(port, "PUT", "/v1/ocsp", auth, b'{"ocsp_functionality":true}')
        checks.check("polling enabled (PUT /v1/ocsp)", 200, status)
        config = json.loads(body)
        responder_url = f"http://127.0.0.1:{responder_port}/ocsp"
        checks.check("responder_url is the proxy certificate's OCSP URI", responder_url, config.get("responder_url"))

        def cached_good():
            code, _, text = blocking_request(port, "GET", "/v1/ocsp/status", auth)
            return code == 200 and json.loads(text).get("cert_status") == "GOOD"

        checks.require("the first poll caches GOOD before the load", wait_for(cached_good), "still not GOOD")
        oracle = Oracle(responder_url, config)
        _, _, status_body = blocking_request(port, "GET", "/v1/ocsp/status", auth)
        fault = oracle.status(status_body)
        checks.require("the oracle accepts the daemon's status before the load", fault is None, fault)
        _, _, config_body = blocking_request(port, "GET", "/v1/ocsp", auth)
        fault = oracle.config(config_body)
        checks.require("the oracle accepts the daemon's configuration before the load", fault is None, fault)
        # ... and refuses what it must (so the checks during the load can fail).
        tampered = status_body.replace(b'"GOOD"', b'"REVOKED"')
        checks.require("the oracle refuses a status that is not GOOD", oracle.status(tampered) is not None, "accepted")
        checks.require("the oracle refuses a query_frequency never sent",
                       oracle.config(canonical(dict(config, query_frequency=59)).encode()) is not None, "accepted")

        print(f"load: {args.seconds:g} s, {args.connections} valid keep-alive connections, {args.slowloris} slowloris, "
              f"hostile requests on fresh connections (at most {PROBES_IN_FLIGHT} at once)", flush=True)
        load = Load(args, port, oracle, rng)
        elapsed = run_load(load, process.pid, process)

        # --- Figures.
        valid_ok = sum(load.valid_ok.values())
        wrong = sum(load.valid_wrong.values())
        total = load.total_sent()
        seconds = [load.per_second.get(i, 0) for i in range(int(args.seconds))]
        min_rate = min(seconds) if seconds else 0
        min_second = seconds.index(min_rate) if seconds else -1
        rss_after_warm_up = [kib for t, kib in load.rss if t >= WARM_UP]
        baseline = rss_after_warm_up[0] if rss_after_warm_up else (load.rss[0][1] if load.rss else 0)
        rss_max = max((kib for _, kib in load.rss), default=0)
        final = load.rss[-1][1] if load.rss else 0
        proc = memory_kib(process.pid) or {}
        hwm = proc.get("VmHWM", 0)
        try:
            with open(f"/proc/{process.pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            daemon_cpu = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, IndexError, ValueError):
            daemon_cpu = float("nan")
        own = resource.getrusage(resource.RUSAGE_SELF)
        slow_closed = sorted(load.slow_closed)
        print()
        print(f"== figures (seed {args.seed})")
        print(f"load: {args.seconds:g} s ({elapsed:.1f} s with the drain), {args.connections} valid connections, "
              f"{args.slowloris} slowloris, at most {Conn.max_open} client connections open at once "
              f"(--max-connections {max_connections})")
        print(f"valid requests: {load.valid_sent} sent, {valid_ok} answered correctly "
              f"({valid_ok / args.seconds:.0f}/s), {wrong} wrong, {load.valid_hangs} hangs, "
              f"{load.valid_conn_lost} connections closed by the daemon")
        for kind in sorted(load.latency):
            lat = load.latency[kind]
            print(f"  {kind}: {load.valid_ok[kind]} correct, {load.valid_wrong[kind]} wrong; latency ms "
                  f"p50 {1000 * percentile(lat, 50):.1f}, p99 {1000 * percentile(lat, 99):.1f}, "
                  f"max {1000 * max(lat):.1f}")
        print(f"  per second: min {min_rate} (second {min_second}), median {statistics.median(seconds) if seconds else 0:.0f}, "
              f"max {max(seconds, default=0)}: {' '.join(str(n) for n in seconds)}")
        print(f"all requests sent: {total}; hostile: {sum(load.hostile_sent.values())} "
              f"({100.0 * sum(load.hostile_sent.values()) / max(1, total):.2f}%)")
        for category in ("malformed", "oversized_header", "oversized_body", "bad_credentials", "bad_credentials_derived"):
            outcomes = ", ".join(f"{n} {o}" for o, n in load.outcomes[category].most_common())
            print(f"  {category}: {load.hostile_sent[category]} sent "
                  f"({100.0 * load.hostile_sent[category] / max(1, total):.2f}%): {outcomes or 'none'}")
        if load.expensive_latency:
            print(f"  bad_credentials_derived: 401 after p50 {1000 * percentile(load.expensive_latency, 50):.0f} ms, "
                  f"max {1000 * max(load.expensive_latency):.0f} ms (one PBKDF2 derivation each)")
        print("  malformed cases: " + "; ".join(
            f"{case} {dict(counts)}" for (category, case), counts in sorted(load.case_outcomes.items())
            if category == "malformed"))
        median_close = statistics.median(slow_closed) if slow_closed else float("nan")
        print(f"slowloris: {load.slow_opened} connections opened, {len(slow_closed)} closed by the daemon after "
              f"median {median_close:.2f} s (min {min(slow_closed, default=float('nan')):.2f}, "
              f"max {max(slow_closed, default=float('nan')):.2f}) from the first byte; {load.slow_answered} got bytes back")
        print(f"CPU: ocspd {daemon_cpu:.1f} s, this client {own.ru_utime + own.ru_stime:.1f} s "
              f"(over {elapsed:.1f} s of load; {os.cpu_count()} CPUs)")
        print(f"RSS: baseline {mib(baseline):.1f} MiB (after {WARM_UP:g} s), max {mib(rss_max):.1f} MiB, "
              f"final {mib(final):.1f} MiB, VmHWM {mib(hwm):.1f} MiB; {len(load.rss)} samples")
        if load.rss:
            print("  RSS every 5 s (MiB): " + " ".join(f"{mib(kib):.1f}" for t, kib in load.rss[::5]) +
                  f"; from the baseline to the end: {final - baseline:+d} KiB over {total} requests "
                  f"({1024.0 * (final - baseline) / max(1, total):+.2f} bytes a request)")
        print()

        # --- Checks.
        checks.require("the daemon ran through the load", load.daemon_died is None, load.daemon_died)
        checks.require("valid requests were answered correctly", valid_ok > 0, "none")
        checks.check("wrong answers to valid requests", "0", f"{wrong}" + (f" {load.wrong_examples}" if wrong else ""))
        checks.check(f"valid requests unanswered after {VALID_DEADLINE:g} s", 0, load.valid_hangs)
        checks.check("valid keep-alive connections closed by the daemon", "0",
                     f"{load.valid_conn_lost}" + (f" {load.lost_examples}" if load.valid_conn_lost else ""))
        checks.require("every second of the load had correct valid answers (slowloris did not starve them)",
                       bool(seconds) and min_rate > 0, f"second {min_second} had {min_rate}")
        malformed_share = load.hostile_sent["malformed"] / max(1, total)
        checks.require("about 1% of all requests were malformed (0.8% to 1.2%)",
                       0.008 <= malformed_share <= 0.012, f"{100 * malformed_share:.2f}%")
        for category, what in (("malformed", "malformed HTTP: 4xx with the contract's error body, or closed"),
                               ("oversized_header", f"headers over {HEADER_LIMIT} bytes: 431, then closed"),
                               ("oversized_body", f"bodies over {BODY_LIMIT} bytes: 413, then closed"),
                               ("bad_credentials", "missing or malformed credentials: 401 with WWW-Authenticate"),
                               ("bad_credentials_derived", "wrong password or unknown user: 401 with WWW-Authenticate")):
            sent = load.hostile_sent[category]
            bad = load.hostile_bad[category]
            examples = [e for e in load.hostile_examples if e.startswith(category + "/")]
            checks.require(f"{what} ({sent} sent)", sent > 0 and bad == 0,
                           f"{bad} unacceptable: {examples[:3]}" if bad else "none sent")
        fivexx = sum(n for category in load.outcomes for o, n in load.outcomes[category].items() if o.startswith("HTTP 5"))
        checks.check("5xx answers to hostile requests", 0, fivexx)
        if args.seconds >= REQUEST_TIMEOUT + SLOW_CLOSE_LATE:
            checks.require("the daemon closed slowloris connections", len(slow_closed) >= args.slowloris,
                           f"{len(slow_closed)} closed")
        else:
            print(f"(slowloris closes not required: a {args.seconds:g} s run is shorter than the request timeout + "
                  f"{SLOW_CLOSE_LATE:g} s)")
        lo, hi = REQUEST_TIMEOUT - SLOW_CLOSE_EARLY, REQUEST_TIMEOUT + SLOW_CLOSE_LATE
        out_of_window = [round(s, 2) for s in slow_closed if not lo <= s <= hi]
        checks.require(f"every slowloris close came {lo:g}-{hi:g} s after the first byte (request timeout)",
                       not out_of_window, f"{len(out_of_window)} outside: {out_of_window[:10]}")
        checks.check(f"slowloris connections still open {hi:g} s after their first byte", 0, load.slow_late)
        checks.require(f"RSS max stays within baseline + {RSS_BOUND_MIB} MiB",
                       rss_max - baseline <= RSS_BOUND_MIB * 1024,
                       f"baseline {mib(baseline):.1f}, max {mib(rss_max):.1f} MiB")
        checks.require(f"RSS at the end stays within baseline + {RSS_BOUND_MIB} MiB",
                       final - baseline <= RSS_BOUND_MIB * 1024,
                       f"baseline {mib(baseline):.1f}, final {mib(final):.1f} MiB")

        # --- After the load.
        checks.require("ocspd is still running after the load", process.poll() is None, f"exit status {process.poll()}")
        try:
            code, _, body = blocking_request(port, "GET", "/v1/ocsp/status", auth)
            after = oracle.status(body) if code == 200 else f"HTTP {code}: {body[:200]!r}"
        except (OSError, ValueError) as e:
            after = f"no answer: {e}"
        checks.require("a fresh GET /v1/ocsp/status after the load is correct", after is None, after)
        try:
            code, _, body = blocking_request(port, "GET", "/v1/ocsp", auth)
            after = oracle.config(body) if code == 200 else f"HTTP {code}: {body[:200]!r}"
        except (OSError, ValueError) as e:
            after = f"no answer: {e}"
        checks.require("a fresh GET /v1/ocsp after the load is correct", after is None, after)
        if process.poll() is None:
            checks.check("ocspd exits 0 on SIGTERM after the load", 0, daemon.stop())
            with open(os.path.join(work, "ocspd.out")) as f:
                said = f.read()
            checks.require("ocspd says it stopped", "ocspd: stopped" in said, said[-300:])
        checks.check("no sanitizer report on ocspd's stderr", "[]", repr(daemon.sanitizer_reports()[:3]))
        bad_401 = load.outcomes["bad_credentials"]["HTTP 401"] + load.outcomes["bad_credentials_derived"]["HTTP 401"]
        bad_sent = load.hostile_sent["bad_credentials"] + load.hostile_sent["bad_credentials_derived"]
        print(f"summary: {args.seconds:g} s, {args.connections} connections, valid {valid_ok} correct / {wrong} wrong "
              f"({valid_ok / args.seconds:.0f}/s, min {min_rate}/s); malformed {load.hostile_sent['malformed']} sent / "
              f"{sum(n for o, n in load.outcomes['malformed'].items() if o.startswith('HTTP 4'))} answered 4xx / "
              f"{sum(n for o, n in load.outcomes['malformed'].items() if o.startswith('closed'))} closed; "
              f"oversized headers {load.outcomes['oversized_header']['HTTP 431']}/{load.hostile_sent['oversized_header']} "
              f"431, bodies {load.outcomes['oversized_body']['HTTP 413']}/{load.hostile_sent['oversized_body']} 413; "
              f"bad credentials {bad_401}/{bad_sent} 401; "
              f"slowloris {load.slow_opened} opened / {len(slow_closed)} closed by the daemon "
              f"(median {median_close:.1f} s); RSS baseline {mib(baseline):.1f} / max {mib(rss_max):.1f} / "
              f"final {mib(final):.1f} / HWM {mib(hwm):.1f} MiB")
    finally:
        if daemon:
            daemon.stop()
        if responder:
            responder.stop()
        exit_status = finish(work, checks)  # here, so that an early return cleans up too
    return exit_status


if __name__ == "__main__":
    sys.exit(main())
