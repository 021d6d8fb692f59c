#!/usr/bin/env python3
"""End-to-end test: unlock sealed chapters with a license key from a real `tollgate-server`.

    python3 Tests/e2e/server_e2e_test.py --tollgate .build/debug/tollgate --server .build/debug/tollgate-server

Copies the repository's example site into a temporary folder, builds it with a fresh
master key (TOLLGATE_MASTER_KEY, CI=true) so that it asks a license server on 127.0.0.1,
serves it with `python3 -m http.server`, starts `tollgate-server serve` on the site's
configuration, issues a `pro` license with the command line, and drives headless Chromium
(selenium, set up as in unlock_test.py):

1. the license key opens a premium chapter (#tollgate-premium, the bar with
   data-source="license"); IndexedDB holds non-extractable keys and a device token, and no
   storage (IndexedDB, localStorage, sessionStorage, cookies) holds the license key;
2. `tollgate keys rotate`, rebuild, restart the server: a reload opens the chapter with no
   prompt, with a key of the new epoch (the device token's refresh);
3. `license revoke`, rotate, rebuild, restart: a reload does not open the chapter, the
   panel says the license was revoked, and the browser forgets the license's keys;
4. a second, fresh browser profile: a well-formed unknown key gets the unknown-license
   message, a mistyped key the format message, the revoked key the revoked message.

Throughout, every request the pages made went to 127.0.0.1, and the server stops on
SIGTERM with status 0 within 10 s. Exits 0 with one line per step, or 1 with the failed
check (and a screenshot's path). Every process and the temporary folder go in `finally`.
Needs: python3, selenium, chromium and chromium-driver; the two binaries already built.
"""

import argparse
import json
import re
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse

sys.dont_write_bytecode = True

import tollgate_e2e as e2e  # noqa: E402
import unlock_test  # noqa: E402
from tollgate_e2e import CheckFailed, check  # noqa: E402
from selenium.common.exceptions import WebDriverException  # noqa: E402

# The license server is a debug build on a busy machine: give each browser wait some room.
WAIT_SECONDS = 30


def say(line):
    print(f"  ok: {line}", flush=True)


# ------------------------------------------------------------------ browser


class Session(unlock_test.Session):
    """unlock_test's session (request log, finders), with waits sized for a server round trip."""

    wait_seconds = WAIT_SECONDS

    def visible(self, selector):
        element = self.find(selector)
        return element is not None and element.is_displayed()

    def page_epoch(self):
        """The epoch of the sealed payload the browser shows (not a cached page of an older build)."""
        return self.driver.execute_script("return JSON.parse(document.getElementById('tollgate-sealed').textContent).epoch")

    def state_records(self):
        """The records of IndexedDB tollgate/state, as they are."""
        report = self.driver.execute_async_script(STATE_SCRIPT)
        check(not (isinstance(report, dict) and "error" in report), f"reading IndexedDB tollgate/state failed: {report}")
        return report

    def all_cookies(self):
        """Every cookie of the profile (the license server's origin included), not only document.cookie."""
        try:
            return self.driver.execute_cdp_cmd("Network.getAllCookies", {}).get("cookies", [])
        except WebDriverException:
            return self.driver.get_cookies()


STATE_SCRIPT = r"""
const done = arguments[arguments.length - 1];
(async () => {
  const request = (r) => new Promise((resolve, reject) => { r.onsuccess = () => resolve(r.result); r.onerror = () => reject(r.error); });
  const db = await request(indexedDB.open("tollgate"));
  if (!db.objectStoreNames.contains("state")) { db.close(); return done([]); }
  const records = await request(db.transaction("state").objectStore("state").getAll());
  db.close();
  done(records);
})().catch((e) => done({error: String(e && e.stack || e)}));
"""


def license_traces(key):
    """Forms of a license key (and its 16-byte secret) that no storage may hold."""
    traces = set(unlock_test.code_traces(key))  # grouped, bare, lower case, secret in hex and base64
    return {t.upper() for t in traces}


def check_license_storage(session, key, what, server_url, expect_epoch=None, expect_session=True):
    """The browser's storage after a license unlock (or after its end): keys, state, no license key.
    Returns the key records and the license sessions kept in tollgate/state."""
    report = session.storage_report()
    check("error" not in report, f"{what}: reading the browser's storage failed: {report.get('error')}")
    state = session.state_records()
    cookies = session.all_cookies()
    traces = license_traces(key)
    stored = list(report["strings"]) + list(report["localStorage"]) + list(report["sessionStorage"]) + [report["cookie"]]
    stored += [f"{c.get('name')}={c.get('value')}" for c in cookies]
    stored += [json.dumps(r) for r in state]
    for value in stored:
        for trace in traces:
            check(trace not in str(value).upper(), f"{what}: the browser stores the license key (or its secret): {str(value)[:120]!r}")
    check(report["localStorage"] == [], f"{what}: localStorage is not empty: {report['localStorage']}")
    check(report["sessionStorage"] == [], f"{what}: sessionStorage is not empty: {report['sessionStorage']}")
    check(report["cookie"] == "" and cookies == [], f"{what}: cookies were set: {report['cookie']!r} {cookies}")
    check(report["rawBytes"] == [], f"{what}: IndexedDB holds raw bytes at {report['rawBytes']}")
    check(report["other"] == [], f"{what}: IndexedDB holds unexpected values: {report['other']}")
    check(set(report["databases"]) <= {"tollgate", "tollgate-progress"}, f"{what}: unexpected IndexedDB databases {report['databases']}")

    keys = [r for r in report["records"] if r["store"] == "tollgate/keys"]
    for record in keys:
        check(record["fields"] == ["epoch", "key", "kid", "site", "source", "tier"], f"{what}: a key record with fields {record['fields']}")
        check(record["source"] == "license", f"{what}: a key record from source {record['source']!r}")
    for crypto_key in report["cryptoKeys"]:
        check(crypto_key["extractable"] is False, f"{what}: an extractable CryptoKey at {crypto_key['where']}")
        check(crypto_key["usages"] == ["unwrapKey"], f"{what}: a CryptoKey with usages {crypto_key['usages']} at {crypto_key['where']}")
        check(crypto_key["algorithm"] == "AES-GCM", f"{what}: a {crypto_key['algorithm']} key at {crypto_key['where']}")
    check(len(report["cryptoKeys"]) == len(keys), f"{what}: {len(report['cryptoKeys'])} CryptoKeys for {len(keys)} key records")

    session_name = f"session {server_url}"
    by_name = {r.get("name"): r for r in state}
    check(set(by_name) <= {"device", session_name}, f"{what}: state records {sorted(by_name)}, expected 'device' and {session_name!r}")
    device = by_name.get("device")
    check(device is not None and re.fullmatch(r"[A-Za-z0-9_-]{16,128}", str(device.get("id", ""))), f"{what}: no device id in tollgate/state: {state}")
    sessions = [by_name[session_name]] if session_name in by_name else []
    if expect_session:
        check(keys, f"{what}: no key records in IndexedDB")
        if expect_epoch is not None:
            epochs = sorted({r["epoch"] for r in keys})
            check(expect_epoch in epochs, f"{what}: the kept keys are of epochs {epochs}, none of epoch {expect_epoch}")
        check(len(sessions) == 1, f"{what}: {len(sessions)} license sessions in tollgate/state, expected 1: {sorted(by_name)}")
        token = sessions[0].get("token")
        check(isinstance(token, str) and token.startswith("dt_") and len(token) > 10, f"{what}: the session holds no device token: {sessions[0]}")
        check(sorted(sessions[0]) == ["name", "server", "tiers", "token"], f"{what}: a session with fields {sorted(sessions[0])}")
        check(sessions[0].get("tiers") == ["pro"], f"{what}: the session's tiers are {sessions[0].get('tiers')}")
        check(sessions[0].get("server") == server_url, f"{what}: the session names the server {sessions[0].get('server')!r}")
    else:
        check(keys == [], f"{what}: {len(keys)} license key records are still kept")
        check(sessions == [], f"{what}: a license session is still kept: {sessions}")
    return keys, sessions


def check_requests(sessions, site_origin, server_url):
    urls = [url for s in sessions for url in s.requests]
    check(urls, "the performance log recorded no request")
    for url in urls:
        parsed = urlparse(url)
        check(
            parsed.scheme in ("data", "blob") or (parsed.scheme == "http" and parsed.hostname == "127.0.0.1"),
            f"a request left 127.0.0.1: {url}",
        )
    for path in ("/v1/unlock", "/v1/refresh"):
        check(any(url == server_url + path for url in urls), f"the pages never called {server_url}{path}")
    check(any(url.startswith(site_origin) and url.endswith("/assets/tollgate.js") for url in urls), "tollgate.js was never requested")
    return urls


def check_console(sessions, server_url):
    """No errors in the console but the license server's refusals (401/403), which Chromium logs."""
    refusal = re.compile(re.escape(server_url) + r"/v1/(unlock|refresh) - Failed to load resource: the server responded with a status of 40[13] ")
    severe = [e["message"] for s in sessions for e in s.console if e.get("level") == "SEVERE"]
    unexpected = [m for m in severe if not refusal.match(m)]
    check(unexpected == [], f"errors in the browser console: {unexpected}")


# --------------------------------------------------------------------- flow


def choose_page(out: Path):
    """A sealed chapter of tier pro or member that a pro key opens (pro preferred)."""
    pages = [p for p in unlock_test.sealed_pages(out) if p["tier"] in ("pro", "member") and "pro" in p["wrap_tiers"]]
    check(pages, f"no sealed chapter of tier pro or member in {out}")
    pages.sort(key=lambda p: (p["tier"] != "pro", p["path"]))
    return pages[0]


def sealed_epoch(out: Path, page):
    html = (out / page["path"] / "index.html").read_text(encoding="utf-8")
    return unlock_test.script_json(html, "tollgate-sealed")["epoch"]


def en_string(name):
    """A string of the built-in English strings (Sources/TollgateSite/Resources/strings/en.yml)."""
    file = e2e.REPO / "Sources" / "TollgateSite" / "Resources" / "strings" / "en.yml"
    match = re.search(r'^%s:\s*"((?:[^"\\]|\\.)*)"\s*$' % re.escape(name), file.read_text(encoding="utf-8"), re.M)
    check(match, f"{file} has no string {name}")
    return json.loads('"%s"' % match.group(1))


def screenshot(driver, label):
    shot = Path(tempfile.gettempdir()) / f"tollgate-server-e2e-{label}-{int(time.time())}.png"
    try:
        driver.save_screenshot(str(shot))
        print(f"screenshot of the failure: {shot}", file=sys.stderr)
    except WebDriverException:
        pass


def run(args, tmp: Path):
    env = e2e.child_env(TOLLGATE_MASTER_KEY=e2e.master_key(), CI="true")
    site = e2e.copy_example_site(tmp / "site")
    out = tmp / "out"
    site_port, server_port = e2e.free_port(), e2e.free_port()
    while server_port == site_port:
        server_port = e2e.free_port()
    site_origin = f"http://127.0.0.1:{site_port}"
    server_url = f"http://127.0.0.1:{server_port}"

    def build(what):
        e2e.run(
            [args.tollgate, "build", site, "--output", out, "--base-url", site_origin, "--license-server", server_url, "--quiet"],
            env,
            what,
        )

    def rotate():
        before = e2e.site_epoch(site)
        e2e.run([args.tollgate, "keys", "rotate", site], env, "tollgate keys rotate")
        after = e2e.site_epoch(site)
        check(after == before + 1, f"tollgate keys rotate: keys.epoch went from {before} to {after}")
        return after

    started = time.monotonic()
    build("tollgate build")
    page = choose_page(out)
    check(sealed_epoch(out, page) == 1, f"the first build sealed /{page['path']} with epoch {sealed_epoch(out, page)}")
    data = unlock_test.site_data(out)
    check(data.get("license_server") == server_url, f"the site data names the license server {data.get('license_server')!r}")
    strings = data["strings"]
    revoked_text = en_string("unlock_revoked")
    check("revoked" in revoked_text.lower(), f"en.yml's unlock_revoked does not say revoked: {revoked_text!r}")
    check(strings.get("unlock_revoked") == revoked_text, f"the site's unlock_revoked is {strings.get('unlock_revoked')!r}, en.yml says {revoked_text!r}")
    say(f"built the example site ({time.monotonic() - started:.1f} s); chapter /{page['path']} (tier {page['tier']}), epoch 1")

    config = e2e.write_server_config(
        tmp / "server.yml", server_port, tmp / "licenses.sqlite", site_yml=site / "site.yml", origins=[site_origin]
    )
    server = e2e.LicenseServer(args.server, config, server_port, env, tmp / "server.log")
    static = e2e.StaticSite(out, site_port, tmp / "http.log")
    drivers = []
    sessions = []
    try:
        static.start_ready()
        server.start_healthy()
        say(f"tollgate-server answers {server_url}/healthz; the site is served at {site_origin}")

        (key,) = server.issue("pro")
        check(re.fullmatch(r"K[0-9A-Z]{3}(-[0-9A-Z]{4}){6}", key), f"license issue printed {key!r}, not a license key")
        rows = server.licenses()
        check(len(rows) == 1 and rows[0]["status"] == "active" and rows[0]["tiers"] == "pro", f"license list: {rows}")
        license_id = rows[0]["id"]
        check(license_id.startswith("lic_"), f"license list names the license {license_id!r}")
        say(f"issued {license_id} (pro) with the command line")

        # 1. The license key opens the chapter.
        driver = e2e.start_browser(tmp / "browser")
        drivers.append(driver)
        session = Session(driver, site_origin)
        sessions.append(session)
        try:
            session.open(page)
            session.wait_for_panel(page)
            check(session.find("#tollgate-premium") is None, "the premium part is there before any key")
            label = session.find("label[for=tollgate-code]")
            check(label is not None and label.text.strip() == strings["unlock_label_license_or_code"], f"the field's label is {label.text if label else None!r}")
            check(session.find("#tollgate-code").get_attribute("placeholder") == "KXXX-XXXX-XXXX-XXXX-XXXX-XXXX-XXXX", "the field's placeholder is not a license key's shape")
            session.submit(key)
            premium = session.wait_for_premium(page)
            check(premium.is_displayed() and premium.text.strip() != "", "the opened premium part shows no text")
            bar = session.wait("the unlocked bar", lambda d: session.find("#tollgate-unlocked"))
            check(bar.get_attribute("data-source") == "license", f"the bar's data-source is {bar.get_attribute('data-source')!r}")
            expected_bar = strings["unlock_signed_in_license"].replace("{tiers}", "Pro")
            check(expected_bar in bar.text, f"the bar says {bar.text!r}, expected {expected_bar!r}")
            check(not session.visible("#tollgate-code"), "the key field is still shown after unlocking")
            keys, state = check_license_storage(session, key, "after unlocking", server_url, expect_epoch=1)
            tokens = {state[0]["token"]}
            session.collect_logs()
            say(f"the license key opened /{page['path']}; IndexedDB: {len(keys)} non-extractable key(s) of epoch 1 and a device token, no license key anywhere")

            rows = server.licenses()
            check(rows[0]["status"] == "active", f"license list: {rows}")

            # 2. A new epoch: the device token gets its keys, with no prompt.
            epoch = rotate()
            build("tollgate build (epoch 2)")
            check(sealed_epoch(out, page) == epoch, f"the rebuilt chapter is sealed with epoch {sealed_epoch(out, page)}, not {epoch}")
            server.stop_cleanly()
            server.start_healthy()
            say(f"rotated to epoch {epoch}, rebuilt, restarted the server (SIGTERM: exit 0)")
            refreshes = session.requests.count(server_url + "/v1/refresh")
            driver.refresh()
            premium = session.wait_for_premium(page)
            check(session.page_epoch() == epoch, f"the reloaded page is sealed with epoch {session.page_epoch()}, not {epoch} (a cached page?)")
            check(premium.is_displayed() and premium.text.strip() != "", f"epoch {epoch}: the opened premium part shows no text")
            check(not session.visible("#tollgate-code"), f"epoch {epoch}: the page asked for the key again")
            bar = session.wait("the unlocked bar", lambda d: session.find("#tollgate-unlocked"))
            check(bar.get_attribute("data-source") == "license", f"epoch {epoch}: the bar's data-source is {bar.get_attribute('data-source')!r}")
            keys, state = check_license_storage(session, key, f"after the rotation to epoch {epoch}", server_url, expect_epoch=epoch)
            tokens.add(state[0]["token"])
            old = sorted({r["epoch"] for r in keys if r["epoch"] != epoch})
            check(old == [], f"epoch {epoch}: keys of the epochs {old} the server no longer serves are still kept")
            session.collect_logs()
            check(session.requests.count(server_url + "/v1/refresh") > refreshes, "the reload did not call /v1/refresh")
            say(f"reload opened the chapter with no prompt, with a key of epoch {epoch} from /v1/refresh")

            # 3. Revoke, rotate: the chapter stays shut and the panel says why.
            server.cli("license", "revoke", license_id)
            rows = {r["id"]: r for r in server.licenses()}
            check(rows[license_id]["status"] == "revoked", f"after license revoke, license list says {rows[license_id]}")
            epoch = rotate()
            build(f"tollgate build (epoch {epoch})")
            check(sealed_epoch(out, page) == epoch, f"the rebuilt chapter is sealed with epoch {sealed_epoch(out, page)}, not {epoch}")
            server.stop_cleanly()
            server.start_healthy()
            say(f"revoked {license_id}, rotated to epoch {epoch}, rebuilt, restarted the server")
            driver.refresh()
            session.wait_for_panel(page)
            check(session.page_epoch() == epoch, f"the reloaded page is sealed with epoch {session.page_epoch()}, not {epoch} (a cached page?)")
            session.wait_for_status(revoked_text, "a reload after revocation")
            status = session.find("#tollgate-status")
            check("is-error" in (status.get_attribute("class") or "").split(), "the revoked message is not marked is-error")
            check(session.find("#tollgate-premium") is None, "the revoked license still opened the chapter")
            check(session.find("#tollgate-unlocked") is None, "the unlocked bar is shown after revocation")
            check_license_storage(session, key, "after revocation", server_url, expect_session=False)
            session.collect_logs()
            say(f"reload after revocation: no chapter, the panel says {revoked_text!r}; the browser forgot the license's keys and token")
        except (CheckFailed, WebDriverException):
            screenshot(driver, "first-profile")
            raise
        finally:
            session.collect_logs()
            driver.quit()
            drivers.remove(driver)

        # 4. A second profile: unknown, mistyped and revoked keys.
        driver = e2e.start_browser(tmp / "browser")
        drivers.append(driver)
        second = Session(driver, site_origin)
        sessions.append(second)
        try:
            second.open(page)
            second.wait_for_panel(page)
            unknown = e2e.make_license_key()
            second.submit(unknown)
            second.wait_for_status(strings["unlock_unknown_license"], "a well-formed unknown license key")
            check(second.find("#tollgate-premium") is None, "an unknown license key opened the chapter")
            second.submit(unlock_test.mistype(key))
            second.wait_for_status(strings["unlock_invalid_format_license"], "a mistyped license key")
            second.submit(key)
            second.wait_for_status(revoked_text, "the revoked license key in a fresh profile")
            check(second.find("#tollgate-premium") is None, "the revoked license key opened the chapter")
            for typed in (unknown, key):
                check_license_storage(second, typed, "the second profile", server_url, expect_session=False)
            second.collect_logs()
            say("second profile: an unknown key, a mistyped key and the revoked key each got their message")
        except (CheckFailed, WebDriverException):
            screenshot(driver, "second-profile")
            raise
        finally:
            second.collect_logs()
            driver.quit()
            drivers.remove(driver)

        urls = check_requests(sessions, site_origin, server_url)
        check_console(sessions, server_url)
        to_server = [u for u in urls if u.startswith(server_url)]
        say(f"{len(urls)} requests, {len(to_server)} of them to the license server, all to 127.0.0.1")

        server.stop_cleanly()
        files = e2e.db_files(tmp / "licenses.sqlite") + [server.log_path]
        secrets_ = [("a device token", token) for token in tokens] + [("the master key", env["TOLLGATE_MASTER_KEY"])]
        findings = e2e.scan(files, [key, unknown], secrets_)
        check(findings == [], "secrets on disk: " + "; ".join(findings))
        say(
            "SIGTERM stopped the server with status 0; neither the database nor the server's log holds a "
            f"license key, a device token ({len(tokens)} seen) or the master key"
        )
    except CheckFailed:
        if server.proc is not None:
            print(f"tollgate-server's log (last lines):\n{server.log_tail()}", file=sys.stderr)
        raise
    finally:
        for driver in drivers:
            try:
                driver.quit()
            except WebDriverException:
                pass
        server.cleanup()
        static.cleanup()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tollgate", default=str(e2e.REPO / ".build" / "debug" / "tollgate"), help="the built tollgate binary")
    parser.add_argument("--server", default=str(e2e.REPO / ".build" / "debug" / "tollgate-server"), help="the built tollgate-server binary")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (site, database, logs)")
    args = parser.parse_args()
    for name in ("tollgate", "server"):
        path = Path(getattr(args, name)).resolve()
        if not path.is_file():
            print(f"server_e2e_test: --{name}: {path} is not a file", file=sys.stderr)
            return 2
        setattr(args, name, path)

    return e2e.run_test(
        "server_e2e_test", lambda tmp: run(args, tmp), args.keep,
        failures=[(WebDriverException, lambda error: f"the browser: {error.msg or error}")],
    )

if __name__ == "__main__":
    sys.exit(main())
