#!/usr/bin/env python3
"""Crash test: `tollgate-server` killed with SIGKILL while it issues licenses.

    python3 Tests/e2e/server_crash_test.py --server .build/debug/tollgate-server

Starts the server on a fresh SQLite database with an admin token, and from 8 threads
POSTs /v1/admin/licenses {"tiers": ["pro"]} in a loop, recording the id and the key of
every 2xx answer. After 300 of them (or 20 s) it kills the server with SIGKILL while the
threads keep firing, until each of them sees its connection fail. Then:

- a copy of the database as the crash left it (file, -wal, -shm) passes
  `PRAGMA integrity_check` and holds every acknowledged license;
- the server restarts on the same database; `PRAGMA integrity_check` is "ok", every
  acknowledged id is in the licenses table and answers GET /v1/admin/licenses/{id}, and
  the last keys acknowledged before the kill still unlock (POST /v1/unlock);
- no license key (grouped or without hyphens, any case, nor its 16-byte secret in hex or
  base64) is in the bytes of the database, its -wal and -shm files, or the server's log
  (its stdout and stderr), which holds neither the admin token nor the master key;
- more licenses (the admin API from 8 threads, and `license issue --count` while the
  server runs) until at least 1,000 exist, and the same scan over every key;
- SIGTERM stops the server within 10 s with status 0, and the database it leaves passes
  the same checks.

Exits 0 with one line per step, or 1 with the failed check. The server and the temporary
folder go in `finally`; every wait is bounded.
"""

import argparse
import http.client
import json
import random
import re
import secrets
import shutil
import sqlite3
import sys
import threading
import time
from collections import Counter
from pathlib import Path

sys.dont_write_bytecode = True

import tollgate_e2e as e2e  # noqa: E402
from tollgate_e2e import CheckFailed, check  # noqa: E402

THREADS = 8
BEFORE_KILL = 300  # acknowledged licenses before the kill
BURST_SECONDS = 20  # ... or this long, whichever comes first
TOTAL = 1000  # licenses in the database at the end
CLI_BATCH = 50  # of them issued with `license issue --count` while the server runs
THREAD_JOIN_SECONDS = 15
REQUEST_TIMEOUT = 10


def say(line):
    print(f"  ok: {line}", flush=True)


# -------------------------------------------------------------------- burst


class Burst:
    """THREADS threads POSTing /v1/admin/licenses on keep-alive connections."""

    def __init__(self, port, token):
        self.port = port
        self.body = json.dumps({"tiers": ["pro"]}).encode()
        self.headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        self.lock = threading.Lock()
        self.acknowledged = []  # (id, key), in the order the answers arrived
        self.statuses = Counter()  # non-2xx answers
        self.problems = []  # what went wrong that should not have
        self.killed = threading.Event()  # the server was killed: the next connection error ends a thread
        self.stop = threading.Event()  # stop now
        self.after_kill = Counter()  # how each thread learned of the kill
        self.threads = []

    def count(self):
        with self.lock:
            return len(self.acknowledged)

    def start(self):
        self.threads = [threading.Thread(target=self.worker, name=f"burst-{i}", daemon=True) for i in range(THREADS)]
        for thread in self.threads:
            thread.start()
        return self

    def post(self, conn):
        conn.request("POST", "/v1/admin/licenses", body=self.body, headers=self.headers)
        response = conn.getresponse()
        return response.status, response.read()

    def worker(self):
        conn = None
        fresh = True
        while not self.stop.is_set():
            try:
                if conn is None:
                    conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=REQUEST_TIMEOUT)
                    fresh = True
                status, raw = self.post(conn)
                fresh = False
            except (OSError, http.client.HTTPException) as error:
                if conn is not None:
                    conn.close()
                conn = None
                if self.killed.is_set():
                    with self.lock:
                        self.after_kill[type(error).__name__] += 1
                    return
                if not fresh:
                    continue  # a kept-alive connection the server had closed: once more on a new one
                with self.lock:
                    self.problems.append(f"a connection error before the kill: {type(error).__name__}: {error}")
                self.stop.set()
                return
            if 200 <= status < 300:
                try:
                    answer = json.loads(raw)
                    entry = (answer["license"]["id"], answer["license_key"])
                except (ValueError, KeyError, TypeError):
                    with self.lock:
                        self.problems.append(f"a {status} answer without license.id and license_key: {raw[:200]!r}")
                    continue
                with self.lock:
                    self.acknowledged.append(entry)
            else:
                with self.lock:
                    self.statuses[status] += 1
                    if len(self.problems) < 5:
                        self.problems.append(f"POST /v1/admin/licenses answered {status}: {raw[:200]!r}")
                if status >= 500 or status in (401, 403, 404):
                    self.stop.set()
                    return
        if conn is not None:
            conn.close()

    def join(self):
        deadline = time.monotonic() + THREAD_JOIN_SECONDS
        for thread in self.threads:
            thread.join(max(0.1, deadline - time.monotonic()))
        stuck = [t.name for t in self.threads if t.is_alive()]
        self.stop.set()
        check(stuck == [], f"threads still running {THREAD_JOIN_SECONDS} s after the kill: {stuck}")


def issue_with_api(server, token, count):
    """`count` more licenses through the admin API, from THREADS threads; their (id, key)."""
    burst = Burst(server_port(server), token).start()
    deadline = time.monotonic() + 120
    while burst.count() < count and not burst.stop.is_set():
        check(time.monotonic() < deadline, f"120 s and only {burst.count()} of {count} licenses issued")
        time.sleep(0.05)
    burst.stop.set()
    for thread in burst.threads:
        thread.join(REQUEST_TIMEOUT + 5)
    check(burst.problems == [], "issuing after the restart: " + "; ".join(burst.problems[:5]))
    return burst.acknowledged


def server_port(server):
    return int(server.url.rsplit(":", 1)[1])


# ----------------------------------------------------------------- database


def integrity(database: Path, read_only):
    uri = f"file:{database}?mode=ro" if read_only else f"file:{database}"
    conn = sqlite3.connect(uri, uri=True, timeout=10)
    try:
        result = [row[0] for row in conn.execute("PRAGMA integrity_check")]
        ids = {row[0] for row in conn.execute("SELECT id FROM licenses")}
    finally:
        conn.close()
    check(result == ["ok"], f"PRAGMA integrity_check on {database.name}: {result[:10]}")
    return ids


def check_ids(acknowledged, ids, where):
    missing = [lic for lic, _ in acknowledged if lic not in ids]
    check(missing == [], f"{where}: {len(missing)} acknowledged licenses are missing, e.g. {missing[:5]}")


def check_scan(files, keys, extra_secrets, what):
    started = time.monotonic()
    findings = e2e.scan(files, keys, extra_secrets)
    check(findings == [], f"{what}: secrets in the bytes on disk: " + "; ".join(findings[:5]) + (f" (+{len(findings) - 5} more)" if len(findings) > 5 else ""))
    sizes = ", ".join(f"{f.name} {f.stat().st_size // 1024} KiB" for f in files)
    return f"{len(keys)} keys, none in {sizes} ({time.monotonic() - started:.1f} s)"


# --------------------------------------------------------------------- flow


def unlock(server, key):
    status, _, answer = e2e.http(
        "POST", server.url + "/v1/unlock", {"license_key": key, "device_id": "crash-test-" + secrets.token_hex(8)}, timeout=REQUEST_TIMEOUT
    )
    return status, answer


def run(args, tmp: Path):
    token = secrets.token_hex(32)
    master = e2e.master_key()
    env = e2e.child_env(TOLLGATE_MASTER_KEY=master, TOLLGATE_ADMIN_TOKEN=token)
    secrets_in_env = [("the admin token", token), ("the master key", master)]
    port = e2e.free_port()
    database = tmp / "licenses.sqlite"
    config = e2e.write_server_config(
        tmp / "server.yml",
        port,
        database,
        origins=["http://127.0.0.1:8000"],
        extra="tiers: [member, concurrency, pro]\nepochs: [1]\n",
    )
    log = tmp / "server.log"
    server = e2e.LicenseServer(args.server, config, port, env, log)
    burst = None
    try:
        server.start_healthy()
        status, _, answer = e2e.http("GET", server.url + "/v1/admin/licenses", headers={"Authorization": "Bearer " + token})
        check(status == 200, f"GET /v1/admin/licenses with the admin token answered {status}: {answer}")
        say(f"tollgate-server answers {server.url}/healthz, the admin API is on")

        # 1. The burst, and SIGKILL in the middle of it.
        burst = Burst(port, token).start()
        started = time.monotonic()
        while burst.count() < BEFORE_KILL and time.monotonic() - started < BURST_SECONDS and not burst.stop.is_set():
            time.sleep(0.01)
        check(not burst.stop.is_set(), "the burst stopped before the kill: " + "; ".join(burst.problems[:5]))
        acknowledged_at_kill = burst.count()
        burst.killed.set()  # from now on a connection error is the kill's
        server.kill9()
        killed_at = time.monotonic()
        burst.join()
        acknowledged = list(burst.acknowledged)
        check(burst.problems == [], "the burst: " + "; ".join(burst.problems[:5]))
        check(len(acknowledged) >= 1, "no license was acknowledged before the kill")
        check(len({lic for lic, _ in acknowledged}) == len(acknowledged), "two answers named the same license id")
        check(len({key for _, key in acknowledged}) == len(acknowledged), "two answers carried the same license key")
        for _, key in acknowledged:
            check(re.fullmatch(r"K[0-9A-Z]{3}(-[0-9A-Z]{4}){6}", key), f"an answer's license_key is {key!r}")
        say(
            f"{len(acknowledged)} licenses acknowledged in {killed_at - started:.1f} s from {THREADS} threads "
            f"({len(acknowledged) - acknowledged_at_kill} answers arrived after SIGKILL was sent); "
            f"every thread then saw its connection fail ({dict(burst.after_kill)})"
        )

        # 2. The database as the crash left it (a copy: the restart must find it untouched).
        snapshot = tmp / "snapshot"
        snapshot.mkdir()
        for file in e2e.db_files(database):
            shutil.copy2(file, snapshot / file.name)
        crash_files = ", ".join(f.name for f in e2e.db_files(database))
        ids = integrity(snapshot / database.name, read_only=False)
        check_ids(acknowledged, ids, "the database as the crash left it")
        say(f"the crashed database ({crash_files}): integrity_check ok, all {len(acknowledged)} acknowledged licenses in it ({len(ids)} rows)")

        # 3. Restart on the same database.
        server.start_healthy()
        ids = integrity(database, read_only=True)
        check_ids(acknowledged, ids, "after the restart")
        auth = {"Authorization": "Bearer " + token}
        for lic, _ in acknowledged:
            status, _, answer = e2e.http("GET", f"{server.url}/v1/admin/licenses/{lic}", headers=auth, timeout=REQUEST_TIMEOUT)
            check(status == 200, f"GET /v1/admin/licenses/{lic} answered {status}: {answer}")
            check(answer.get("license", {}).get("id") == lic, f"GET /v1/admin/licenses/{lic} answered {answer}")
            check(answer["license"].get("status") == "active" and answer["license"].get("tiers") == ["pro"], f"{lic} is {answer['license']}")
        sample = acknowledged[-5:] + random.sample(acknowledged[:-5], min(5, max(0, len(acknowledged) - 5)))
        for lic, key in sample:
            status, answer = unlock(server, key)
            check(status == 200 and answer.get("keys"), f"the key of {lic} (acknowledged before the kill) does not unlock: {status} {answer}")
        say(
            f"restarted: integrity_check ok, all {len(acknowledged)} acknowledged ids in the table and answered by "
            f"GET /v1/admin/licenses/{{id}}; {len(sample)} of their keys (the last 5 acknowledged among them) unlock"
        )

        keys = [key for _, key in acknowledged]
        say("scan: " + check_scan(e2e.db_files(database) + [log], keys, secrets_in_env, "after the crash and restart"))

        # 4. Up to 1,000 licenses, some from the command line while the server runs.
        cli_keys = server.issue("pro", count=CLI_BATCH)
        existing = len(integrity(database, read_only=True))
        more = issue_with_api(server, token, max(0, TOTAL - existing))
        acknowledged += more
        keys += cli_keys + [key for _, key in more]
        check(len(set(keys)) == len(keys), "two licenses got the same key")
        ids = integrity(database, read_only=True)
        check(len(ids) >= TOTAL, f"{len(ids)} licenses in the database, expected at least {TOTAL}")
        check_ids(acknowledged, ids, f"with {len(ids)} licenses")
        say(f"{len(ids)} licenses in the database ({CLI_BATCH} from `license issue --count` while the server ran, {len(more)} more from the admin API)")
        say("scan: " + check_scan(e2e.db_files(database) + [log], keys, secrets_in_env, f"with {len(ids)} licenses"))

        # 5. SIGTERM.
        server.stop_cleanly()
        ids = integrity(database, read_only=False)
        check_ids(acknowledged, ids, "after SIGTERM")
        say("SIGTERM: exit 0 within 10 s; integrity_check ok; scan: " + check_scan(e2e.db_files(database) + [log], keys, secrets_in_env, "after SIGTERM"))
    except CheckFailed:
        if server.proc is not None:
            print(f"tollgate-server's log (last lines):\n{server.log_tail()}", file=sys.stderr)
        raise
    finally:
        if burst is not None:
            burst.stop.set()
        server.cleanup()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--server", default=str(e2e.REPO / ".build" / "debug" / "tollgate-server"), help="the built tollgate-server binary")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (database, log)")
    args = parser.parse_args()
    args.server = Path(args.server).resolve()
    if not args.server.is_file():
        print(f"server_crash_test: --server: {args.server} is not a file", file=sys.stderr)
        return 2
    return e2e.run_test("server_crash_test", lambda tmp: run(args, tmp), args.keep)

if __name__ == "__main__":
    sys.exit(main())
