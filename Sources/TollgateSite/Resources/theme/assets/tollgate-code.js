/*
 * tollgate-code.js: a copy button on every code block of a page.
 *
 * Code is highlighted at build time (figure.code > pre.code-block > code); this module only
 * adds the buttons. It runs on every page (partials/head.mustache loads it, with the button's
 * strings in data-* attributes of its script tag) and tollgate.js calls addCopyButtons on the
 * premium part it opens, so code inside a chapter opened after unlock gets buttons too.
 * The language label stays: it is the pre's ::before, drawn by the stylesheet.
 */

const DEFAULT_LABELS = { copy: "Copy", copied: "Copied", failed: "Copy failed", label: "Copy code" };

/** The button texts from the data-* attributes of this module's script tag. */
function labels(doc) {
  const script = doc.querySelector("script[data-copy]");
  const data = script ? script.dataset : {};
  return {
    copy: data.copy || DEFAULT_LABELS.copy,
    copied: data.copied || DEFAULT_LABELS.copied,
    failed: data.copyFailed || DEFAULT_LABELS.failed,
    label: data.copyLabel || DEFAULT_LABELS.label,
  };
}

/** The element the button goes in: the block's figure, or a wrapper made around a bare pre. */
function holderOf(pre, doc) {
  const figure = pre.closest("figure.code");
  if (figure) return figure;
  if (pre.parentElement && pre.parentElement.classList.contains("code-wrap")) return pre.parentElement;
  const wrap = doc.createElement("div");
  wrap.className = "code-wrap";
  pre.before(wrap);
  wrap.append(pre);
  return wrap;
}

/** Writes `text` to the clipboard; falls back to a selection and execCommand where the API is missing. */
async function writeClipboard(text, doc, win) {
  if (win.navigator.clipboard && win.navigator.clipboard.writeText) {
    await win.navigator.clipboard.writeText(text);
    return;
  }
  const area = doc.createElement("textarea");
  area.value = text;
  area.setAttribute("readonly", "");
  area.style.position = "fixed";
  area.style.opacity = "0";
  doc.body.append(area);
  area.select();
  const done = doc.execCommand("copy");
  area.remove();
  if (!done) throw new Error("copy refused");
}

/**
 * Adds a copy button to each code block under `root` that has none yet.
 * @param {ParentNode} root a document or the premium part just opened
 * @returns {number} how many buttons were added
 */
export function addCopyButtons(root = document, { doc = document, win = globalThis } = {}) {
  const text = labels(doc);
  let added = 0;
  for (const pre of root.querySelectorAll(".prose pre, pre.code-block")) {
    const code = pre.querySelector("code");
    if (!code) continue;
    const holder = holderOf(pre, doc);
    if (holder.querySelector(":scope > .code-copy")) continue;
    const button = doc.createElement("button");
    button.type = "button";
    button.className = "code-copy";
    button.textContent = text.copy;
    button.setAttribute("aria-label", text.label);
    let timer = null;
    button.addEventListener("click", async () => {
      try {
        await writeClipboard(code.textContent, doc, win);
        button.textContent = text.copied;
      } catch {
        button.textContent = text.failed;
      }
      button.classList.add("is-done");
      clearTimeout(timer);
      timer = setTimeout(() => {
        button.textContent = text.copy;
        button.classList.remove("is-done");
      }, 2000);
    });
    holder.append(button);
    added += 1;
  }
  return added;
}

if (typeof document !== "undefined") {
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", () => addCopyButtons(document));
  } else {
    addCopyButtons(document);
  }
}
