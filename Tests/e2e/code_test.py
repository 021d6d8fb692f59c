#!/usr/bin/env python3
"""End-to-end test: highlighted code and its copy button in a premium part, in headless Chromium.

    TOLLGATE_SITE=/path/to/_site TOLLGATE_CODES='{"concurrency": "CXXX-..."}' \
    TOLLGATE_CODE_PAGE=course/chapter/ TOLLGATE_CODE_TITLE=Catalog+Products.swift \
    python3 Tests/e2e/code_test.py

Serves the built site on 127.0.0.1 and, on the premium chapter TOLLGATE_CODE_PAGE (whose
premium part holds a code block titled TOLLGATE_CODE_TITLE), checks with Debian's chromium +
chromedriver through selenium that, after unlock with the tier's access code:

- the opened part holds highlighted code: token spans with hl-* classes, a keyword coloured
  differently from plain text (computed styles), the language label and the title shown;
- the block's copy button, clicked, writes the code exactly (no line numbers, no label) to
  the clipboard (navigator.clipboard.writeText is intercepted in the page) and says so.

Exits 0 with a short summary, or 1 with the failed check (and a screenshot's path).
"""

import json
import os
import sys
import time
from pathlib import Path

sys.dont_write_bytecode = True

from selenium.common.exceptions import WebDriverException  # noqa: E402
from selenium.webdriver.common.action_chains import ActionChains  # noqa: E402

import unlock_test  # noqa: E402  (browser settings, the panel, codes)
from unlock_test import CheckFailed, Session, check  # noqa: E402

INTERCEPT_CLIPBOARD = """
window.__copied = [];
Object.defineProperty(navigator, 'clipboard', {configurable: true, value: {
  writeText: async (text) => { window.__copied.push(text); }
}});
"""

BLOCK = """
const title = [...document.querySelectorAll('#tollgate-premium figure.code > figcaption.code-title')]
  .find((t) => t.textContent === arguments[0]);
return title ? title.parentElement : null;
"""


def run(site: Path, codes: dict, page_path: str, title: str, summary: list):
    pages = {page["path"]: page for page in unlock_test.sealed_pages(site)}
    check(page_path in pages, f"/{page_path} is not a sealed page of {site}")
    page = pages[page_path]
    tier = next((t for t in sorted(codes) if t in page["wrap_tiers"]), None)
    check(tier, f"no tier of TOLLGATE_CODES reads /{page_path}")
    server = unlock_test.serve(site)
    origin = f"http://127.0.0.1:{server.server_address[1]}"
    driver = unlock_test.start_browser()
    session = Session(driver, origin)
    try:
        session.open(page)
        session.wait_for_panel(page)
        check(session.find("#tollgate-premium") is None, "the premium part is open before unlock")
        driver.execute_script(INTERCEPT_CLIPBOARD)

        # 1. Unlock: the premium part holds the titled block, highlighted.
        session.submit(codes[tier])
        session.wait_for_premium(page)
        figure = session.wait(f"the code block titled {title} in the premium part", lambda d: d.execute_script(BLOCK, title))
        facts = driver.execute_script(
            """
            const figure = arguments[0], pre = figure.querySelector('pre.code-block'), code = pre.querySelector('code');
            const keyword = code.querySelector('.hl-kw'), plain = [...code.querySelectorAll('.line')].find((l) => l.firstChild && l.firstChild.nodeType === 3);
            const plainColor = getComputedStyle(code).color;
            return {
              classes: [...new Set([...code.querySelectorAll('span[class^="hl-"]')].map((s) => s.className))].sort(),
              keyword: keyword ? keyword.textContent : null,
              keywordColor: keyword ? getComputedStyle(keyword).color : null,
              plainColor: plainColor,
              label: getComputedStyle(pre, '::before').content,
              highlighted: code.querySelectorAll('.line.hl-line').length,
              text: code.textContent,
            };
            """,
            figure,
        )
        check(len(facts["classes"]) >= 3, f"the premium code has too few token classes: {facts['classes']}")
        check(facts["keyword"], "the premium code has no keyword span")
        check(facts["keywordColor"] != facts["plainColor"], f"a keyword is coloured like plain text ({facts['plainColor']})")
        check("Swift" in facts["label"], f"the language label is {facts['label']!r}, not Swift")
        check(facts["highlighted"] > 0, "no highlighted line in the premium code")
        summary.append(
            f"opened code: {len(facts['classes'])} token classes, keyword {facts['keyword']!r} in {facts['keywordColor']} "
            f"vs text {facts['plainColor']}, label {facts['label']}, {facts['highlighted']} highlighted lines"
        )

        # 2. The copy button copies exactly the code.
        button = session.wait("the copy button of the opened block", lambda d: d.execute_script(
            "return arguments[0].querySelector(':scope > button.code-copy')", figure))
        driver.execute_script("arguments[0].scrollIntoView({block: 'center', behavior: 'instant'})", figure)
        ActionChains(driver).move_to_element(figure).perform()
        before = button.text
        button.click()
        copied = session.wait("the copied text", lambda d: d.execute_script("return window.__copied.length ? window.__copied : null"))
        check(copied == [facts["text"]], f"the button copied {copied!r}, the block holds {facts['text']!r}")
        check("withThrowingTaskGroup" in copied[0] and "\n" in copied[0], f"the copied code is not the block's: {copied[0]!r}")
        after = session.wait("the button to confirm", lambda d: button.text if button.text != before else None)
        summary.append(f"copy button {before!r} → {after!r}, {len(copied[0])} characters copied, identical to the block")

        session.collect_logs()
        severe = [e["message"] for e in session.console if e.get("level") == "SEVERE"]
        check(severe == [], f"errors in the browser console: {severe}")
    except (CheckFailed, WebDriverException):
        unlock_test.save_failure_screenshot(driver, "code")
        raise
    finally:
        driver.quit()
        server.shutdown()
        server.server_close()


def main():
    env = os.environ
    site, page, title = env.get("TOLLGATE_SITE", ""), env.get("TOLLGATE_CODE_PAGE", ""), env.get("TOLLGATE_CODE_TITLE", "")
    if not site or not Path(site, "index.html").is_file() or not page or not title:
        print("code_test: set TOLLGATE_SITE, TOLLGATE_CODE_PAGE and TOLLGATE_CODE_TITLE", file=sys.stderr)
        return 2
    try:
        codes = json.loads(env.get("TOLLGATE_CODES", "") or "{}")
    except json.JSONDecodeError as error:
        print(f"code_test: TOLLGATE_CODES is not JSON: {error}", file=sys.stderr)
        return 2
    summary = []
    started = time.monotonic()
    try:
        run(Path(site), codes, page, title, summary)
    except (CheckFailed, WebDriverException) as failure:
        for line in summary:
            print(f"  ok: {line}")
        reason = failure.msg if isinstance(failure, WebDriverException) else failure
        print(f"code_test: FAILED: {reason}", file=sys.stderr)
        print("code_test: 0 passed, 1 failed")
        return 1
    for line in summary:
        print(f"  ok: {line}")
    print(f"code_test: 1 passed, 0 failed ({time.monotonic() - started:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
