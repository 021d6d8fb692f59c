"""End-to-end test of the member's side of a site (issue 19), in headless Chromium.

    python3 Tests/e2e/member_test.py --tollgate .build/debug/tollgate --server .build/debug/tollgate-server \
        [--screenshots DIR] [--keep]

Builds the repository's example site against a real `tollgate-server` on 127.0.0.1, serves
it with `python3 -m http.server`, and checks, one step a line:

1. layout (en, then zh-CN): no page kind (catalog, course, free, locked and preview chapters, tags, tag,
   404, How unlocking works) is wider than the screen at 320, 390 and 430 px, and no badge
   squeezes an outline title; the header has
   one width on every page; screenshots of every page kind, light and dark, desktop
   (1280x900) and phone (390x844), go to --screenshots (or $TOLLGATE_SCREENSHOTS, else a
   folder under the system's temporary folder), which the test prints;
2. a visitor: locks everywhere, no account control, no service worker and no cache; a
   course sold on its own says "Buy this course"; the theme toggle remembers the choice;
3. unlock with a license key: the locks of the sidebar, the pager, the course page and the
   catalog turn unlocked; the header's account control shows the tiers and the license id,
   never the key;
4. reading progress: the end of a chapter marks it read in the outline, the course page
   says "1 of N read" and links back to the last heading passed; export gives the records;
5. offline: "Make this course available offline" registers sw.js and keeps the course;
   with the static server stopped and the page's network offline (CDP), a premium chapter
   opens from the cache, with its sealed image; a new deploy (a changed chapter) gives a new
   sw.js, which refetches the kept course into its own cache and drops the old one;
6. devices: a second browser takes a slot; the first lists both and frees it; the second
   is then unknown to the server;
7. sign out from the header removes the keys, the caches and the service worker;
8. locked out: with every slot taken, the How unlocking works page lists the devices with
   the license key itself and frees one;
9. revocation: `license revoke` says when it takes effect and to rotate; the next page
   load says the license was revoked, shows the renew link, and no longer "Signed in";
10. privacy: every request went to the site or the license server, and no request carried
   the reading progress.
"""

import argparse
import base64
import json
import os
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

WAIT_SECONDS = 45
WIDTHS = (320, 390, 430)
SIZES = {"desktop": (1280, 900), "phone": (390, 844)}


def say(line):
    print(f"  ok: {line}", flush=True)


class Session(unlock_test.Session):
    wait_seconds = WAIT_SECONDS

    def go(self, path):
        self.driver.get(self.origin + path)
        self.wait(f"{path} to load", lambda d: d.execute_script("return document.readyState") == "complete")

    def js(self, script, *args):
        return self.driver.execute_script(script, *args)

    def async_js(self, script, *args):
        return self.driver.execute_async_script(script, *args)

    def wait_js(self, what, script, *args):
        return self.wait(what, lambda d: d.execute_script(script, *args))

    def post_data(self):
        """The bodies of the requests the page sent (performance log)."""
        bodies = []
        for entry in self.driver.get_log("performance"):
            message = json.loads(entry["message"])["message"]
            if message.get("method") == "Network.requestWillBeSent":
                request = message["params"]["request"]
                self.requests.append(request["url"])
                bodies.append((request["url"], request.get("postData", "")))
        return bodies


def page_kinds(out: Path, origin: str):
    """One address per page kind of the built example site."""
    kinds = {"catalog": "/", "course": "/swift-fundamentals/", "tags": "/tags/", "404": "/404.html", "help": "/how-unlocking-works/"}
    sealed = unlock_test.sealed_pages(out)
    locked = [p for p in sealed if p["tier"] == "member"]
    check(locked, "no sealed member chapter in the example site")
    kinds["chapter-locked"] = locked[0]["url_path"]
    kinds["chapter-free"] = "/swift-fundamentals/why-swift-on-the-server/"
    kinds["chapter-preview"] = "/swift-fundamentals/errors-that-carry-meaning/"
    tag = next((p for p in sorted((out / "tags").iterdir()) if p.is_dir()), None)
    check(tag is not None, "no tag page")
    kinds["tag"] = f"/tags/{tag.name}/"
    for kind, path in kinds.items():
        file = out / path.strip("/") / "index.html" if not path.endswith(".html") else out / path.strip("/")
        if path == "/":
            file = out / "index.html"
        check(file.exists(), f"the {kind} page {path} was not built ({file})")
    return kinds


def set_scheme(session, scheme):
    session.driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": [{"name": "prefers-color-scheme", "value": scheme}]})


def set_size(session, width, height):
    session.driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride", {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600}
    )


def check_layout(session, kinds, shots: Path, label):
    """No overflow at the phone widths; the header's width; screenshots light and dark."""
    header_widths = {}
    for kind, path in kinds.items():
        for width in WIDTHS:
            set_size(session, width, 800)
            session.go(path)
            measured = session.js(
                "const d = document.documentElement; return [d.scrollWidth, d.clientWidth, window.innerWidth,"
                " [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > d.clientWidth + 1)"
                ".slice(0, 3).map(e => e.tagName + '.' + e.className)]"
            )
            check(measured[0] <= measured[1], f"{label}: {kind} ({path}) at {width} px is {measured[0]} px wide (client {measured[1]}): {measured[3]}")
            # Badges never squeeze an outline title: it keeps the row (badges wrap below it).
            narrow = session.js(
                "return [...document.querySelectorAll('.outline-chapter .outline-title')].filter((t) => t.offsetParent)"
                ".map((t) => [t.textContent.trim(), Math.round(t.getBoundingClientRect().width), Math.round(t.closest('a').getBoundingClientRect().width)])"
                ".filter(([, w, row]) => w < Math.min(150, row * 0.55))"
            )
            check(narrow == [], f"{label}: {kind} at {width} px: outline titles squeezed by badges (title, width, row): {narrow}")
        set_size(session, 1280, 900)
        session.go(path)
        header_widths[kind] = session.js("return document.querySelector('.site-header-inner').getBoundingClientRect().width")
        for scheme in ("light", "dark"):
            set_scheme(session, scheme)
            for size, (w, h) in SIZES.items():
                set_size(session, w, h)
                session.go(path)
                time.sleep(0.2)
                session.driver.save_screenshot(str(shots / f"{label}-{kind}-{scheme}-{size}.png"))
        set_scheme(session, "light")
    check(len(set(round(w) for w in header_widths.values())) == 1, f"{label}: the header's width differs between pages: {header_widths}")
    session.driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def shoot(session, shots: Path, name):
    """Screenshots of the page as it is now, desktop and phone (resized, not reloaded)."""
    for size, (w, h) in SIZES.items():
        set_size(session, w, h)
        time.sleep(0.3)
        session.driver.save_screenshot(str(shots / f"{name}-{size}.png"))
    session.driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


STORAGE_OF_SW = r"""
const done = arguments[arguments.length - 1];
(async () => {
  const registrations = navigator.serviceWorker ? (await navigator.serviceWorker.getRegistrations()).length : 0;
  const names = await caches.keys();
  done({registrations, caches: names});
})().catch((e) => done({error: String(e)}));
"""

PROGRESS = r"""
const done = arguments[arguments.length - 1];
const open = indexedDB.open("tollgate-progress");
open.onsuccess = () => {
  const db = open.result;
  if (!db.objectStoreNames.contains("chapters")) { db.close(); return done([]); }
  const get = db.transaction("chapters").objectStore("chapters").getAll();
  get.onsuccess = () => { db.close(); done(get.result); };
  get.onerror = () => done({error: String(get.error)});
};
open.onerror = () => done({error: String(open.error)});
"""


def tap(session, element):
    """Clicks `element` (a selector or an element) after scrolling it to the middle of the screen."""
    if isinstance(element, str):
        element = session.wait(f"{element} to click", lambda d: session.find(element))
    session.js("arguments[0].scrollIntoView({block: 'center', behavior: 'instant'})", element)
    element.click()


def open_account(session):
    session.wait_js("the account control", "const a = document.getElementById('tollgate-account'); return a && !a.hidden && a.querySelector('summary')")
    session.js("const d = document.querySelector('#tollgate-account details'); if (d && !d.open) d.querySelector('summary').click()")


def run(args, tmp: Path):
    env = e2e.child_env(TOLLGATE_MASTER_KEY=e2e.master_key(), CI="true")
    site = e2e.copy_example_site(tmp / "site")
    out = tmp / "out"
    site_port, server_port = e2e.free_port(), e2e.free_port()
    while server_port == site_port:
        server_port = e2e.free_port()
    origin = f"http://127.0.0.1:{site_port}"
    server_url = f"http://127.0.0.1:{server_port}"
    shots = Path(args.screenshots or os.environ.get("TOLLGATE_SCREENSHOTS") or Path(tempfile.gettempdir()) / "tollgate-screenshots")
    shots.mkdir(parents=True, exist_ok=True)
    e2e.run([args.tollgate, "build", site, "--output", out, "--base-url", origin, "--license-server", server_url, "--quiet"], env, "tollgate build")
    for name in ("sw.js", "manifest.webmanifest", "how-unlocking-works/index.html"):
        check((out / name).exists(), f"the build wrote no {name}")
    manifest = json.loads((out / "manifest.webmanifest").read_text(encoding="utf-8"))
    check(manifest.get("start_url") == "/" and manifest.get("icons"), f"the manifest: {manifest}")
    # A course sold on its own (tier concurrency, only that course) says so.
    concurrency = [p for p in unlock_test.sealed_pages(out) if p["tier"] == "concurrency"]
    check(concurrency, "no sealed chapter of the concurrency course")
    html = (out / concurrency[0]["path"] / "index.html").read_text(encoding="utf-8")
    check(">Buy this course<" in html and "members of the" not in html, "the concurrency course's locked panel does not say 'Buy this course'")
    html = (out / unlock_test.sealed_pages(out)[0]["path"] / "index.html").read_text(encoding="utf-8")
    say(f"built the example site with sw.js, manifest.webmanifest and the help page; 'Buy this course' on {concurrency[0]['path']}")

    config = e2e.write_server_config(
        tmp / "server.yml", server_port, tmp / "licenses.sqlite", site_yml=site / "site.yml", origins=[origin],
        extra="renew_url: https://buy.example.com/renew\nlimits:\n  client_requests_per_minute: 1000\n  license_attempts_per_minute: 1000\n",
    )
    server = e2e.LicenseServer(args.server, config, server_port, env, tmp / "server.log")
    static = e2e.StaticSite(out, site_port, tmp / "http.log")
    drivers = []
    sessions = []
    try:
        static.start_ready()
        server.start_healthy()
        kinds = page_kinds(out, origin)
        locked = next(p for p in unlock_test.sealed_pages(out) if p["url_path"] == kinds["chapter-locked"])

        driver = e2e.start_browser(tmp / "browser")
        drivers.append(driver)
        session = Session(driver, origin)
        sessions.append(session)
        driver.execute_cdp_cmd("Network.enable", {})

        # 1. Layout and screenshots, as a visitor.
        check_layout(session, kinds, shots, "visitor")
        say(f"no overflow at {', '.join(map(str, WIDTHS))} px on {len(kinds)} page kinds; one header width; screenshots in {shots}")

        # The same in Simplified Chinese (layout and screenshots only).
        zh_site = e2e.copy_example_site(tmp / "site-zh")
        yml = zh_site / "site.yml"
        yml.write_text(re.sub(r"(?m)^language: en$", "language: zh-CN", yml.read_text(encoding="utf-8")), encoding="utf-8")
        zh_port = e2e.free_port()
        e2e.run([args.tollgate, "build", zh_site, "--output", tmp / "out-zh", "--base-url", f"http://127.0.0.1:{zh_port}", "--license-server", server_url, "--quiet"], env, "tollgate build (zh-CN)")
        zh_static = e2e.StaticSite(tmp / "out-zh", zh_port, tmp / "http-zh.log")
        try:
            zh_static.start_ready()
            check_layout(Session(driver, zh_static.origin), kinds, shots, "zh-CN")
            driver.get_log("performance")  # that site's requests, to another 127.0.0.1 port: not part of the privacy check below
        finally:
            zh_static.cleanup()
        check("解锁说明" in (tmp / "out-zh" / "how-unlocking-works" / "index.html").read_text(encoding="utf-8"), "the zh-CN help page is not in Chinese")
        say("zh-CN: no overflow at the phone widths on every page kind; screenshots light and dark")

        # 2. A visitor.
        session.go(kinds["course"])
        installable = driver.execute_cdp_cmd("Page.getInstallabilityErrors", {}).get("installabilityErrors")
        check(installable == [], f"Chromium finds the site not installable: {installable}")
        locks = session.js("return document.querySelectorAll('.course-outline [data-tier]').length")
        check(locks > 0, "the course outline carries no data-tier")
        check(session.js("return document.querySelectorAll('.is-unlocked').length") == 0, "a visitor sees unlocked marks")
        check(session.js("return document.getElementById('tollgate-account').hidden"), "a visitor sees the account control")
        state = session.async_js(STORAGE_OF_SW)
        check(state == {"registrations": 0, "caches": []}, f"a visitor has a service worker or caches: {state}")
        tap(session, "#tollgate-theme")
        theme = session.js("return [document.documentElement.dataset.theme, localStorage.getItem('tollgate-theme')]")
        check(theme == ["dark", "dark"], f"the toggle did not choose dark: {theme}")
        session.go(kinds["catalog"])
        check(session.js("return document.documentElement.dataset.theme") == "dark", "the dark choice was not remembered")
        tap(session, "#tollgate-theme")
        check(session.js("return [document.documentElement.dataset.theme, localStorage.getItem('tollgate-theme')]") == ["light", None], "toggling back to the system's theme did not forget the choice")
        say(f"visitor: {locks} locked outline entries, no account, no service worker, no cache; installable (Chromium: no installability error); the theme toggle remembers")

        # 3. Unlock with a license key.
        (key,) = server.issue("pro")
        license_id = server.licenses()[0]["id"]
        session.go(locked["url_path"])
        session.wait_for_panel(locked)
        session.submit(key)
        session.wait_for_premium(locked)
        session.wait_js("unlocked marks on the sidebar", "return document.querySelectorAll('.sidebar .outline-chapter.is-unlocked').length > 0")
        still = session.js("return [...document.querySelectorAll('.sidebar [data-tier]:not(.is-unlocked)')].map(e => e.dataset.tier)")
        check(still == [], f"after a pro unlock, sidebar entries of tiers {still} stay locked")
        pager = session.js("return [...document.querySelectorAll('.pager-link[data-tier]')].map(e => e.classList.contains('is-unlocked'))")
        check(all(pager), f"the pager's premium links are not all unlocked: {pager}")
        open_account(session)
        account = session.find("#tollgate-account").text
        check("Pro" in account, f"the account control does not name the tier: {account!r}")
        session.wait_js("the license id in the account panel", "return document.getElementById('tollgate-account').textContent.includes(arguments[0])", license_id)
        for trace in e2e.key_forms(key):
            check(trace not in session.js("return document.body.innerHTML"), "the page shows the license key")
        session.go(kinds["course"])
        session.wait_js("unlocked marks on the course page", "return document.querySelectorAll('.course-outline .is-unlocked').length > 0")
        check(session.js("return document.querySelectorAll('.course-outline [data-tier]:not(.is-unlocked)').length") == 0, "course page: locks left")
        session.go(kinds["catalog"])
        session.wait_js("unlocked course cards", "return [...document.querySelectorAll('.course-card[data-tier]')].every(c => c.classList.contains('is-unlocked'))")
        check(session.find("#tollgate-account") and not session.js("return document.getElementById('tollgate-account').hidden"), "no account control on the catalog")
        open_account(session)
        session.wait_js("the license status", "return document.getElementById('tollgate-license-status')")
        for width in WIDTHS:
            set_size(session, width, 800)
            box = session.js("const r = document.querySelector('#tollgate-account .account-panel').getBoundingClientRect(); return [r.left, r.right, window.innerWidth]")
            check(box[0] >= 0 and box[1] <= box[2], f"at {width} px the account panel spans {box[0]:.0f}..{box[1]:.0f} of {box[2]} px")
        shoot(session, shots, "member-catalog-account")
        say(f"unlocked with a license key: sidebar, pager, course page and catalog marked unlocked; the header shows Pro and {license_id}")

        # 4. Reading progress (erased first: the layout pass above visited chapters).
        session.go(kinds["course"])
        tap(session, "#tollgate-erase")
        session.wait("the confirmation", lambda d: d.switch_to.alert).accept()
        session.wait_js("the progress erased", "const e = document.getElementById('tollgate-progress-count'); return e && e.textContent.startsWith('0 of')")
        check(session.async_js(PROGRESS) == [], "erase left progress records")
        chapter = kinds["chapter-free"]
        session.go(chapter)
        heading = session.js("const h = document.querySelector('.chapter-content h2[id]'); h.scrollIntoView({behavior: 'instant'}); window.scrollBy({top: 10, behavior: 'instant'}); return h.id")
        time.sleep(0.8)
        session.js("document.getElementById('tollgate-chapter-end').scrollIntoView({behavior: 'instant'})")
        session.wait_js("the read mark", "const a = document.querySelector('.sidebar .outline-chapter > a[aria-current=page]'); return a && a.parentElement.classList.contains('is-read')")
        second = kinds["chapter-preview"]
        session.go(second)
        anchor = session.js("const hs = document.querySelectorAll('.chapter-content h2[id]'); const h = hs[Math.min(1, hs.length - 1)]; h.scrollIntoView({behavior: 'instant'}); window.scrollBy({top: 10, behavior: 'instant'}); return h.id")
        e2e.wait_until(
            f"the heading {anchor} kept in IndexedDB",
            lambda: any(r.get("path") == second and r.get("anchor") == anchor for r in session.async_js(PROGRESS)),
            WAIT_SECONDS, interval=0.25,
        )
        session.go(kinds["course"])
        count = session.wait_js("the progress line", "const e = document.getElementById('tollgate-progress-count'); return e && e.textContent")
        total = session.js("return document.querySelectorAll('.course-outline .outline-chapter').length")
        check(count == f"1 of {total} read", f"the course page says {count!r}, expected '1 of {total} read'")
        check(session.js("return document.querySelectorAll('.course-outline .outline-chapter.is-read').length") == 1, "the course outline has no single read mark")
        session.js("window.__exported = null; const make = URL.createObjectURL; URL.createObjectURL = (b) => { b.text().then((t) => { window.__exported = t; }); return make(b); }")
        tap(session, "#tollgate-export")
        exported = json.loads(session.wait_js("the exported progress", "return window.__exported"))
        check(exported.get("format") == "tollgate-progress/1", f"the export's format is {exported.get('format')!r}")
        check(sorted(r["path"] for r in exported["chapters"] if r.get("read")) == [chapter], f"the export's read chapters: {exported['chapters']}")
        href = session.find("#tollgate-continue").get_attribute("href")
        check(href == origin + second + "#" + anchor, f"continue links to {href}, expected {origin + second}#{anchor}")
        shoot(session, shots, "member-course-progress")
        tap(session, "#tollgate-continue")
        session.wait(f"the continue link to land on #{anchor}", lambda d: d.current_url.endswith("#" + anchor))
        say(f"progress: the end of {chapter} marked it read; the course page says {count!r} and continues at {second}#{anchor} ({heading} passed first)")

        # 5. Offline.
        course = "/swift-concurrency/"
        session.go(course)
        button = session.wait("the offline button", lambda d: session.find("#tollgate-offline"))
        check(session.async_js(STORAGE_OF_SW)["registrations"] == 0, "a service worker was registered before the member asked")
        tap(session, button)
        status = session.wait_js("the course kept offline", "const s = document.getElementById('tollgate-offline-status'); return s && s.dataset.state")
        check(status == "done", f"offline: {session.find('#tollgate-offline-status').text!r}")
        state = session.async_js(STORAGE_OF_SW)
        check(state["registrations"] == 1 and len(state["caches"]) == 1 and state["caches"][0].startswith("tollgate-offline-"), f"after 'available offline': {state}")
        premium_pages = [p for p in unlock_test.sealed_pages(out) if p["url_path"].startswith(course)]
        image_page = next((p for p in premium_pages if "data-tollgate-asset" in (out / p["path"] / "index.html").read_text(encoding="utf-8")), premium_pages[0])
        static.kill9()  # the site is gone; no need to wait for a clean exit on a loaded machine
        driver.execute_cdp_cmd("Network.emulateNetworkConditions", {"offline": True, "latency": 0, "downloadThroughput": 0, "uploadThroughput": 0})
        try:
            session.go(image_page["url_path"])
            session.wait_for_premium(image_page)
            images = session.wait_js("offline: the sealed images", "const i = [...document.querySelectorAll('#tollgate-premium img')]; return i.every(x => x.complete && x.naturalWidth > 0) && i.length")
        finally:
            driver.execute_cdp_cmd("Network.emulateNetworkConditions", {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1})
            static = e2e.StaticSite(out, site_port, tmp / "http.log")
            static.start_ready()
        say(f"offline: kept {course} ({state['caches'][0]}); with the server stopped and the page offline, {image_page['path']} opened with {images} sealed image(s)")

        # A new deploy: the service worker of the new build refetches the kept course.
        chapter_md = site / "content" / "swift-concurrency" / "01-foundations" / "01-structured-concurrency.md"
        sentence = "A sentence that only the second deploy has."
        chapter_md.write_text(chapter_md.read_text(encoding="utf-8") + "\n" + sentence + "\n", encoding="utf-8")
        old_build = re.search(r'const BUILD = "([0-9a-f]+)"', (out / "sw.js").read_text(encoding="utf-8")).group(1)
        e2e.run([args.tollgate, "build", site, "--output", out, "--base-url", origin, "--license-server", server_url, "--quiet"], env, "tollgate build (second deploy)")
        new_build = re.search(r'const BUILD = "([0-9a-f]+)"', (out / "sw.js").read_text(encoding="utf-8")).group(1)
        check(new_build != old_build, f"a changed chapter left the service worker's build id at {old_build}")
        session.go(course)
        session.async_js("const done = arguments[arguments.length - 1]; navigator.serviceWorker.getRegistration().then((r) => r.update()).then(() => done(true), (e) => done(String(e)))")
        e2e.wait_until(
            f"the cache of build {new_build}",
            lambda: session.async_js(STORAGE_OF_SW).get("caches") == [f"tollgate-offline-{new_build}"],
            WAIT_SECONDS, interval=0.5,
        )
        kept = session.async_js(
            "const done = arguments[arguments.length - 1]; caches.open(arguments[0]).then((c) => c.match(arguments[1])).then((r) => r ? r.text() : '').then(done, (e) => done(String(e)))",
            f"tollgate-offline-{new_build}", origin + "/swift-concurrency/foundations/structured-concurrency/",
        )
        check(sentence in kept, "the new build's cache does not hold the new version of the chapter")
        say(f"a new deploy: sw.js {old_build} -> {new_build}; the browser's copy of the course was refetched into the new cache, the old one dropped")

        # 6. Devices.
        second_driver = e2e.start_browser(tmp / "browser2")
        drivers.append(second_driver)
        other = Session(second_driver, origin)
        sessions.append(other)
        other.go(locked["url_path"])
        other.wait_for_panel(locked)
        other.submit(key)
        other.wait_for_premium(locked)
        session.go(kinds["catalog"])
        open_account(session)
        session.wait_js("two devices in the account panel", "return document.querySelectorAll('#tollgate-devices .account-device').length === 2")
        this = session.js("return [...document.querySelectorAll('#tollgate-devices .account-device')].map(d => !d.querySelector('button'))")
        check(sorted(this) == [False, True], f"the device list does not mark this device alone: {this}")
        tap(session, "#tollgate-devices .account-device-free")
        session.wait_js("one device left", "return document.querySelectorAll('#tollgate-devices .account-device').length === 1")
        devices = server.cli("device", "list", license_id).stdout.split("\n")
        check(len([d for d in devices if d.strip()]) == 1, f"device list after freeing: {devices}")
        status, _, body = e2e.http("POST", server_url + "/v1/license", {"device_token": "dt_" + "A" * 43})
        check(status == 401, f"an unknown token got {status} from /v1/license")
        say("devices: a second browser took a slot; the first listed both and freed the other (the server agrees)")

        # 7. Sign out from the header.
        open_account(session)
        tap(session, "#tollgate-sign-out")
        session.wait("the sign out to reload", lambda d: session.js("return document.readyState === 'complete' && document.getElementById('tollgate-account').hidden"))
        state = session.async_js(STORAGE_OF_SW)
        check(state == {"registrations": 0, "caches": []}, f"after sign out: {state}")
        report = session.storage_report()
        check([r for r in report["records"] if r["store"] == "tollgate/keys"] == [], "after sign out, keys are kept")
        check(session.js("return document.querySelectorAll('.is-unlocked').length") == 0, "after sign out, unlocked marks remain")
        say("sign out from the header: no keys, no cache, no service worker, locks back")

        # 8. Locked out: every slot taken, freed with the key itself.
        (small,) = server.cli("license", "issue", "--tier", "member", "--devices", "1").stdout.split()
        status, _, body = e2e.http("POST", server_url + "/v1/unlock", {"license_key": small, "device_id": "lost-laptop-0123456789"})
        check(status == 200, f"unlocking the small license from a 'lost' device: {status} {body}")
        session.go(locked["url_path"])
        session.wait_for_panel(locked)
        session.submit(small)
        session.wait("the device-limit message", lambda d: "1 of 1" in (session.find("#tollgate-status").text if session.find("#tollgate-status") else ""))
        session.go(kinds["help"])
        field = session.wait("the license key form on the help page", lambda d: session.find("#tollgate-key-for-devices"))
        field.send_keys(small)
        tap(session, "#tollgate-devices-by-key button[type=submit]")
        session.wait_js("the devices listed by key", "return document.querySelectorAll('#tollgate-key-devices .account-device').length === 1")
        tap(session, "#tollgate-key-devices .account-device-free")
        session.wait_js("the slot freed", "return document.querySelectorAll('#tollgate-key-devices .account-device').length === 0")
        session.go(locked["url_path"])
        session.wait_for_panel(locked)
        session.submit(small)
        session.wait_for_premium(locked)
        say("locked out: the help page listed the license's device with the key itself and freed it; the key then unlocked")

        # 9. Revocation.
        small_id = [r["id"] for r in server.licenses() if r["tiers"] == "member"][0]
        revoked = server.cli("license", "revoke", small_id)
        said = revoked.stderr
        check("revoked " + small_id in said and "tollgate keys rotate" in said and "next page load" in said, f"license revoke says {said!r}")
        # A running server notices a change the command line made within a second (it watches
        # the database): the next page load after that says so.
        def revoked_shown():
            session.go(kinds["course"])
            line = session.wait("the license status", lambda d: session.find("#tollgate-license-status"))
            return line if line.get_attribute("data-status") == "revoked" else None

        status_line = e2e.wait_until("a page load that shows the revocation", revoked_shown, WAIT_SECONDS, interval=1)
        renew = session.find("#tollgate-account .account-renew")
        check(renew is not None and renew.get_attribute("href") == "https://buy.example.com/renew", "no renew link after revocation")
        check(session.find("#tollgate-signed-in") is None, "the header still says signed in after revocation")
        check(session.js("return document.querySelectorAll('.is-unlocked').length") == 0, "unlocked marks after revocation")
        set_size(session, 390, 844)
        session.driver.save_screenshot(str(shots / "member-revoked-phone.png"))
        set_size(session, 1280, 900)
        session.driver.save_screenshot(str(shots / "member-revoked-desktop.png"))
        session.driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
        say(f"revocation: the CLI says when it takes effect; the next page load shows 'revoked' with the renew link, not 'Signed in'")

        # 10. Privacy.
        bodies = session.post_data() + other.post_data()
        urls = [u for s in sessions for u in s.requests] + [u for u, _ in bodies]
        for url in urls:
            parsed = urlparse(url)
            check(parsed.scheme in ("data", "blob") or url.startswith(origin + "/") or url.startswith(server_url + "/v1/"), f"a request to {url}")
        progress_words = ["anchor", "read_at", "seen_at", "tollgate-progress", anchor]
        for url, body in bodies:
            for word in progress_words:
                check(word not in (body or "") and word not in urlparse(url).query, f"a request carried reading progress ({word}): {url}")
        say(f"privacy: {len(urls)} requests, all to the site or the license server; none carried reading progress")
    except (CheckFailed, Exception):
        for d in drivers:
            unlock_test.save_failure_screenshot(d, "member")
        if server.proc is not None:
            print(f"tollgate-server's log (last lines):\n{server.log_tail()}", file=sys.stderr)
        raise
    finally:
        for d in drivers:
            try:
                d.quit()
            except Exception:  # noqa: BLE001
                pass
        server.cleanup()
        static.cleanup()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tollgate", required=True)
    parser.add_argument("--server", required=True)
    parser.add_argument("--screenshots")
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    return e2e.run_test("member_test", lambda tmp: run(args, tmp), args.keep)


if __name__ == "__main__":
    sys.exit(main())
