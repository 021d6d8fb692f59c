#!/usr/bin/env python3
"""End-to-end test: unlock a sealed chapter with an access code in headless Chromium.

    TOLLGATE_SITE=/path/to/_site TOLLGATE_CODES='{"member": "CXXX-..."}' \
    [TOLLGATE_EXPECT='{"course/chapter/": "a premium sentence"}'] \
    python3 Tests/e2e/unlock_test.py

Serves the built site on 127.0.0.1 (a free port, in a thread), drives Debian's
chromium + chromedriver through selenium and checks, on a premium chapter of a tier T:
with the site module assets/tollgate-site.js blocked, the panel's failure note; then
the unlock panel, a well-formed but unknown code and a mistyped code (their messages),
the right code (the premium text appears), another chapter readable by T (opens with no
prompt), a reload (still open), sign out (prompt again). Throughout: every request goes
to 127.0.0.1 (or data:/blob:), and IndexedDB, localStorage, sessionStorage and cookies
hold no trace of the code; IndexedDB holds only non-extractable CryptoKeys.

Exits 0 with a short summary, or 1 with the failed check (and a screenshot's path).
Needs: python3, selenium (PyPI), chromium and chromium-driver (Debian).
"""

import base64
import functools
import http.server
import json
import os
import re
import secrets
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import quote, urlparse

try:
    from selenium import webdriver
    from selenium.common.exceptions import TimeoutException, WebDriverException
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait
except ModuleNotFoundError as error:
    # Only the browser needs selenium: start_browser() raises this. The codes and checks
    # below serve tests that never start one (server_crash_test.py, through tollgate_e2e).
    SELENIUM_MISSING = error
else:
    SELENIUM_MISSING = None

WAIT_SECONDS = 10
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver")


class CheckFailed(Exception):
    pass


def check(condition, message):
    if not condition:
        raise CheckFailed(message)


# --------------------------------------------------------------------- codes


def check_value(values):
    """Luhn mod 32 over character values, doubling the rightmost (docs/FORMAT.md)."""
    total = 0
    for i, value in enumerate(reversed(values)):
        d = value * (2 if i % 2 == 0 else 1)
        total += d // 32 + d % 32
    return (32 - total % 32) % 32


def make_code(secret: bytes, prefix: str = "C") -> str:
    """A well-formed code (right check character) for a 16-byte secret."""
    assert len(secret) == 16
    bits = "".join(f"{byte:08b}" for byte in secret) + "00"
    values = [ALPHABET.index(prefix)] + [int(bits[i : i + 5], 2) for i in range(0, 130, 5)]
    values.append(check_value(values))
    text = "".join(ALPHABET[v] for v in values)
    return "-".join(text[i : i + 4] for i in range(0, len(text), 4))


def code_secret(code: str) -> bytes:
    chars = code.upper().replace("-", "").replace(" ", "").replace("O", "0").replace("I", "1").replace("L", "1")
    bits = "".join(f"{ALPHABET.index(c):05b}" for c in chars[1:27])
    return int(bits[:128], 2).to_bytes(16, "big")


def mistype(code: str) -> str:
    """The code with one letter or digit changed: the check character catches it."""
    chars = list(code)
    at = [i for i, c in enumerate(chars) if c.upper() in ALPHABET][9]
    chars[at] = ALPHABET[(ALPHABET.index(chars[at].upper()) + 5) % 32]
    return "".join(chars)


# ----------------------------------------------------------------- the site


def script_json(html, element_id):
    match = re.search(r'<script type="application/json" id="%s">(.*?)</script>' % element_id, html, re.S)
    return json.loads(match.group(1)) if match else None


SITE_DATA_PREFIX = "export default "
SITE_DATA_SUFFIX = ";\n"


def site_data(site: Path):
    """assets/tollgate-site.js: `export default ` + JSON + `;\\n`, read as the JSON."""
    file = site / "assets" / "tollgate-site.js"
    check(file.is_file(), f"{site} has no assets/tollgate-site.js")
    text = file.read_text(encoding="utf-8")
    check(text.startswith(SITE_DATA_PREFIX) and text.endswith(SITE_DATA_SUFFIX), f"{file} is not `export default` JSON `;`")
    return json.loads(text[len(SITE_DATA_PREFIX) : -len(SITE_DATA_SUFFIX)])


def default_string(site: Path, key):
    """A message of tollgate.js's DEFAULT_STRINGS (what it shows when the site data does not load)."""
    source = (site / "assets" / "tollgate.js").read_text(encoding="utf-8")
    match = re.search(r'\n  %s: "((?:[^"\\]|\\.)*)",' % key, source)
    check(match, f"assets/tollgate.js has no default string {key}")
    return json.loads('"%s"' % match.group(1))


def sealed_pages(site: Path):
    pages = []
    for file in sorted(site.rglob("*.html")):
        html = file.read_text(encoding="utf-8")
        if 'id="tollgate-sealed"' not in html:
            continue
        payload = script_json(html, "tollgate-sealed")
        check(payload, f"{file}: a sealed page without a parsable #tollgate-sealed")
        check('id="tollgate-config"' not in html, f"{file}: a sealed page still carries #tollgate-config")
        tier = re.search(r'<div id="tollgate-unlock"[^>]*?\sdata-tier="([^"]*)"', html)
        check(tier, f"{file}: no data-tier on #tollgate-unlock")
        relative = file.relative_to(site).as_posix()
        chapter = relative[: -len("index.html")] if relative.endswith("index.html") else relative
        pages.append(
            {
                "path": chapter,
                "url_path": "/" + quote(chapter),
                "tier": tier.group(1),
                "wrap_tiers": {wrap["tier"] for wrap in payload["wraps"]},
            }
        )
    return pages


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        ".js": "text/javascript",
        ".mjs": "text/javascript",
        ".css": "text/css",
        ".svg": "image/svg+xml",
    }

    def log_message(self, *args):
        pass


def serve(site: Path):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


# ------------------------------------------------------------------ browser


def start_browser(downloads=None):
    """Headless Chromium through Debian's chromedriver; `downloads`: a folder that downloads
    go to without a prompt."""
    if SELENIUM_MISSING is not None:
        raise SELENIUM_MISSING
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--window-size=1280,900",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-default-apps",
    ):
        options.add_argument(argument)
    if downloads is not None:
        options.add_experimental_option(
            "prefs", {"download.default_directory": str(downloads), "download.prompt_for_download": False, "safebrowsing.enabled": False}
        )
    options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(WAIT_SECONDS)
    driver.set_script_timeout(WAIT_SECONDS)
    if downloads is not None:
        driver.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)})
    return driver


def save_failure_screenshot(driver, test):
    """Saves what the browser shows when a check failed, and prints where."""
    shot = Path(tempfile.gettempdir()) / f"tollgate-{test}-failure-{int(time.time())}.png"
    try:
        driver.save_screenshot(str(shot))
        print(f"screenshot of the failure: {shot}", file=sys.stderr)
    except WebDriverException:
        pass


class Session:
    wait_seconds = WAIT_SECONDS  # how long a wait for the page lasts; a subclass may change it

    def __init__(self, driver, origin):
        self.driver = driver
        self.origin = origin
        self.requests = []
        self.console = []

    def collect_logs(self):
        for entry in self.driver.get_log("performance"):
            message = json.loads(entry["message"])["message"]
            if message.get("method") == "Network.requestWillBeSent":
                self.requests.append(message["params"]["request"]["url"])
        for entry in self.driver.get_log("browser"):
            self.console.append(entry)

    def wait(self, what, condition):
        try:
            return WebDriverWait(self.driver, self.wait_seconds).until(lambda d: condition(d))
        except TimeoutException:
            raise CheckFailed(f"waited {self.wait_seconds} s for {what}") from None

    def find(self, selector):
        found = self.driver.find_elements(By.CSS_SELECTOR, selector)
        return found[0] if found else None

    def open(self, page):
        self.driver.get(self.origin + page["url_path"])

    def wait_for_panel(self, page):
        return self.wait(f"the unlock panel on {page['path']}", lambda d: self.find("#tollgate-unlock form #tollgate-code"))

    def wait_for_premium(self, page):
        return self.wait(f"the premium part of {page['path']}", lambda d: self.find("#tollgate-premium"))

    def premium_has(self, sentence):
        """Whether the opened part's text holds `sentence` (textContent: hidden text counts too)."""
        return self.driver.execute_script(
            "const p = document.getElementById('tollgate-premium'); return !!p && p.textContent.includes(arguments[0])",
            sentence,
        )

    def submit(self, text):
        field = self.find("#tollgate-code")
        field.clear()
        field.send_keys(text)
        button = self.find("#tollgate-unlock button[type=submit]")
        self.driver.execute_script("arguments[0].scrollIntoView({block: 'center', behavior: 'instant'})", button)
        button.click()

    def wait_for_status(self, expected, what):
        def status(d):
            element = self.find("#tollgate-status")
            return element is not None and element.text.strip() == expected
        try:
            WebDriverWait(self.driver, self.wait_seconds).until(status)
        except TimeoutException:
            element = self.find("#tollgate-status")
            shown = element.text if element else "(no status element)"
            raise CheckFailed(f"{what}: expected the message {expected!r}, the page shows {shown!r}") from None

    def storage_report(self):
        return self.driver.execute_async_script(STORAGE_SCRIPT)


STORAGE_SCRIPT = r"""
const done = arguments[arguments.length - 1];
(async () => {
  const report = {databases: [], records: [], cryptoKeys: [], strings: [], rawBytes: [], other: []};
  const request = (r) => new Promise((resolve, reject) => { r.onsuccess = () => resolve(r.result); r.onerror = () => reject(r.error); });
  const walk = (value, where) => {
    if (typeof value === "string") report.strings.push(value);
    else if (typeof value === "number" || typeof value === "boolean" || value === null || value === undefined) return;
    else if (value instanceof CryptoKey) report.cryptoKeys.push({where, extractable: value.extractable, usages: value.usages, algorithm: value.algorithm.name, type: value.type});
    else if (value instanceof ArrayBuffer || ArrayBuffer.isView(value) || value instanceof Blob) report.rawBytes.push(where);
    else if (typeof value === "object") for (const [k, v] of Object.entries(value)) { report.strings.push(k); walk(v, where + "." + k); }
    else report.other.push(where + ": " + typeof value);
  };
  const infos = await indexedDB.databases();
  for (const info of infos) {
    report.databases.push(info.name);
    const db = await request(indexedDB.open(info.name));
    for (const name of db.objectStoreNames) {
      const tx = db.transaction(name);
      const store = tx.objectStore(name);
      const [values, keys] = await Promise.all([request(store.getAll()), request(store.getAllKeys())]);
      keys.forEach((k, i) => walk(k, `${info.name}/${name}[key ${i}]`));
      values.forEach((v, i) => {
        walk(v, `${info.name}/${name}[${i}]`);
        report.records.push({store: `${info.name}/${name}`, fields: Object.keys(v).sort(), kid: v.kid, tier: v.tier, epoch: v.epoch, site: v.site, source: v.source, label: v.label});
      });
    }
    db.close();
  }
  const web = (s) => { const out = []; for (let i = 0; i < s.length; i++) { const k = s.key(i); out.push(k, s.getItem(k)); } return out; };
  report.localStorage = web(localStorage);
  report.sessionStorage = web(sessionStorage);
  report.cookie = document.cookie;
  done(report);
})().catch((e) => done({error: String(e && e.stack || e)}));
"""


def code_traces(code):
    """Forms of a code (and its secret) that must not be stored anywhere."""
    bare = code.replace("-", "")
    secret = code_secret(code)
    forms = {code, bare, code.lower(), bare.lower(), secret.hex(), base64.b64encode(secret).decode()}
    return {form for form in forms if form}


def check_storage(session, code, expect_records, what):
    report = session.storage_report()
    check("error" not in report, f"{what}: reading the browser's storage failed: {report.get('error')}")
    traces = code_traces(code)
    for where in ("strings", "localStorage", "sessionStorage"):
        for value in report[where]:
            for trace in traces:
                check(trace.upper() not in str(value).upper(), f"{what}: {where} holds the code (or its secret): {value!r}")
    for trace in traces:
        check(trace.upper() not in report["cookie"].upper(), f"{what}: document.cookie holds the code")
    check(report["localStorage"] == [], f"{what}: localStorage is not empty: {report['localStorage']}")
    check(report["sessionStorage"] == [], f"{what}: sessionStorage is not empty: {report['sessionStorage']}")
    check(report["cookie"] == "", f"{what}: the page set cookies: {report['cookie']!r}")
    check(report["rawBytes"] == [], f"{what}: IndexedDB holds raw bytes at {report['rawBytes']}")
    check(report["other"] == [], f"{what}: IndexedDB holds unexpected values: {report['other']}")
    # tollgate-progress is the reading progress of tollgate-member.js (no secret: checked above).
    check(set(report["databases"]) <= {"tollgate", "tollgate-progress"}, f"{what}: unexpected IndexedDB databases {report['databases']}")
    for key in report["cryptoKeys"]:
        check(key["extractable"] is False, f"{what}: an extractable CryptoKey at {key['where']}")
        check(key["usages"] == ["unwrapKey"], f"{what}: a CryptoKey with usages {key['usages']} at {key['where']}")
        check(key["algorithm"] == "AES-GCM", f"{what}: a {key['algorithm']} key at {key['where']}")
    report["records"] = [r for r in report["records"] if r["store"] != "tollgate-progress/chapters"]
    for record in report["records"]:
        check(record["store"] == "tollgate/keys", f"{what}: a record in {record['store']}")
        # `label`: the last 4 hex digits of the code's public id, shown in the header.
        check(record["fields"] == ["epoch", "key", "kid", "label", "site", "source", "tier"], f"{what}: a record with fields {record['fields']}")
        check(record["source"] == "code", f"{what}: a record from source {record['source']!r}")
        check(re.fullmatch(r"[0-9a-f]{4}", str(record.get("label"))), f"{what}: a record labelled {record.get('label')!r}, not 4 hex digits")
    check(len(report["records"]) == expect_records, f"{what}: {len(report['records'])} key records in IndexedDB, expected {expect_records}")
    check(len(report["cryptoKeys"]) == expect_records, f"{what}: {len(report['cryptoKeys'])} CryptoKeys for {expect_records} records")
    return report


# --------------------------------------------------------------------- flow


def choose(pages, codes, expect):
    """A tier T with a code that reads at least two sealed pages, and two such pages."""
    best = None
    for tier in sorted(codes):
        readable = [p for p in pages if tier in p["wrap_tiers"]]
        if len(readable) < 2:
            continue
        readable.sort(key=lambda p: (p["path"] not in expect, p["tier"] != tier, p["path"]))
        score = (readable[0]["path"] in expect, readable[0]["tier"] == tier, len(readable))
        if best is None or score > best[0]:
            best = (score, tier, readable)
    check(best, "no tier of TOLLGATE_CODES can read two sealed pages of the site")
    return best[1], best[2][0], best[2][1]


def run(site: Path, codes: dict, expect: dict, summary: list):
    pages = sealed_pages(site)
    check(pages, f"no page of {site} carries #tollgate-sealed")
    tier, first, second = choose(pages, codes, expect)
    code = codes[tier]
    data = site_data(site)
    strings = data["strings"]
    tier_name = next((t["name"] for t in data.get("tiers", []) if t["id"] == tier), tier)
    failed_default = default_string(site, "unlock_failed")

    server = serve(site)
    origin = f"http://127.0.0.1:{server.server_address[1]}"
    driver = start_browser()
    session = Session(driver, origin)
    try:
        # 0. Without the site module (a failed fetch) the panel says so, in English: the
        #    site's strings are in that module.
        driver.execute_cdp_cmd("Network.enable", {})
        driver.execute_cdp_cmd("Network.setBlockedURLs", {"urls": ["*/tollgate-site.js*"]})
        session.open(first)

        def failure_note(d):
            note = session.find("#tollgate-unlock .unlock-note")
            return note if note is not None and note.text.strip() else None

        note = session.wait("the failure note with the site module blocked", failure_note)
        check(note.text.strip() == failed_default, f"with the site module blocked the panel says {note.text!r}")
        check(note.get_attribute("role") == "status", "the failure note is not a status")
        check(session.find("#tollgate-code") is None, "a code field without the site module")
        driver.execute_cdp_cmd("Network.setBlockedURLs", {"urls": []})
        session.collect_logs()
        check(
            any('"tollgate:"' in e["message"] and "tollgate-site.js" in e["message"] for e in session.console),
            f"tollgate.js logged nothing when the site module failed: {[e['message'] for e in session.console]}",
        )
        session.console.clear()
        summary.append(f"site module blocked: the panel says {failed_default!r}, and the console why")

        # 1. The locked chapter shows the panel.
        session.open(first)
        session.wait_for_panel(first)
        check(session.find("#tollgate-premium") is None, "the premium part is there before any code")
        check(session.find(".chapter-content.is-teaser") is not None, "the teaser is not marked is-teaser")
        field = session.find("#tollgate-code")
        label = session.find("label[for=tollgate-code]")
        # A site that also names a license server asks for "a license key or an access code".
        expected_label = strings["unlock_label_license_or_code"] if data.get("license_server") else strings["unlock_label"]
        check(label is not None and label.text.strip() == expected_label, "the code field has no visible label")
        for name, value in (("autocomplete", "off"), ("spellcheck", "false"), ("autocapitalize", "characters")):
            check(field.get_attribute(name) == value, f"the code field's {name} is {field.get_attribute(name)!r}")
        status = session.find("#tollgate-status")
        check(status.get_attribute("role") == "status" and status.get_attribute("aria-live") == "polite", "no polite status region")
        summary.append(f"panel shown on /{first['path']} (tier {tier})")

        # 2. Wrong codes: well-formed but unknown, then mistyped.
        unknown = make_code(secrets.token_bytes(16))
        session.submit(unknown)
        session.wait_for_status(strings["unlock_unknown_code"], "an unknown code")
        check(session.find("#tollgate-code").get_attribute("aria-invalid") == "true", "an unknown code does not mark the field invalid")
        typo = mistype(code)
        session.submit(typo)
        session.wait_for_status(strings["unlock_invalid_format"], "a mistyped code")
        check(session.find("#tollgate-premium") is None, "a wrong code opened the chapter")
        summary.append("unknown and mistyped codes refused with their messages")

        # 3. The right code (typed in lower case) opens the chapter.
        session.submit(code.lower())
        premium = session.wait_for_premium(first)
        check(premium.is_displayed() and premium.text.strip() != "", "the opened premium part shows no text")
        if first["path"] in expect:
            check(session.premium_has(expect[first["path"]]), f"the opened chapter lacks {expect[first['path']]!r}")
        check(session.find("section.locked") is None, "the locked panel is still there after unlocking")
        check(session.find(".chapter-content.is-teaser") is None, "the teaser is still marked is-teaser")
        bar = session.wait("the unlocked bar", lambda d: session.find(".unlock-bar"))
        check(strings["unlock_signed_in"].replace("{tier}", tier_name) in bar.text, f"the bar says {bar.text!r}")
        focused = driver.execute_script("return document.activeElement && document.activeElement.id")
        check(focused == "tollgate-premium", f"focus is on #{focused}, not on the opened text")
        ids = driver.execute_script(
            "return [...document.querySelectorAll('#tollgate-premium h2[id], #tollgate-premium h3[id]')].map(h => h.id)"
        )
        toc = driver.execute_script("return [...document.querySelectorAll('nav.toc ol a')].map(a => a.getAttribute('href'))")
        for heading in ids:
            check(f"#{heading}" in toc, f"the table of contents lacks #{heading}")
        check(
            driver.execute_script("return document.querySelectorAll('#tollgate-code').length") == 0,
            "the code field is still on the page",
        )
        session.collect_logs()
        report = check_storage(session, code, 1, "after unlocking")
        # The header's account control (tollgate-member.js): the tier and the end of the code's public id.
        label = report["records"][0]["label"]
        account = session.wait(
            "the account control in the header",
            lambda d: d.execute_script("const a = document.getElementById('tollgate-account'); return a && !a.hidden && a.textContent"),
        )
        check(tier_name in account and "…" + label in account, f"the header's account control says {account!r}, expected {tier_name} and …{label}")
        for trace in code_traces(code):
            check(trace.upper() not in account.upper(), "the header's account control shows the code")
        summary.append(f"right code opened /{first['path']} ({len(ids)} premium headings added to the TOC); the header names {tier_name} and …{label}")

        # 4. Another chapter readable by T opens with no prompt.
        session.open(second)
        premium = session.wait_for_premium(second)
        check(session.find("#tollgate-code") is None, f"/{second['path']} shows the code field although a key is stored")
        if second["path"] in expect:
            check(session.premium_has(expect[second["path"]]), f"/{second['path']} lacks {expect[second['path']]!r}")
        summary.append(f"/{second['path']} opened with no prompt")

        # 5. A reload (with a fragment that names a premium heading) keeps it open and scrolls there.
        heading = driver.execute_script("const h = document.querySelector('#tollgate-premium h2[id], #tollgate-premium h3[id]'); return h && h.id")
        if heading:
            driver.get(origin + second["url_path"] + "#" + quote(heading))
        driver.refresh()
        session.wait_for_premium(second)
        check(session.find("#tollgate-code") is None, "the reloaded page shows the code field")
        if heading:
            top = session.wait(
                f"the reloaded page to scroll to #{heading}",
                lambda d: d.execute_script(
                    "const h = document.getElementById(arguments[0]); const t = h.getBoundingClientRect().top;"
                    "return window.scrollY > 0 && t > -2 && t < innerHeight / 2 ? t : false",
                    heading,
                ),
            )
            summary.append(f"reload kept it open and scrolled to #{heading} (top {top:.0f}px)")
        else:
            summary.append("reload kept it open")
        session.collect_logs()
        check_storage(session, code, 1, "after the reload")

        # 6. Sign out: the prompt comes back, the key is gone.
        sign_out = session.find(".unlock-sign-out")
        driver.execute_script("arguments[0].scrollIntoView({block: 'center', behavior: 'instant'})", sign_out)
        sign_out.click()
        session.wait_for_panel(second)
        check(session.find("#tollgate-premium") is None, "the premium part is still shown after signing out")
        session.collect_logs()
        check_storage(session, code, 0, "after signing out")
        session.open(first)
        session.wait_for_panel(first)
        summary.append("sign out asked for a code again on both chapters")

        # Every request stayed on this machine.
        session.collect_logs()
        check(any(url.startswith(origin) for url in session.requests), "the performance log recorded no request")
        check(any(url.endswith("/assets/tollgate.js") for url in session.requests), "tollgate.js was never requested")
        site_module = [url for url in session.requests if urlparse(url).path.endswith("/assets/tollgate-site.js")]
        check(site_module, "assets/tollgate-site.js was never requested")
        for url in session.requests:
            parsed = urlparse(url)
            check(
                parsed.scheme in ("data", "blob") or (parsed.scheme == "http" and parsed.hostname == "127.0.0.1"),
                f"a request left 127.0.0.1: {url}",
            )
        severe = [e["message"] for e in session.console if e.get("level") == "SEVERE"]
        check(severe == [], f"errors in the browser console: {severe}")
        summary.append(
            f"{len(session.requests)} requests ({len(site_module)} of them for tollgate-site.js), "
            "all to 127.0.0.1; storage never held the code"
        )
    except (CheckFailed, WebDriverException):
        save_failure_screenshot(driver, "unlock")
        raise
    finally:
        driver.quit()
        server.shutdown()
        server.server_close()


def main():
    site = os.environ.get("TOLLGATE_SITE", "")
    if not site or not Path(site, "index.html").is_file():
        print("unlock_test: TOLLGATE_SITE must name a built site (a folder with index.html)", file=sys.stderr)
        return 2
    try:
        codes = json.loads(os.environ.get("TOLLGATE_CODES", "") or "{}")
        expect = json.loads(os.environ.get("TOLLGATE_EXPECT", "") or "{}")
    except json.JSONDecodeError as error:
        print(f"unlock_test: TOLLGATE_CODES or TOLLGATE_EXPECT is not JSON: {error}", file=sys.stderr)
        return 2
    if not codes:
        print("unlock_test: TOLLGATE_CODES names no tier", file=sys.stderr)
        return 2
    summary = []
    started = time.monotonic()
    try:
        run(Path(site), codes, expect, summary)
    except CheckFailed as failure:
        for line in summary:
            print(f"  ok: {line}")
        print(f"unlock_test: FAILED: {failure}", file=sys.stderr)
        print("unlock_test: 0 passed, 1 failed")
        return 1
    except WebDriverException as error:
        for line in summary:
            print(f"  ok: {line}")
        print(f"unlock_test: FAILED: the browser: {error.msg or error}", file=sys.stderr)
        print("unlock_test: 0 passed, 1 failed")
        return 1
    for line in summary:
        print(f"  ok: {line}")
    print(f"unlock_test: 1 passed, 0 failed ({time.monotonic() - started:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
