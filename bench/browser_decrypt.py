#!/usr/bin/env python3
"""Time opening one ~100 KB sealed chapter in headless Chromium.

    bench/browser_decrypt.py [--tollgate .build/release/tollgate] [--runs 30] [--size-kb 100] [--js FILE]

Generates a site with one tier and one premium chapter of about --size-kb KB of
Markdown (headings, paragraphs, lists, code blocks, tables) in a temporary folder,
builds it with `tollgate build` under a fixed test master key, reads the access code
from `tollgate keys codes`, serves the site on 127.0.0.1 and opens the chapter in
headless Chromium (Debian's chromium + chromium-driver, selenium from PyPI).

In the page it imports the site's own assets/tollgate.js (the module the page already
runs) and, once and untimed, the site module assets/tollgate-site.js next to it (the
browser caches it across pages), opens the code's envelope once, then times --runs
times, after 3 untimed warm-up runs, with performance.now():

  * decrypt + insert: `openChapter` (unwrap the data key, AES-GCM decrypt, inflate,
    UTF-8 decode) and `insertPremium` (parse the HTML into the page, remove the
    locked panel, extend the table of contents). This is the figure held against
    the target of 5 ms.
  * with layout: the same plus a forced style and layout of the page
    (`document.body.offsetHeight`): what the reader waits for before the first paint.

Before each run the article is put back as it was, laid out and painted, untimed; a run
starts in the task right after that frame. Prints the
median and p90 of each and the target; the exit status is 0 even when the target is
missed (1 when the build or the browser fails). The benchmark uses no network.
"""

import argparse
import functools
import http.server
import math
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import threading
from pathlib import Path
from urllib.parse import quote

REPO = Path(__file__).resolve().parent.parent
TEST_MASTER_KEY = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="  # bytes 0..31: a test key, never a real one
TARGET_MS = 5.0
WARM_UP = 3
WAIT_SECONDS = 20

WORDS = (
    "actor task value type request response cache buffer memory thread queue compile render "
    "parse token node tree layout module package build deploy server client latency stream "
    "struct protocol closure generic optional error result async await state database query "
    "schema migration transaction lock retry timeout backoff encrypt decrypt key nonce hash "
    "the a of to and in is for that with on as by this are be it from or at we should must "
    "can will often usually never always then when because while fast slow small large "
    "simple correct careful explicit returns takes calls creates stores loads writes reads"
).split()


def sentence(rng):
    words = [rng.choice(WORDS) for _ in range(rng.randint(8, 18))]
    if rng.random() < 0.3:
        words[rng.randrange(len(words))] = f"`{rng.choice(WORDS)}()`"
    if rng.random() < 0.2:
        words[rng.randrange(len(words))] = f"*{rng.choice(WORDS)}*"
    return " ".join(words).capitalize() + "."


def paragraph(rng):
    return textwrap.fill(" ".join(sentence(rng) for _ in range(rng.randint(3, 6))), 90)


def code_block(rng):
    name = rng.choice(WORDS).capitalize()
    lines = [f"actor {name}Store {{", f"    private var items: [String: {name}] = [:]", ""]
    for _ in range(rng.randint(3, 6)):
        fn = rng.choice(WORDS)
        lines += [
            f"    func {fn}(_ key: String) async throws -> {name}? {{",
            f"        guard let value = items[key] else {{ return nil }}",
            f"        try await Task.sleep(for: .milliseconds({rng.randint(1, 500)}))",
            "        return value",
            "    }",
            "",
        ]
    lines.append("}")
    return "```swift\n" + "\n".join(lines) + "\n```"


def chapter_markdown(size_bytes, seed=1):
    rng = random.Random(seed)
    parts = [
        "---\ntitle: A Long Premium Chapter\nsummary: One big chapter for the decrypt benchmark.\ntier: member\n---\n",
        paragraph(rng),
        "<!-- more -->",
    ]
    section = 0
    while sum(len(p) + 2 for p in parts) < size_bytes:
        section += 1
        parts.append(f"## Section {section}: {sentence(rng)[:-1]}")
        parts += [paragraph(rng) for _ in range(2)]
        parts.append(code_block(rng))
        parts.append(f"### Details of section {section}")
        parts.append("\n".join(f"- {sentence(rng)}" for _ in range(rng.randint(3, 6))))
        parts.append(paragraph(rng))
        if section % 3 == 0:
            rows = "\n".join(f"| `{rng.choice(WORDS)}` | {rng.randint(1, 999)} ms | {sentence(rng)} |" for _ in range(5))
            parts.append("| Name | Time | Notes |\n|---|---:|---|\n" + rows)
    return "\n\n".join(parts) + "\n"


def write_site(root: Path, size_kb: int):
    (root / "content" / "bench").mkdir(parents=True)
    (root / "site.yml").write_text(
        "title: Decrypt benchmark\n"
        "base_url: https://bench.example.com\n"
        "language: en\n"
        "tiers:\n"
        "  - id: member\n"
        "    name: Member\n"
        "keys:\n"
        "  epoch: 1\n",
        encoding="utf-8",
    )
    (root / "content" / "bench" / "_index.md").write_text("---\ntitle: Benchmark course\n---\n\nOne course.\n", encoding="utf-8")
    markdown = chapter_markdown(size_kb * 1000)
    (root / "content" / "bench" / "01-long-chapter.md").write_text(markdown, encoding="utf-8")
    return len(markdown.encode())


def run(command, env):
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    if result.returncode != 0:
        sys.exit(f"browser_decrypt: {' '.join(map(str, command))} failed ({result.returncode}):\n{result.stderr}{result.stdout}")
    return result.stdout


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map, ".js": "text/javascript", ".css": "text/css"}

    def log_message(self, *args):
        pass


BENCH_SCRIPT = r"""
const [code, runs, warmUp, done] = arguments;
(async () => {
  const src = document.querySelector('script[type="module"][src$="tollgate.js"]').src;
  const m = await import(src);
  const siteData = await m.loadSiteData(new URL("./tollgate-site.js", src)); // once, before any timing
  const { payload, tier } = m.readPageData(document);
  const path = m.chapterPath(location.href, new URL("../", src));
  const { key, kid } = await m.unlockWithCode(code, { payload, siteData, tier });
  const keys = new Map([[kid, key]]);
  const pristine = document.querySelector("article.chapter").cloneNode(true);
  const insert = [], withLayout = [];
  let htmlLength = 0;
  for (let i = 0; i < warmUp + runs; i++) {
    document.querySelector("article.chapter").replaceWith(pristine.cloneNode(true));
    void document.body.offsetHeight;
    // Start right after the reset page has painted, with the page's threads awake: after a
    // long idle pause, thread wake-ups on a VM add 2-3 ms of noise to the two crypto hops.
    await new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
    const t0 = performance.now();
    const html = await m.openChapter({ payload, site: siteData.site, path, keys });
    m.insertPremium(html, { doc: document });
    const t1 = performance.now();
    void document.body.offsetHeight;
    const t2 = performance.now();
    htmlLength = html.length;
    if (i >= warmUp) { insert.push(t1 - t0); withLayout.push(t2 - t0); }
  }
  done({ insert, withLayout, htmlLength, ctLength: payload.body.ct.length, ok: !!document.getElementById("tollgate-premium") });
})().catch((e) => done({ error: String(e && e.stack || e) }));
"""


def percentile(values, p):
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tollgate", default=str(REPO / ".build/release/tollgate"), help="the tollgate binary (default: .build/release/tollgate)")
    parser.add_argument("--runs", type=int, default=30, help="timed runs (default 30)")
    parser.add_argument("--size-kb", type=int, default=100, help="Markdown size of the chapter in KB (default 100)")
    parser.add_argument("--js", help="use this tollgate.js instead of the one the build ships (to try a change without rebuilding)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary site folder")
    args = parser.parse_args()

    tollgate = Path(args.tollgate)
    if not tollgate.is_file():
        sys.exit(f"browser_decrypt: no tollgate binary at {tollgate} (build one with `swift build -c release --product tollgate`, or pass --tollgate)")
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        sys.exit("browser_decrypt: needs selenium (pip install selenium) and Debian's chromium chromium-driver")

    work = Path(tempfile.mkdtemp(prefix="tollgate-decrypt-bench-"))
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    env["TOLLGATE_MASTER_KEY"] = TEST_MASTER_KEY
    try:
        source, out = work / "site", work / "_site"
        markdown_bytes = write_site(source, args.size_kb)
        run([str(tollgate), "build", str(source), "--output", str(out), "--quiet"], env)
        codes = {}
        for line in run([str(tollgate), "keys", "codes", str(source)], env).splitlines():
            if line.strip():
                tier, _epoch, code = line.split("\t")
                codes[tier] = code.strip()
        if "member" not in codes:
            sys.exit(f"browser_decrypt: `tollgate keys codes` printed no code for member: {codes}")
        if args.js:
            shutil.copyfile(args.js, out / "assets" / "tollgate.js")
        page = "/bench/long-chapter/"
        if not (out / "bench" / "long-chapter" / "index.html").is_file():
            sys.exit(f"browser_decrypt: the build wrote no {page}index.html")

        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(out)))
        threading.Thread(target=server.serve_forever, daemon=True).start()
        options = webdriver.ChromeOptions()
        options.binary_location = os.environ.get("CHROMIUM", "/usr/bin/chromium")
        for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,900",
                         "--disable-background-networking", "--disable-component-update", "--no-first-run"):
            options.add_argument(argument)
        driver = webdriver.Chrome(service=Service(os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver")), options=options)
        try:
            driver.set_script_timeout(WAIT_SECONDS + args.runs)
            driver.set_page_load_timeout(WAIT_SECONDS)
            driver.get(f"http://127.0.0.1:{server.server_address[1]}{quote(page)}")
            from selenium.webdriver.support.ui import WebDriverWait

            WebDriverWait(driver, WAIT_SECONDS).until(lambda d: d.find_elements("css selector", "#tollgate-code"))
            result = driver.execute_async_script(BENCH_SCRIPT, codes["member"], args.runs, WARM_UP)
            version = driver.capabilities.get("browserVersion", "?")
        finally:
            driver.quit()
            server.shutdown()
        if "error" in result:
            sys.exit(f"browser_decrypt: the page failed: {result['error']}")
        if not result["ok"]:
            sys.exit("browser_decrypt: the premium part was not inserted")
    finally:
        if args.keep:
            print(f"site kept in {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)

    insert, layout = result["insert"], result["withLayout"]
    median, p90 = statistics.median(insert), percentile(insert, 90)
    print(f"Chromium {version}, headless; chapter: {markdown_bytes / 1000:.0f} KB Markdown -> "
          f"{result['htmlLength'] / 1000:.0f} K characters of premium HTML, {result['ctLength'] / 1000:.0f} KB of base64 ciphertext")
    print(f"{args.runs} timed runs after {WARM_UP} warm-up runs (ms)")
    print(f"{'':22} {'median':>8} {'p90':>8} {'min':>8} {'max':>8}")
    for name, values in (("decrypt + insert", insert), ("  with forced layout", layout)):
        print(f"{name:22} {statistics.median(values):8.2f} {percentile(values, 90):8.2f} {min(values):8.2f} {max(values):8.2f}")
    verdict = "PASS" if p90 <= TARGET_MS else ("PASS (median), p90 over" if median <= TARGET_MS else "FAIL")
    print(f"target: decrypt + insert <= {TARGET_MS:.0f} ms: median {median:.2f} ms, p90 {p90:.2f} ms: {verdict}")


if __name__ == "__main__":
    main()
