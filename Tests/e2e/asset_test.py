#!/usr/bin/env python3
"""End-to-end test: sealed premium assets in headless Chromium.

    TOLLGATE_SITE=/path/to/_site TOLLGATE_CODES='{"member": "CXXX-..."}' \
    TOLLGATE_ASSET_PAGE=course/chapter/ TOLLGATE_ASSET_IMAGE=/path/to/original.png \
    TOLLGATE_ASSET_DOWNLOAD=/path/to/original.zip [TOLLGATE_BASE_PATH=/academy] \
    python3 Tests/e2e/asset_test.py

Serves the built site on 127.0.0.1 and, on the premium chapter TOLLGATE_ASSET_PAGE (whose
premium part shows the image and links the download, both sealed), checks with Debian's
chromium + chromedriver through selenium:

- before unlock, no response the browser received (bodies read through the DevTools
  protocol, and every file the test server sent) holds the image or the download in clear;
- after unlock with the tier's access code, the image is shown from a blob: URL, decoded
  (naturalWidth > 0, the size of the original) and with width/height set before it loaded;
- clicking the download saves a file under the original name with the original bytes
  (Chromium's download folder is a temporary folder).

Exits 0 with a short summary, or 1 with the failed check (and a screenshot's path).
"""

import base64
import functools
import hashlib
import http.server
import json
import os
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlparse

sys.dont_write_bytecode = True

from selenium.common.exceptions import WebDriverException  # noqa: E402

import unlock_test  # noqa: E402  (browser settings, the panel, codes)
from unlock_test import CheckFailed, Session, check  # noqa: E402


class RecordingHandler(unlock_test.QuietHandler):
    """Serves the site under its base path and records the SHA-256 of every file it sends."""

    sent = []
    base_path = ""

    def translate_path(self, path):
        if self.base_path and (path == self.base_path or path.startswith(self.base_path + "/")):
            path = path[len(self.base_path) :] or "/"
        return super().translate_path(path)

    def end_headers(self):
        path = Path(self.translate_path(self.path))
        if path.is_file():
            RecordingHandler.sent.append((self.path, hashlib.sha256(path.read_bytes()).hexdigest()))
        super().end_headers()


def serve(site: Path):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(RecordingHandler, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def start_browser(downloads: Path):
    driver = unlock_test.start_browser(downloads)
    driver.execute_cdp_cmd("Network.enable", {"maxResourceBufferSize": 64 << 20, "maxTotalBufferSize": 256 << 20})
    return driver


class Responses:
    """Every response of the performance log, with its body read through the DevTools protocol."""

    def __init__(self, driver):
        self.driver = driver
        self.bodies = {}  # request id -> (url, bytes)
        self.urls = []

    def collect(self):
        for entry in self.driver.get_log("performance"):
            message = json.loads(entry["message"])["message"]
            params = message.get("params", {})
            if message.get("method") == "Network.requestWillBeSent":
                self.urls.append(params["request"]["url"])
            if message.get("method") != "Network.responseReceived":
                continue
            url = params["response"]["url"]
            if urlparse(url).scheme in ("data", "blob"):
                continue
            try:
                got = self.driver.execute_cdp_cmd("Network.getResponseBody", {"requestId": params["requestId"]})
            except WebDriverException as error:
                raise CheckFailed(f"the body of {url} cannot be read from the network log: {error.msg}") from None
            body = base64.b64decode(got["body"]) if got.get("base64Encoded") else got["body"].encode("utf-8")
            self.bodies[params["requestId"]] = (url, body)

    def holding(self, secret: bytes):
        """URLs of responses whose body is `secret` or holds a 64-byte window from its middle."""
        middle = secret[len(secret) // 2 : len(secret) // 2 + 64]
        return [url for url, body in self.bodies.values() if body == secret or (len(middle) == 64 and middle in body)]


def run(site: Path, codes: dict, page_path: str, image: Path, download: Path, summary: list):
    pages = {page["path"]: page for page in unlock_test.sealed_pages(site)}
    check(page_path in pages, f"/{page_path} is not a sealed page of {site}")
    page = pages[page_path]
    base_path = os.environ.get("TOLLGATE_BASE_PATH", "").rstrip("/")
    RecordingHandler.base_path = base_path
    page["url_path"] = base_path + page["url_path"]
    tier = next((t for t in sorted(codes) if t in page["wrap_tiers"]), None)
    check(tier, f"no tier of TOLLGATE_CODES reads /{page_path}")
    image_bytes, download_bytes = image.read_bytes(), download.read_bytes()
    secrets_in_clear = {hashlib.sha256(image_bytes).hexdigest(): image.name, hashlib.sha256(download_bytes).hexdigest(): download.name}

    downloads = Path(tempfile.mkdtemp(prefix="tollgate-downloads-"))
    server = serve(site)
    origin = f"http://127.0.0.1:{server.server_address[1]}"
    driver = start_browser(downloads)
    session = Session(driver, origin)
    responses = Responses(driver)
    try:
        # 1. Before unlock: the page and everything it loads hold neither file in clear.
        session.open(page)
        session.wait_for_panel(page)
        time.sleep(0.5)  # let late requests (module, favicon) finish
        responses.collect()
        check(responses.bodies, "the network log recorded no response")
        for secret, name in ((image_bytes, image.name), (download_bytes, download.name)):
            check(responses.holding(secret) == [], f"before unlock, {responses.holding(secret)} returned {name} in clear")
        check(not any(url.endswith(".bin") for url in responses.urls), "a sealed asset was fetched before unlock")
        served = [path for path, digest in RecordingHandler.sent if digest in secrets_in_clear]
        check(served == [], f"the server sent a premium file in clear: {served}")
        summary.append(f"before unlock: {len(responses.bodies)} responses, none holds the image or the download in clear")

        # 2. Unlock: the image appears from a blob: URL, at the size it had reserved.
        session.submit(codes[tier])
        session.wait_for_premium(page)
        selector = "#tollgate-premium img[data-tollgate-asset]"
        reserved = session.wait("the sealed image's element", lambda d: d.execute_script(
            "const i = document.querySelector(arguments[0]); return i && [i.getAttribute('width'), i.getAttribute('height')]", selector))
        shown = session.wait("the sealed image to load from a blob: URL", lambda d: d.execute_script(
            "const i = document.querySelector(arguments[0]);"
            "return i && i.currentSrc.startsWith('blob:') && i.complete && i.naturalWidth > 0 ? [i.currentSrc, i.naturalWidth, i.naturalHeight] : false",
            selector))
        size = png_size(image_bytes)
        check(reserved[0] and reserved[1], f"the sealed image has no width/height before it loads: {reserved}")
        if size:
            check([shown[1], shown[2]] == list(size), f"the opened image is {shown[1]}x{shown[2]}, the original {size[0]}x{size[1]}")
            check([int(reserved[0]), int(reserved[1])] == list(size), f"the page reserved {reserved}, the image is {size}")
        summary.append(f"after unlock the image shows from {shown[0][:5]}… at {shown[1]}x{shown[2]} (reserved {reserved[0]}x{reserved[1]})")

        # 3. The download saves the original bytes under the original name.
        link = session.wait("the sealed download link", lambda d: session.find("#tollgate-premium a[data-tollgate-attr=download]"))
        name = link.get_attribute("download")
        check(name == download.name, f"the download is named {name!r}, not {download.name!r}")
        driver.execute_script("arguments[0].scrollIntoView({block: 'center', behavior: 'instant'})", link)
        link.click()
        saved = downloads / name
        session.wait(f"{name} in the download folder", lambda d: saved.is_file() and not list(downloads.glob("*.crdownload")) and saved.stat().st_size == len(download_bytes))
        check(saved.read_bytes() == download_bytes, f"the saved {name} differs from the original")
        summary.append(f"the download saved {name} ({len(download_bytes)} bytes, identical)")

        # 4. After unlock too, only sealed bytes crossed the network; everything stayed on 127.0.0.1.
        responses.collect()
        sealed = [url for url in responses.urls if url.endswith(".bin")]
        check(sealed, "no sealed asset was fetched after unlock")
        for secret, name in ((image_bytes, image.name), (download_bytes, download.name)):
            check(responses.holding(secret) == [], f"{responses.holding(secret)} returned {name} in clear")
        for url in responses.urls:
            parsed = urlparse(url)
            check(parsed.scheme in ("data", "blob") or parsed.hostname == "127.0.0.1", f"a request left 127.0.0.1: {url}")
        session.collect_logs()
        severe = [e["message"] for e in session.console if e.get("level") == "SEVERE"]
        check(severe == [], f"errors in the browser console: {severe}")
        summary.append(f"{len(sealed)} sealed assets fetched, all requests to 127.0.0.1")
    except (CheckFailed, WebDriverException):
        unlock_test.save_failure_screenshot(driver, "asset")
        raise
    finally:
        driver.quit()
        server.shutdown()
        server.server_close()
        shutil.rmtree(downloads, ignore_errors=True)


def png_size(data: bytes):
    """(width, height) of a PNG, else None."""
    if data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR":
        return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    return None


def main():
    env = os.environ
    site, page = env.get("TOLLGATE_SITE", ""), env.get("TOLLGATE_ASSET_PAGE", "")
    image, download = Path(env.get("TOLLGATE_ASSET_IMAGE", "")), Path(env.get("TOLLGATE_ASSET_DOWNLOAD", ""))
    if not site or not Path(site, "index.html").is_file() or not page or not image.is_file() or not download.is_file():
        print("asset_test: set TOLLGATE_SITE, TOLLGATE_ASSET_PAGE, TOLLGATE_ASSET_IMAGE and TOLLGATE_ASSET_DOWNLOAD", file=sys.stderr)
        return 2
    try:
        codes = json.loads(env.get("TOLLGATE_CODES", "") or "{}")
    except json.JSONDecodeError as error:
        print(f"asset_test: TOLLGATE_CODES is not JSON: {error}", file=sys.stderr)
        return 2
    summary = []
    started = time.monotonic()
    try:
        run(Path(site), codes, page, image, download, summary)
    except (CheckFailed, WebDriverException) as failure:
        for line in summary:
            print(f"  ok: {line}")
        reason = failure.msg if isinstance(failure, WebDriverException) else failure
        print(f"asset_test: FAILED: {reason}", file=sys.stderr)
        print("asset_test: 0 passed, 1 failed")
        return 1
    for line in summary:
        print(f"  ok: {line}")
    print(f"asset_test: 1 passed, 0 failed ({time.monotonic() - started:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
