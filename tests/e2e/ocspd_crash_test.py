#!/usr/bin/env python3
"""Crash safety end to end: kill -9 ocspd at random moments during a stream of PUT /v1/ocsp.

    ocspd_crash_test.py OCSPD MAKE_TEST_PKI [--min-puts N] [--seed S]

Each round starts the real ocspd on a state directory (polling a real `openssl ocsp` responder),
sends PUTs one after another over the UNIX socket, each with a query_frequency never used before,
and SIGKILLs the daemon after a random delay, often while a PUT is in flight. The next round's
start checks, before sending anything:
  - ocspd starts at all: a torn or corrupt ocsp-config.json or users.json would make it refuse the
    directory; for ocsp-status.der, which it would drop and query again, its start-up line must not
    say the saved answer was dropped;
  - GET /v1/ocsp holds the last acknowledged configuration or the one in flight, nothing else;
  - ocsp-config.json on disk says the same, and no temporary file from before the restart remains;
  - the cached status is the responder's answer (GOOD, with its times) or none yet (UNKNOWN, no
    times): never another status, never times from nowhere.
At the end: the state directory is 0700 and every file in it 0600, with ocspd started under umask 0.
Rounds continue until at least --min-puts PUTs (default 200) were sent. Prints one PASS/FAIL line
per check and a summary; exit status 0 only when every check passed.
"""
import argparse
import json
import os
import random
import sys
import tempfile
import threading
import time

from ocspd_e2e import (DEADLINE, Checks, Daemon, OpensslResponder, finish, free_port, make_pki, serial_of,
                       unix_request, wait_for)


class PutStream(threading.Thread):
    """PUTs back to back, each with the next fresh query_frequency, until the daemon dies."""

    def __init__(self, socket_path, first_value):
        super().__init__(daemon=True)
        self.socket_path = socket_path
        self.next_value = first_value  # values are used once, connected or not
        self.sent = 0           # PUTs that reached a connected daemon
        self.acknowledged = []  # values whose 200 arrived
        self.in_flight = None   # the value of the PUT whose answer never came (None: the kill fell between PUTs)
        self.unexpected = []    # answers other than 200 or a dead connection

    def run(self):
        while True:
            value = self.next_value
            self.next_value += 1
            body = json.dumps({"query_frequency": value}).encode()

            def connected(value=value):
                self.in_flight = value
                self.sent += 1

            try:
                status, text = unix_request(self.socket_path, "PUT", "/v1/ocsp", body, timeout=5,
                                            on_connected=connected)
            except OSError:  # ConnectionError included
                return  # killed mid-request: `in_flight` holds it; refused before connecting: nothing is
            if status != 200:
                self.unexpected.append((value, status, text))
                return
            self.in_flight = None
            self.acknowledged.append(value)


def status_is_sound(status):
    """GOOD with the responder's times, or nothing cached yet (UNKNOWN without times)."""
    if status.get("cert_status") == "UNKNOWN":
        return not any(k in status for k in ("produced_at", "this_update", "next_update", "revocation_time"))
    if status.get("cert_status") != "GOOD" or "revocation_time" in status:
        return False
    from email.utils import parsedate_to_datetime
    try:
        this_update = parsedate_to_datetime(status["this_update"]).timestamp()
        next_update = parsedate_to_datetime(status["next_update"]).timestamp()
        produced_at = parsedate_to_datetime(status["produced_at"]).timestamp()
    except (KeyError, TypeError, ValueError):
        return False
    now = time.time()
    return this_update <= now + 60 and produced_at <= now + 60 and next_update > this_update


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("ocspd")
    parser.add_argument("make_pki")
    parser.add_argument("--min-puts", type=int, default=200)
    parser.add_argument("--seed", type=int, default=int(time.time()))
    args = parser.parse_args()
    rng = random.Random(args.seed)
    print(f"seed {args.seed} (--seed {args.seed} repeats the kill schedule)")
    checks = Checks()
    work = tempfile.mkdtemp(prefix="ocspd-crash.", dir="/tmp")
    responder = None
    daemon = None
    try:
        # The PKI and a real responder that says GOOD for the proxy certificate.
        port = free_port()
        pki = make_pki(args.make_pki, os.path.join(work, "pki"), port)
        responder = OpensslResponder(pki, work, port, {serial_of(os.path.join(pki, "proxy.pem")): "V"})
        if not responder.started():
            print("FAIL: the responder did not start")
            return 1

        daemon = Daemon(args.ocspd, work, pki, password="admin-crash-test")
        checks.require("ocspd starts on a new state directory", daemon.start(), "see ocspd.err")
        status, text = unix_request(daemon.socket, "PUT", "/v1/ocsp", b'{"ocsp_functionality":true,"response_timeout":10}')
        checks.check("polling enabled", 200, status)
        acknowledged = json.loads(text)["query_frequency"]

        # A saved answer from the start, so that every restart has one to reload (each PUT below
        # reschedules the poll, so a slow build might otherwise never finish a query in a round).
        def cached_good():
            code, body = unix_request(daemon.socket, "GET", "/v1/ocsp/status")
            return code == 200 and json.loads(body).get("cert_status") == "GOOD"

        checks.require("the first poll caches GOOD", wait_for(cached_good), "still UNKNOWN")
        in_flight = None
        next_value = 60
        puts = kills = rounds_with_flight = committed_in_flight = reloaded = torn_writes = 0
        while puts < args.min_puts:
            stream = PutStream(daemon.socket, next_value)
            stream.start()
            time.sleep(rng.uniform(0.0, 0.08))
            daemon.kill()
            kills += 1
            stream.join(DEADLINE)
            puts += stream.sent
            next_value = stream.next_value
            # A temporary file left behind: the kill landed inside a state file's replacement.
            torn_writes += any(n.endswith(".tmp") for n in os.listdir(daemon.state))
            if stream.acknowledged:
                acknowledged = stream.acknowledged[-1]
            in_flight = stream.in_flight
            rounds_with_flight += in_flight is not None
            if stream.unexpected:
                checks.check(f"round {kills}: every PUT answered 200 until the kill", "[]", repr(stream.unexpected))

            # The restart and what it must find.
            restarted_at = time.time()
            started = daemon.start()
            checks.require(f"round {kills}: ocspd restarts after kill -9 (state files readable)", started,
                           open(os.path.join(work, "ocspd.err")).read()[-400:])
            if not started:
                break
            # A torn or damaged ocsp-status.der does not stop ocspd (it drops the answer and queries
            # again), so its start-up line is the check: the saved answer must reload and verify.
            checks.require(f"round {kills}: the saved answer was not dropped at start-up",
                           "cached OCSP answer dropped" not in daemon.said, daemon.said.strip()[-300:])
            reloaded += "cached OCSP answer reloaded and verified again: GOOD" in daemon.said
            allowed = {acknowledged} | ({in_flight} if in_flight is not None else set())
            status, text = unix_request(daemon.socket, "GET", "/v1/ocsp")
            served = json.loads(text).get("query_frequency") if status == 200 else f"HTTP {status}"
            ok = served in allowed
            checks.require(f"round {kills}: GET /v1/ocsp is acknowledged {acknowledged} or in-flight {in_flight}",
                           ok, f"served {served}")
            if served == in_flight:
                committed_in_flight += 1
                acknowledged = in_flight  # the in-flight PUT committed; it is the state from now on
            with open(os.path.join(daemon.state, "ocsp-config.json")) as f:
                on_disk = json.load(f).get("query_frequency")
            checks.check(f"round {kills}: ocsp-config.json holds what GET serves", served, on_disk)
            # The new daemon may be replacing a file right now (its first poll); only a temporary
            # file older than this start is a leftover.
            leftovers = []
            for name in os.listdir(daemon.state):
                try:
                    if name.endswith(".tmp") and os.stat(os.path.join(daemon.state, name)).st_mtime < restarted_at:
                        leftovers.append(name)
                except FileNotFoundError:
                    pass  # renamed into place meanwhile
            checks.check(f"round {kills}: no temporary file from before the restart", "[]", repr(leftovers))
            status, text = unix_request(daemon.socket, "GET", "/v1/ocsp/status")
            cached = json.loads(text) if status == 200 else {"http": status}
            checks.require(f"round {kills}: the cached status is the responder's GOOD or none", status_is_sound(cached),
                           text)
        # Secrets and state stay private: the directory 0700, every file in it 0600.
        modes = {name: oct(os.stat(os.path.join(daemon.state, name)).st_mode & 0o777)
                 for name in sorted(os.listdir(daemon.state))}
        checks.check("the state directory is 0700", "0o700", oct(os.stat(daemon.state).st_mode & 0o777))
        checks.check("every state file (users.json included) is 0600",
                     {name: "0o600" for name in modes}, modes)
        checks.require("users.json, ocsp-config.json and ocsp-status.der are all there",
                       {"users.json", "ocsp-config.json", "ocsp-status.der"} <= set(modes), repr(sorted(modes)))
        daemon.stop()
        print(f"{puts} PUTs sent, {kills} kills: {rounds_with_flight} with a PUT in flight ({committed_in_flight} of "
              f"those committed), {torn_writes} inside a state file's replacement (a temporary file left); "
              f"the saved GOOD reloaded and verified at {reloaded} restarts")
        checks.require("at least the asked number of PUTs was sent", puts >= args.min_puts, f"{puts}")
        checks.require("some kills hit a PUT in flight", rounds_with_flight > 0, f"{rounds_with_flight} of {kills}")
        checks.require("the saved GOOD was reloaded at some restarts (the status file was really exercised)",
                       reloaded > 0, "never")
        checks.check("no sanitizer report on ocspd's stderr", "[]", repr(daemon.sanitizer_reports()[:3]))
    finally:
        if daemon:
            daemon.stop()
        if responder:
            responder.stop()
        exit_status = finish(work, checks)  # here, so that an early return or an exception cleans up too
    return exit_status


if __name__ == "__main__":
    sys.exit(main())
