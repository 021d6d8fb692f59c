"""Shared pieces of the end-to-end tests that run the built `tollgate` and `tollgate-server`.

server_e2e_test.py (Chromium against a real license server) and server_crash_test.py
(kill -9 under load) use it. What the browser side needs (Chromium's setup, the request log,
the storage report, well-formed codes) comes from unlock_test.py, so that the three tests
drive the browser the same way.

Everything here is bounded in time: each wait names its limit, and a check that fails
raises CheckFailed with the reason.
"""

import base64
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

sys.dont_write_bytecode = True  # no __pycache__ next to the tests

# unlock_test imports selenium only when a browser starts, so the tests that drive none
# (server_crash_test.py) run with a bare python3.
import unlock_test  # noqa: E402  (the access-code test: browser setup, storage report, codes)
from unlock_test import CheckFailed, check  # noqa: E402,F401

REPO = Path(__file__).resolve().parents[2]
HEALTH_SECONDS = 30
STOP_SECONDS = 10
COMMAND_SECONDS = 120

# urllib would honour http_proxy & co.; these tests only ever talk to 127.0.0.1.
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


# ------------------------------------------------------------------ helpers


def free_port():
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def master_key():
    """A fresh master key, as TOLLGATE_MASTER_KEY takes it (base64 of 32 bytes)."""
    return base64.b64encode(secrets.token_bytes(32)).decode()


def child_env(**extra):
    """The environment of the binaries: ours, without secrets we did not choose, plus `extra`."""
    env = {k: v for k, v in os.environ.items() if k not in ("TOLLGATE_ADMIN_TOKEN", "STRIPE_WEBHOOK_SECRET", "TOLLGATE_MASTER_KEY")}
    env.update(extra)
    return env


def run(args, env, what, timeout=COMMAND_SECONDS, cwd=None):
    """Runs a command to its end; its CompletedProcess (text), or CheckFailed with its stderr."""
    try:
        done = subprocess.run([str(a) for a in args], env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise CheckFailed(f"{what}: still running after {timeout} s") from None
    if done.returncode != 0:
        raise CheckFailed(f"{what}: exit status {done.returncode}\n{done.stderr.strip()[-2000:]}")
    return done


def http(method, url, body=None, headers=None, timeout=10):
    """(status, headers, parsed JSON or raw bytes) of one request to 127.0.0.1; HTTP errors are answers too."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers=dict(headers or {}))
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with OPENER.open(request, timeout=timeout) as response:
            status, got, raw = response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        status, got, raw = error.code, error.headers, error.read()
    try:
        return status, got, json.loads(raw)
    except ValueError:
        return status, got, raw


def wait_until(what, condition, seconds, interval=0.1):
    """Polls `condition()` until it returns something true; CheckFailed after `seconds`."""
    deadline = time.monotonic() + seconds
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise CheckFailed(f"waited {seconds} s for {what}")
        time.sleep(interval)


def make_license_key(secret=None):
    """A well-formed license key (right check character) that no server issued."""
    return unlock_test.make_code(secret or secrets.token_bytes(16), prefix="K")


def key_forms(key):
    """The text forms of a license key that must never be stored or logged: grouped and bare."""
    bare = key.replace("-", "")
    return {key, bare}


# ------------------------------------------------------------ the example site


def copy_example_site(dest: Path):
    """The repository's example site (site.yml, content, layouts, static) copied into `dest`.
    Symbolic links are followed: `layouts` links to the built-in theme."""
    dest.mkdir(parents=True)
    shutil.copy2(REPO / "site.yml", dest / "site.yml")
    for name in ("content", "layouts", "static"):
        if (REPO / name).exists():
            shutil.copytree(REPO / name, dest / name, symlinks=False)
    return dest


def site_epoch(site: Path):
    """keys.epoch of a site.yml (the only `epoch:` line under `keys:`)."""
    in_keys = False
    for line in (site / "site.yml").read_text(encoding="utf-8").splitlines():
        if line.startswith("keys:"):
            in_keys = True
        elif in_keys and line.strip().startswith("epoch:"):
            return int(line.split(":", 1)[1].split("#")[0])
        elif line and not line[0].isspace():
            in_keys = False
    return 1


# ---------------------------------------------------------------- processes


class Process:
    """A long-running child process with its output in a log file."""

    def __init__(self, args, env, log_path: Path, name):
        self.args = [str(a) for a in args]
        self.env = env
        self.log_path = log_path
        self.name = name
        self.proc = None

    def start(self):
        with open(self.log_path, "ab") as log:
            log.write(f"---- {self.name} started {time.strftime('%H:%M:%S')}\n".encode())
            log.flush()
            self.proc = subprocess.Popen(self.args, env=self.env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
        return self

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def log_tail(self, lines=25):
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def stop(self, seconds=STOP_SECONDS):
        """SIGTERM, then the exit status within `seconds` (SIGKILL and CheckFailed when it hangs)."""
        if not self.running():
            return self.proc.returncode if self.proc else None
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(seconds)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)
            raise CheckFailed(f"{self.name} did not exit within {seconds} s of SIGTERM") from None

    def kill9(self):
        if self.running():
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait(5)

    def cleanup(self):
        """For `finally`: whatever happened, the process is gone."""
        if self.running():
            try:
                self.proc.terminate()
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)


class LicenseServer(Process):
    """`tollgate-server serve --config F` on 127.0.0.1:port."""

    def __init__(self, binary, config: Path, port, env, log_path: Path):
        super().__init__([binary, "serve", "--config", config], env, log_path, "tollgate-server")
        self.binary = binary
        self.config = config
        self.url = f"http://127.0.0.1:{port}"

    def wait_healthy(self, seconds=HEALTH_SECONDS):
        def healthy():
            if not self.running():
                raise CheckFailed(f"tollgate-server exited with status {self.proc.returncode}:\n{self.log_tail()}")
            try:
                status, _, body = http("GET", self.url + "/healthz", timeout=2)
            except OSError:
                return False
            return status == 200 and isinstance(body, dict) and body.get("status") == "ok"

        wait_until(f"GET {self.url}/healthz to answer 200", healthy, seconds, interval=0.2)
        return self

    def start_healthy(self):
        return self.start().wait_healthy()

    def stop_cleanly(self):
        """SIGTERM: the server must exit within STOP_SECONDS with status 0."""
        status = self.stop()
        check(status == 0, f"tollgate-server exited with status {status} after SIGTERM (expected 0):\n{self.log_tail()}")

    def cli(self, *args, what=None):
        """A `tollgate-server` command on this server's configuration."""
        return run([self.binary, *args, "--config", self.config], self.env, what or "tollgate-server " + " ".join(map(str, args)))

    def issue(self, tier="pro", count=1):
        keys = self.cli("license", "issue", "--tier", tier, "--count", str(count)).stdout.split()
        check(len(keys) == count, f"license issue printed {len(keys)} keys on stdout, expected {count}")
        return keys

    def licenses(self):
        """`license list`: one dict per line (ID, STATUS, TIERS, EXPIRES, EMAIL, SOURCE, tab-separated)."""
        columns = ["id", "status", "tiers", "expires", "email", "source"]
        rows = []
        for line in self.cli("license", "list").stdout.splitlines():
            fields = line.split("\t")
            if not line.strip() or fields[0] == "ID":  # a header line, if there is one
                continue
            check(len(fields) == len(columns), f"license list: a line that is not {len(columns)} tab-separated columns: {line!r}")
            rows.append(dict(zip(columns, fields)))
        return rows


def write_server_config(path: Path, port, database: Path, site_yml: Path = None, origins=(), extra=""):
    lines = [f"listen: 127.0.0.1:{port}", f"database: {database}"]
    if site_yml is not None:
        lines.append(f"site: {site_yml}")
    if origins:
        lines.append("allowed_origins: [" + ", ".join(origins) + "]")
    path.write_text("\n".join(lines) + "\n" + extra, encoding="utf-8")
    return path


class StaticSite(Process):
    """`python3 -m http.server` serving a built site on 127.0.0.1:port."""

    def __init__(self, directory: Path, port, log_path: Path):
        super().__init__(
            [sys.executable, "-m", "http.server", "--bind", "127.0.0.1", str(port), "--directory", directory],
            child_env(),
            log_path,
            "http.server",
        )
        self.origin = f"http://127.0.0.1:{port}"

    def start_ready(self, seconds=HEALTH_SECONDS):
        self.start()

        def ready():
            if not self.running():
                raise CheckFailed(f"http.server exited with status {self.proc.returncode}:\n{self.log_tail()}")
            try:
                return http("GET", self.origin + "/", timeout=2)[0] == 200
            except OSError:
                return False

        wait_until(f"the static site at {self.origin}", ready, seconds, interval=0.2)
        return self


def start_browser(tmpdir: Path):
    """unlock_test's headless Chromium, with its temporary files (Chromium leaves
    org.chromium.Chromium.* folders behind) under `tmpdir`, which the caller removes."""
    tmpdir.mkdir(parents=True, exist_ok=True)
    previous = os.environ.get("TMPDIR")
    os.environ["TMPDIR"] = str(tmpdir)  # chromedriver, and Chromium after it, inherit it
    try:
        return unlock_test.start_browser()
    finally:
        if previous is None:
            del os.environ["TMPDIR"]
        else:
            os.environ["TMPDIR"] = previous


# --------------------------------------------------------------------- scan


GROUPED_OR_BARE = re.compile(rb"(?=(K[0-9A-Z]{3}(?:-?[0-9A-Z]{4}){6}))")
HEX32 = re.compile(rb"(?=([0-9A-F]{32}))")
BASE64_16 = re.compile(rb"(?=([A-Za-z0-9+/]{22}==))")


def secret_of(key):
    return unlock_test.code_secret(key)


def scan(files, keys, extra_secrets=()):
    """Where any license key (grouped or bare, any case; or its secret in hex, base64 or raw
    bytes) or one of `extra_secrets` appears in `files`: a list of findings."""
    bare = {key.replace("-", "").upper(): key for key in keys}
    hexes = {secret_of(key).hex().upper().encode(): key for key in keys}
    b64 = {base64.b64encode(secret_of(key)): key for key in keys}
    raw = {secret_of(key): key for key in keys}
    prefixes = {secret[:4] for secret in raw}
    findings = []
    for file in files:
        data = file.read_bytes()
        upper = data.upper()
        for match in GROUPED_OR_BARE.finditer(upper):
            candidate = match.group(1).replace(b"-", b"").decode()
            if candidate in bare:
                findings.append(f"{file.name}: the license key {bare[candidate]} at byte {match.start()}")
        for match in HEX32.finditer(upper):
            if match.group(1) in hexes:
                findings.append(f"{file.name}: the secret of {hexes[match.group(1)]} in hex at byte {match.start()}")
        for match in BASE64_16.finditer(data):
            if match.group(1) in b64:
                findings.append(f"{file.name}: the secret of {b64[match.group(1)]} in base64 at byte {match.start()}")
        # Raw 16-byte secrets: look only where their first 4 bytes are.
        view = memoryview(data)
        for prefix in prefixes:
            at = data.find(prefix)
            while at != -1:
                if bytes(view[at : at + 16]) in raw:
                    findings.append(f"{file.name}: the raw secret of {raw[bytes(view[at:at + 16])]} at byte {at}")
                at = data.find(prefix, at + 1)
        for name, secret in extra_secrets:
            if secret.encode() in data:
                findings.append(f"{file.name}: {name}")
    return findings


def db_files(database: Path):
    return [p for p in (database, Path(f"{database}-wal"), Path(f"{database}-shm")) if p.exists()]


def make_temp_dir(prefix):
    return Path(tempfile.mkdtemp(prefix=prefix))


def run_test(name: str, body, keep: bool, failures=()):
    """Runs `body(tmp)` in a new temporary folder, reports `name: 1 passed` or `FAILED: …`,
    removes the folder unless `keep`, and returns the exit status. `failures` are more
    (exception type, describe) pairs to report as failures, beside CheckFailed."""
    started = time.monotonic()
    tmp = make_temp_dir(f"tollgate-{name}-")
    try:
        body(tmp)
    except Exception as error:  # noqa: BLE001 - only the expected kinds are reported, the rest re-raised
        described = None
        if isinstance(error, CheckFailed):
            described = str(error)
        for kind, describe in failures:
            if described is None and isinstance(error, kind):
                described = describe(error)
        if described is None:
            raise
        print(f"{name}: FAILED: {described}", file=sys.stderr)
        print(f"{name}: 0 passed, 1 failed")
        return 1
    finally:
        if keep:
            print(f"kept {tmp}", file=sys.stderr)
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    print(f"{name}: 1 passed, 0 failed ({time.monotonic() - started:.1f} s)")
    return 0
