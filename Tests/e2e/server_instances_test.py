#!/usr/bin/env python3
"""Two `tollgate-server` processes on one PostgreSQL database behind nginx.

    python3 Tests/e2e/server_instances_test.py --tollgate .build/debug/tollgate \
        --server .build/debug/tollgate-server --postgres postgres://tollgate@127.0.0.1:5432/tollgate_test

Makes a database of its own on the PostgreSQL server (psql), starts two instances on it and
an nginx in front of them (round robin; its configuration is written into the temporary
folder; everything on 127.0.0.1), then checks what one server promises, across both:

- device limit: 50 concurrent unlocks of one license (limit 3) through nginx: exactly 3;
- webhook idempotency: one signed Stripe event sent 20 times at once, to both instances
  directly: every delivery acknowledged, one license;
- brute force spread over both (through nginx): per license key and per client address
  (60 a minute each), exactly as many answers that are not 429 as the limits allow one server;
- a revocation through one instance is refused by the other's cache within 1 s;
- `kill -9` of one instance during a burst of webhook deliveries through nginx: every
  acknowledged event has its license in the database; the refused ones, delivered again
  (as Stripe does), make theirs, and no session has two;
- a member unlocks a chapter in headless Chromium through nginx (the site's license
  server is the nginx front).

Exits 0 with one line per step, or 1 with the failed check. Processes, the database and
the temporary folder are removed in `finally`; every wait and loop is bounded.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

sys.dont_write_bytecode = True

import tollgate_e2e as e2e  # noqa: E402
from tollgate_e2e import CheckFailed, check  # noqa: E402

ADMIN_TOKEN = "instances-admin-token-0123456789abcdefghij"
STRIPE_SECRET = "whsec_instances_0123456789abcdefghijklmnop"
REVOCATION_SECONDS = 1.0
BURST_EVENTS = 240
BURST_SECONDS = 30


def say(line):
    print(f"  ok: {line}", flush=True)


class Database:
    """A database of its own on the PostgreSQL server at `url`, made and dropped with psql."""

    def __init__(self, url):
        self.base = url
        self.name = "tollgate_e2e_" + os.urandom(6).hex()
        self.url = url.rsplit("/", 1)[0] + "/" + self.name

    def psql(self, sql, url=None):
        done = e2e.run(["psql", "-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1", url or self.url, "-c", sql], e2e.child_env(), f"psql {sql[:40]}")
        return [line for line in done.stdout.splitlines() if line.strip()]

    def create(self):
        self.psql(f"CREATE DATABASE {self.name}", url=self.base)
        return self

    def drop(self):
        try:
            self.psql(f"DROP DATABASE IF EXISTS {self.name} WITH (FORCE)", url=self.base)
        except CheckFailed as error:
            print(f"could not drop {self.name}: {error}", file=sys.stderr)


class Nginx(e2e.Process):
    """nginx in the foreground with a configuration of its own in `folder`."""

    def __init__(self, binary, folder: Path, port, upstreams):
        folder.mkdir(parents=True, exist_ok=True)
        servers = "\n".join(f"        server 127.0.0.1:{p} max_fails=1 fail_timeout=2s;" for p in upstreams)
        (folder / "nginx.conf").write_text(f"""
worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {folder}/body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    upstream tollgate {{
{servers}
        keepalive 32;
    }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://tollgate;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        }}
    }}
}}
""", encoding="utf-8")
        super().__init__([binary, "-p", folder, "-c", folder / "nginx.conf", "-g", "daemon off;"], e2e.child_env(), folder / "nginx.log", "nginx")
        self.url = f"http://127.0.0.1:{port}"

    def start_ready(self):
        self.start()

        def ready():
            if not self.running():
                raise CheckFailed(f"nginx exited with status {self.proc.returncode}:\n{self.log_tail()}")
            try:
                return e2e.http("GET", self.url + "/healthz", timeout=2)[0] == 200
            except OSError:
                return False

        e2e.wait_until(f"nginx at {self.url}", ready, 30, interval=0.2)
        return self


def signed(body: bytes):
    import hashlib
    import hmac

    timestamp = int(time.time())
    mac = hmac.new(STRIPE_SECRET.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return {"Stripe-Signature": f"t={timestamp},v1={mac}", "Content-Type": "application/json"}


def checkout_event(event, session):
    return json.dumps({
        "id": event, "object": "event", "type": "checkout.session.completed",
        "data": {"object": {"id": session, "object": "checkout.session", "payment_status": "paid", "payment_link": None,
                            "metadata": {"tier": "pro"}, "customer": "cus_e2e", "customer_details": {"email": "buyer@example.com"},
                            "subscription": None, "payment_intent": "pi_" + session[3:], "invoice": None}},
    }).encode()


def post_raw(url, body: bytes, headers, timeout=10):
    import urllib.error
    import urllib.request

    request = urllib.request.Request(url, data=body, method="POST", headers=headers)
    try:
        with e2e.OPENER.open(request, timeout=timeout) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def in_parallel(jobs, threads=16):
    """Runs every job (a function) on `threads` threads at once; their results, in order."""
    results = [None] * len(jobs)
    start = threading.Barrier(min(threads, len(jobs)))
    lock = threading.Lock()
    queue = list(enumerate(jobs))

    def worker():
        try:
            start.wait(10)
        except threading.BrokenBarrierError:
            pass
        while True:
            with lock:
                if not queue:
                    return
                index, job = queue.pop(0)
            try:
                results[index] = job()
            except OSError as error:
                results[index] = error

    workers = [threading.Thread(target=worker, daemon=True) for _ in range(min(threads, len(jobs)))]
    for w in workers:
        w.start()
    for w in workers:
        w.join(120)
    check(not any(w.is_alive() for w in workers), "a request thread is still running after 120 s")
    return results


def run(args, tmp: Path):
    database = Database(args.postgres).create()
    master = e2e.master_key()
    env = e2e.child_env(TOLLGATE_MASTER_KEY=master, TOLLGATE_ADMIN_TOKEN=ADMIN_TOKEN, STRIPE_WEBHOOK_SECRET=STRIPE_SECRET, CI="true")
    site = e2e.copy_example_site(tmp / "site")
    ports = [e2e.free_port() for _ in range(4)]
    check(len(set(ports)) == 4, "free_port gave the same port twice; run again")
    site_port, front_port, port_a, port_b = ports
    front = f"http://127.0.0.1:{front_port}"
    site_origin = f"http://127.0.0.1:{site_port}"
    extra = (
        "database_tls: disable\n"
        "trusted_proxies: [127.0.0.1]\n"
        "limits:\n  license_attempts_per_minute: 60\n  client_requests_per_minute: 60\n"
        "stripe:\n  metadata_key: tier\n"
    )
    servers = []
    for name, port in (("a", port_a), ("b", port_b)):
        config = tmp / f"server-{name}.yml"
        config.write_text(
            f"listen: 127.0.0.1:{port}\ndatabase: {database.url}\nsite: {site / 'site.yml'}\nallowed_origins: [{site_origin}]\n" + extra,
            encoding="utf-8",
        )
        servers.append(e2e.LicenseServer(args.server, config, port, env, tmp / f"server-{name}.log"))
    a, b = servers
    nginx = Nginx(args.nginx, tmp / "nginx", front_port, [port_a, port_b])
    static = None
    driver = None
    admin = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    try:
        out = tmp / "out"
        e2e.run([args.tollgate, "build", site, "--output", out, "--base-url", site_origin, "--license-server", front, "--quiet"], env, "tollgate build")
        # Both instances start at once on the empty database: the migrations run once.
        a.start()
        b.start()
        a.wait_healthy()
        b.wait_healthy()
        check(database.psql("SELECT count(*) FROM schema_migrations") == ["1"], "the migrations did not run exactly once")
        nginx.start_ready()
        status, _, body = e2e.http("GET", front + "/healthz")
        check(status == 200 and body.get("database") == "reachable", f"/healthz through nginx: {status} {body}")
        say(f"two instances (:{port_a}, :{port_b}) on {database.url}, started at once, migrated once; nginx in front at {front}")

        # 1. Device limit.
        status, _, issued = e2e.http("POST", front + "/v1/admin/licenses", {"tiers": ["pro"], "device_limit": 3}, headers=admin)
        check(status == 201, f"issuing through nginx: {status} {issued}")
        key, license_id = issued["license_key"], issued["license"]["id"]
        jobs = [
            (lambda i=i: e2e.http("POST", front + "/v1/unlock", {"license_key": key, "device_id": f"race-device-{i:04d}"},
                                  headers={"X-Forwarded-For": f"198.51.100.{i}"})[0])
            for i in range(50)
        ]
        statuses = Counter(in_parallel(jobs, threads=25))
        check(statuses == Counter({200: 3, 409: 47}), f"50 concurrent unlocks with limit 3 gave {dict(statuses)}")
        check(database.psql(f"SELECT count(*) FROM devices WHERE license_id = '{license_id}'") == ["3"], "the database does not hold exactly 3 devices")
        say("50 concurrent unlocks through nginx, limit 3: exactly 3 devices (3 × 200, 47 × 409)")

        # 2. Webhook idempotency, one event to both instances at once.
        body = checkout_event("evt_e2e_race", "cs_e2e_race")
        headers = signed(body)
        jobs = [(lambda url=url: post_raw(url + "/v1/webhooks/stripe", body, headers)[0]) for url in [a.url, b.url] * 10]
        statuses = Counter(in_parallel(jobs, threads=20))
        check(statuses == Counter({200: 20}), f"20 deliveries of one event: {dict(statuses)}")
        check(database.psql("SELECT count(*) FROM licenses WHERE stripe_session = 'cs_e2e_race'") == ["1"], "one event made more or less than one license")
        say("one Stripe event delivered 20 times at once to both instances: 20 × 200, one license")

        # 3. Brute force spread over both: per license key and per client address, 60 a minute each.
        status, _, issued = e2e.http("POST", front + "/v1/admin/licenses", {"tiers": ["pro"], "device_limit": 1000}, headers=admin)
        brute_key = issued["license_key"]
        # The buckets refill at one token a second: a run of t seconds may pass up to t more.
        started = time.monotonic()
        per_license = Counter(
            e2e.http("POST", front + "/v1/unlock", {"license_key": brute_key, "device_id": f"brute-device-{i:04d}"},
                     headers={"X-Forwarded-For": f"203.0.113.{i}"})[0]
            for i in range(90)
        )
        refill = int(time.monotonic() - started) + 1
        check(set(per_license) <= {200, 429} and 60 <= per_license[200] <= 60 + refill,
              f"90 unlocks of one key over both instances in {refill - 1}+ s: {dict(per_license)} (expected 60 × 200, up to {refill} more, the rest 429)")
        started = time.monotonic()
        per_client = Counter(
            e2e.http("POST", front + "/v1/unlock", {"license_key": e2e.make_license_key(), "device_id": "brute-device-guess"},
                     headers={"X-Forwarded-For": "192.0.2.77"})[0]
            for _ in range(90)
        )
        refill = int(time.monotonic() - started) + 1
        check(set(per_client) <= {401, 429} and 60 <= per_client[401] <= 60 + refill,
              f"90 guesses from one client over both instances in {refill - 1}+ s: {dict(per_client)} (expected 60 × 401, up to {refill} more, the rest 429)")
        say(f"brute force over both instances, as against one: {per_license[200]} of 90 attempts on one key and {per_client[401]} of 90 guesses"
            " from one client passed (60 a minute, refilled while it ran), the rest 429")

        # 4. Revocation through A, seen by B's cache.
        status, _, issued = e2e.http("POST", a.url + "/v1/admin/licenses", {"tiers": ["pro"]}, headers=admin)
        revoked_id = issued["license"]["id"]
        member = {"X-Forwarded-For": "192.0.2.10"}  # a client of its own: the polling below stays within its limit
        status, _, unlocked = e2e.http("POST", a.url + "/v1/unlock", {"license_key": issued["license_key"], "device_id": "revocation-device"}, headers=member)
        check(status == 200, f"unlock before the revocation: {status}")
        token = unlocked["device_token"]
        for _ in range(3):  # B answers from memory now
            check(e2e.http("POST", b.url + "/v1/refresh", {"device_token": token}, headers=member)[0] == 200, "refresh through B before the revocation")
        status, _, _ = e2e.http("POST", a.url + f"/v1/admin/licenses/{revoked_id}/revoke", {}, headers=admin)
        check(status == 200, f"revoking through A: {status}")
        revoked_at = time.monotonic()
        refused = e2e.wait_until(
            "B to refuse the revoked license",
            lambda: e2e.http("POST", b.url + "/v1/refresh", {"device_token": token}, headers=member)[0] == 403 and time.monotonic(),
            10, interval=0.05,
        )
        elapsed = refused - revoked_at
        check(elapsed <= REVOCATION_SECONDS, f"B refused the revoked license only after {elapsed:.2f} s (more than {REVOCATION_SECONDS} s)")
        say(f"a revocation through A was refused by B after {elapsed * 1000:.0f} ms")

        # 5. kill -9 of B during a burst of webhook deliveries through nginx.
        acknowledged, refused_events, lock = [], [], threading.Lock()
        killed = threading.Event()
        sent = iter(range(BURST_EVENTS))
        deadline = time.monotonic() + BURST_SECONDS

        def deliver():
            while time.monotonic() < deadline:
                with lock:
                    index = next(sent, None)
                if index is None:
                    return
                event, session = f"evt_burst_{index:04d}", f"cs_burst_{index:04d}"
                payload = checkout_event(event, session)
                try:
                    status = post_raw(front + "/v1/webhooks/stripe", payload, signed(payload))[0]
                except OSError:
                    status = None
                with lock:
                    (acknowledged if status == 200 else refused_events).append((event, session, payload))
                    if len(acknowledged) == BURST_EVENTS // 3 and not killed.is_set():
                        killed.set()
                        b.kill9()

        workers = [threading.Thread(target=deliver, daemon=True) for _ in range(8)]
        for w in workers:
            w.start()
        for w in workers:
            w.join(BURST_SECONDS + 30)
        check(killed.is_set(), f"the burst ended before the kill ({len(acknowledged)} acknowledged)")
        stored = set(database.psql("SELECT stripe_session FROM licenses WHERE stripe_session LIKE 'cs_burst_%'"))
        lost = [session for _, session, _ in acknowledged if session not in stored]
        check(not lost, f"{len(lost)} acknowledged deliveries have no license after kill -9: {lost[:5]}")
        for event, session, payload in refused_events:  # Stripe delivers again
            status = post_raw(front + "/v1/webhooks/stripe", payload, signed(payload))[0]
            check(status == 200, f"redelivering {event} after the kill: {status}")
        counts = database.psql("SELECT count(*), count(DISTINCT stripe_session) FROM licenses WHERE stripe_session LIKE 'cs_burst_%'")
        total = len(acknowledged) + len(refused_events)
        check(counts == [f"{total}|{total}"], f"after redelivery: {counts}, expected {total} licenses, one per session")
        say(f"kill -9 of B during {total} webhook deliveries: all {len(acknowledged)} acknowledged kept; {len(refused_events)} refused, redelivered, applied once")
        b.start_healthy()

        # 6. A member unlocks in Chromium through the nginx front.
        import server_e2e_test  # selenium only from here on

        static = e2e.StaticSite(out, site_port, tmp / "http.log").start_ready()
        status, _, issued = e2e.http("POST", front + "/v1/admin/licenses", {"tiers": ["pro"]}, headers=admin)
        page = server_e2e_test.choose_page(out)
        driver = e2e.start_browser(tmp / "browser")
        session = server_e2e_test.Session(driver, site_origin)
        session.open(page)
        session.wait_for_panel(page)
        session.submit(issued["license_key"])
        premium = session.wait_for_premium(page)
        check(premium.is_displayed() and premium.text.strip() != "", "the opened premium part shows no text")
        session.collect_logs()
        check(front + "/v1/unlock" in session.requests, f"the browser did not unlock through nginx: {session.requests[-5:]}")
        say(f"Chromium unlocked /{page['path']} through nginx in front of both instances")

        for server in servers:
            server.stop_cleanly()
        say("SIGTERM stopped both instances with status 0")
    finally:
        if driver is not None:
            driver.quit()
        for process in [nginx, *servers] + ([static] if static else []):
            process.cleanup()
        database.drop()
    logs = "\n".join(s.log_path.read_text(encoding="utf-8", errors="replace") for s in servers)
    check(ADMIN_TOKEN not in logs and STRIPE_SECRET not in logs and master not in logs, "a secret is in a server log")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tollgate", default=str(e2e.REPO / ".build" / "debug" / "tollgate"))
    parser.add_argument("--server", default=str(e2e.REPO / ".build" / "debug" / "tollgate-server"))
    parser.add_argument("--postgres", default=os.environ.get("TOLLGATE_TEST_POSTGRES_URL", "postgres://tollgate@127.0.0.1:5432/tollgate_test"))
    parser.add_argument("--nginx", default=shutil.which("nginx") or "/usr/sbin/nginx")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args()
    from selenium.common.exceptions import WebDriverException

    return e2e.run_test(
        "server_instances_test", lambda tmp: run(args, tmp), args.keep,
        failures=[(WebDriverException, lambda error: f"the browser: {error.msg or error}")],
    )


if __name__ == "__main__":
    sys.exit(main())
