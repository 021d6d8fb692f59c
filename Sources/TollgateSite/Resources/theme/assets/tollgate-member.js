/*
 * tollgate-member.js: the member's side of every page (docs/authoring.md, "The member's side").
 *
 * - Access: chapters, pager links, course cards and outlines carry their tier (`data-tier`);
 *   once this browser holds a key that opens a tier, their locks turn into "unlocked".
 * - Account: a control in the header shows what unlocked the site (tier, the license id or
 *   the end of the access code's public id, never a secret), the license's status and its
 *   devices (the license server's self-service endpoints), and Sign out.
 * - Reading progress: kept in IndexedDB ("tollgate-progress") and nowhere else; a chapter is
 *   read when its end marker comes into view; course pages show "4 of 12 read" and a link
 *   back to the last heading; the member can export or erase it.
 * - Offline: on the member's request only, sw.js keeps a course's pages, sealed parts,
 *   sealed assets and the site's modules.
 * - Theme: a light/dark toggle whose choice (only when it differs from the system's) is kept
 *   in localStorage.
 *
 * It sends requests only to the site itself and to the site's license server. It needs no
 * other module than tollgate.js, next to it.
 */

import { errorMessage, forgetOfflineCopies, keySources, loadSiteData, memoryKeyStore, openKeyStore, chapterPath, openWithKeptKeys } from "./tollgate.js";

const ROOT = new URL("../", import.meta.url);
const SERVER_TIMEOUT_MS = 15000;

const DEFAULT_STRINGS = {
  member_account: "Your access",
  member_unlocked: "Unlocked",
  member_signed_in_code: "Unlocked with {tier} (access code …{label})",
  member_signed_in_license: "Signed in with a license for {tiers}",
  member_license_id: "License {id}",
  member_status_active: "Active, does not expire",
  member_status_active_until: "Active until {date}",
  member_status_revoked: "This license was revoked: it no longer unlocks chapters.",
  member_status_expired: "This license expired on {date}.",
  member_status_expired_undated: "This license has expired.",
  member_renew: "Renew your license",
  member_devices: "Devices using this license: {in_use} of {limit}",
  member_device_label: "Device {number} · …{suffix}",
  member_device_this: "This device",
  member_device_seen: "First used {first} · last seen {last}",
  member_device_free: "Free this slot",
  member_device_freed: "The slot is free: that device has to enter the license key again.",
  member_sign_out: "Sign out",
  member_server_unreachable: "The license server cannot be reached right now.",
  member_key_label: "Locked out of every device slot? Enter your license key to see its devices and free one.",
  member_key_submit: "Show devices",
  member_progress: "{read} of {total} read",
  member_continue: "Continue where you left off: {title}",
  member_read: "Read",
  member_export: "Export reading progress",
  member_erase: "Erase reading progress",
  member_erase_confirm: "Erase the reading progress kept in this browser?",
  member_offline: "Make this course available offline",
  member_offline_working: "Saving this course for offline reading…",
  member_offline_done: "Available offline on this device ({count} files).",
  member_offline_failed: "Could not save this course for offline reading. Try again when you are online.",
  member_offline_unsupported: "This browser cannot keep courses for offline reading.",
};

// ------------------------------------------------------------------- helpers

function fill(template, values) {
  return template.replace(/\{(\w+)\}/g, (whole, name) => (Object.hasOwn(values, name) ? String(values[name]) : whole));
}

function element(doc, tag, attributes = {}, text) {
  const node = doc.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  if (text !== undefined) node.textContent = text;
  return node;
}

function request(req) {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

/** A site path (`/course/chapter/`) of a link or address, without query and fragment. */
function pathOf(href, base) {
  const url = new URL(href, base);
  return url.origin === new URL(base).origin ? decodeURI(url.pathname) : null;
}

function formatDay(text, lang) {
  const date = typeof text === "string" ? new Date(text) : null;
  if (!date || Number.isNaN(date.getTime())) return "";
  try {
    return new Intl.DateTimeFormat(lang || undefined, { dateStyle: "medium" }).format(date);
  } catch {
    return date.toISOString().slice(0, 10);
  }
}

/** Tier names as a list in the site's language. */
function tierNames(siteData, ids) {
  const names = [...new Set(ids)].map((id) => ((siteData.tiers || []).find((t) => t.id === id) || { name: id }).name);
  try {
    return new Intl.ListFormat(siteData.lang || undefined, { type: "conjunction" }).format(names);
  } catch {
    return names.join(", ");
  }
}

// ------------------------------------------------------------------- theme

const THEME_KEY = "tollgate-theme";

/**
 * The light/dark toggle: flips the page from what it shows now; remembers the choice only
 * when it differs from the system's preference, so a member who flips back follows the
 * system again.
 */
export function setUpThemeToggle(doc, win) {
  const button = doc.getElementById("tollgate-theme");
  if (!button) return;
  const systemDark = () => Boolean(win.matchMedia && win.matchMedia("(prefers-color-scheme: dark)").matches);
  const shown = () => doc.documentElement.getAttribute("data-theme") || (systemDark() ? "dark" : "light");
  const update = () => button.setAttribute("aria-pressed", String(shown() === "dark"));
  update();
  button.addEventListener("click", () => {
    const next = shown() === "dark" ? "light" : "dark";
    try {
      if (next === (systemDark() ? "dark" : "light")) win.localStorage.removeItem(THEME_KEY);
      else win.localStorage.setItem(THEME_KEY, next);
    } catch {
      // No storage: the choice lasts as long as the page.
    }
    doc.documentElement.setAttribute("data-theme", next);
    update();
  });
}

// ------------------------------------------------------------------ access

/** The tiers whose chapters the records open: each record's tier and what it includes. */
export function openableTiers(records, siteData) {
  const includes = new Map((siteData.tiers || []).map((t) => [t.id, t.includes || []]));
  const open = new Set();
  const pending = records.filter((r) => r.site === siteData.site && r.epoch === siteData.epoch).map((r) => r.tier);
  while (pending.length > 0) {
    const tier = pending.pop();
    if (open.has(tier)) continue;
    open.add(tier);
    pending.push(...(includes.get(tier) || []));
  }
  return open;
}

/** Marks every element with a `data-tier` this browser opens as unlocked. */
export function markUnlocked(doc, tiers) {
  for (const node of doc.querySelectorAll("[data-tier]")) {
    if (node.id === "tollgate-unlock") continue;
    const open = tiers.has(node.getAttribute("data-tier"));
    node.classList.toggle("is-unlocked", open);
    if (open) node.setAttribute("data-access", "unlocked");
    else node.removeAttribute("data-access");
  }
}

// ----------------------------------------------------------------- progress

const PROGRESS_DB = "tollgate-progress";
const CHAPTERS = "chapters";

/**
 * Reading progress in IndexedDB: one record per chapter path,
 * `{path, course, title, read, read_at, anchor, anchor_title, seen_at}`. Nothing else keeps
 * it and nothing sends it.
 */
export async function openProgress(idb = globalThis.indexedDB) {
  const open = idb.open(PROGRESS_DB, 1);
  open.onupgradeneeded = () => open.result.createObjectStore(CHAPTERS, { keyPath: "path" });
  const db = await request(open);
  db.onversionchange = () => db.close();
  const run = (mode, body) =>
    new Promise((resolve, reject) => {
      const tx = db.transaction(CHAPTERS, mode);
      const result = body(tx.objectStore(CHAPTERS));
      tx.oncomplete = () => resolve(result && "result" in result ? result.result : undefined);
      tx.onerror = tx.onabort = () => reject(tx.error);
    });
  return {
    all: () => run("readonly", (store) => store.getAll()),
    get: (path) => run("readonly", (store) => store.get(path)),
    /** Merges `changes` into the chapter's record. */
    update: (path, changes) =>
      run("readwrite", (store) => {
        const get = store.get(path);
        get.onsuccess = () => store.put({ path, ...(get.result || {}), ...changes });
      }),
    clear: () => run("readwrite", (store) => store.clear()),
  };
}

/** Follows a chapter page: the last heading passed, and the end of the chapter reached. */
function trackChapter(doc, win, progress, article) {
  const path = pathOf(article.getAttribute("data-chapter"), win.location.href);
  const course = pathOf(article.getAttribute("data-course"), win.location.href);
  if (!path || !course) return;
  const title = (doc.querySelector(".chapter-title") || {}).textContent || doc.title;
  const save = (changes) => progress.update(path, { course, title: title.trim(), seen_at: new Date().toISOString(), ...changes }).catch(() => {});
  save({});
  let lastAnchor = null;
  let timer = 0;
  const headingPassed = () => {
    let passed = null;
    for (const heading of doc.querySelectorAll(".chapter-content h2[id], .chapter-content h3[id]")) {
      if (heading.getBoundingClientRect().top < 96) passed = heading;
      else break;
    }
    if (passed && passed.id !== lastAnchor) {
      lastAnchor = passed.id;
      save({ anchor: passed.id, anchor_title: passed.textContent.replace(/#$/, "").trim() });
    }
  };
  win.addEventListener("scroll", () => {
    win.clearTimeout(timer);
    timer = win.setTimeout(headingPassed, 250);
  }, { passive: true });
  const end = doc.getElementById("tollgate-chapter-end");
  if (!end || typeof win.IntersectionObserver !== "function") return;
  const observer = new win.IntersectionObserver((entries) => {
    // A locked chapter's teaser is not the chapter: only an open chapter is read.
    if (!entries.some((entry) => entry.isIntersecting) || doc.querySelector("section.locked")) return;
    observer.disconnect();
    save({ read: true, read_at: new Date().toISOString() }).then(() => markRead(doc, win, progress));
  });
  observer.observe(end);
  doc.addEventListener("tollgate:unlocked", () => {
    observer.unobserve(end);
    observer.observe(end);
  });
}

/** Read marks on every outline of the page. */
async function markRead(doc, win, progress) {
  const records = await progress.all();
  const read = new Set(records.filter((r) => r.read).map((r) => r.path));
  for (const link of doc.querySelectorAll(".outline-chapter > a[href]")) {
    const item = link.parentElement;
    const isRead = read.has(pathOf(link.getAttribute("href"), win.location.href));
    item.classList.toggle("is-read", isRead);
    if (isRead) item.setAttribute("data-progress", "read");
    else item.removeAttribute("data-progress");
  }
  return records;
}

/** Downloads the progress as JSON: the member's own copy. */
function exportProgress(doc, win, records) {
  const data = { format: "tollgate-progress/1", site: ROOT.href, exported_at: new Date().toISOString(), chapters: records };
  const url = win.URL.createObjectURL(new Blob([JSON.stringify(data, null, 2)], { type: "application/json" }));
  const link = element(doc, "a", { href: url, download: "reading-progress.json", hidden: "" });
  doc.body.append(link);
  link.click();
  link.remove();
  win.setTimeout(() => win.URL.revokeObjectURL(url), 60000);
}

// ------------------------------------------------------------------ offline

/** Every address the offline copy of a course needs, its sealed assets included. */
async function offlineAddresses(win, courseURL, chapterURLs, { siteData, store, sources }) {
  const urls = new Set([courseURL, new URL("manifest.webmanifest", ROOT).href]);
  for (const name of ["tollgate.css", "tollgate.js", "tollgate-member.js", "tollgate-site.js", "favicon.svg"]) {
    urls.add(new URL(`assets/${name}`, ROOT).href);
  }
  const parser = new win.DOMParser();
  const sameSite = (value, base) => {
    if (!value) return;
    const url = new URL(value, base);
    if (url.origin === ROOT.origin && url.pathname.startsWith(ROOT.pathname) && url.protocol !== "blob:") urls.add(url.href.split("#")[0]);
  };
  for (const chapter of chapterURLs) {
    urls.add(chapter);
    const response = await win.fetch(chapter, { credentials: "same-origin" });
    if (!response.ok) throw new Error(`${chapter} answered ${response.status}`);
    const page = parser.parseFromString(await response.text(), "text/html");
    for (const node of page.querySelectorAll("img[src], script[src], link[rel=stylesheet][href], source[src], video[poster]")) {
      sameSite(node.getAttribute("src") || node.getAttribute("href") || node.getAttribute("poster"), chapter);
    }
    const sealed = page.getElementById("tollgate-sealed");
    if (!sealed || !siteData) continue;
    const opened = await openWithKeptKeys({ payload: JSON.parse(sealed.textContent), siteData, path: chapterPath(chapter, ROOT), store, sources });
    if (!opened) continue;
    const premium = parser.parseFromString(`<body>${opened.html}</body>`, "text/html");
    for (const node of premium.querySelectorAll("[data-tollgate-asset]")) sameSite(node.getAttribute("data-tollgate-asset"), chapter);
    for (const node of premium.querySelectorAll("img[src]")) sameSite(node.getAttribute("src"), chapter);
  }
  return [...urls];
}

/** Registers sw.js (now, at the member's request) and hands it the course to keep. */
async function keepCourseOffline(win, courseURL, urls) {
  const registration = await win.navigator.serviceWorker.register(new URL("sw.js", ROOT).href, { scope: ROOT.pathname });
  await win.navigator.serviceWorker.ready;
  const worker = registration.active || registration.waiting || registration.installing;
  return new Promise((resolve, reject) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = (event) => (event.data && event.data.error ? reject(new Error(event.data.error)) : resolve(event.data));
    worker.postMessage({ type: "keep-course", course: courseURL, urls }, [channel.port2]);
  });
}

// ----------------------------------------------------------- license server

/** POSTs JSON to the site's license server; resolves to `{ok, status, body}`. */
async function postServer(win, siteData, path, body) {
  const controller = new AbortController();
  const timer = win.setTimeout(() => controller.abort(), SERVER_TIMEOUT_MS);
  try {
    const response = await win.fetch(String(siteData.license_server).replace(/\/+$/, "") + path, {
      method: "POST",
      mode: "cors",
      credentials: "omit",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
      signal: controller.signal,
    });
    return { ok: response.ok, status: response.status, body: await response.json().catch(() => null) };
  } finally {
    win.clearTimeout(timer);
  }
}

// ------------------------------------------------------------------- member

/** The member's side of one page. */
class MemberPage {
  constructor({ doc, win, siteData, store }) {
    this.doc = doc;
    this.win = win;
    this.siteData = siteData;
    this.store = store;
    this.strings = { ...DEFAULT_STRINGS, ...((siteData && siteData.strings) || {}) };
    this.sources = siteData ? keySources({ siteData, store, fetch: (...args) => win.fetch(...args) }) : [];
    this.progress = null;
    this.license = null; // the last /v1/license answer
    this.notice = null; // a revoked or expired license, after the server said so
  }

  text(key, values = {}) {
    return fill(this.strings[key] || DEFAULT_STRINGS[key] || key, values);
  }

  get sessionName() {
    return `session ${String(this.siteData.license_server).replace(/\/+$/, "")}`;
  }

  async records() {
    if (!this.siteData) return [];
    return (await this.store.all()).filter((r) => r && r.site === this.siteData.site && r.key);
  }

  async start() {
    try {
      this.progress = await openProgress(this.win.indexedDB);
    } catch {
      this.progress = null; // no IndexedDB: no progress, everything else works
    }
    await this.refreshAccess();
    const article = this.doc.querySelector("article.chapter[data-chapter]");
    if (article && this.progress) trackChapter(this.doc, this.win, this.progress, article);
    if (this.progress) await markRead(this.doc, this.win, this.progress);
    await this.renderCourse();
    this.renderKeyForm();
    this.doc.addEventListener("tollgate:unlocked", () => {
      this.refreshAccess()
        .then(() => this.renderCourse())
        .then(() => (this.notice ? this.replaceBar() : this.checkLicense()))
        .catch((error) => console.warn("tollgate-member:", error));
    });
    await this.checkLicense();
  }

  /** Locks and the account control, from the keys this browser holds. */
  async refreshAccess() {
    const records = await this.records();
    this.tiers = this.siteData ? openableTiers(records, this.siteData) : new Set();
    markUnlocked(this.doc, this.tiers);
    this.renderAccount(records);
  }

  /** Asks the license server about the license of this browser's device token. */
  async checkLicense() {
    if (!this.siteData || !this.siteData.license_server) return;
    const session = await this.store.getState(this.sessionName);
    if (!session || !session.token) return;
    let answer;
    try {
      answer = await postServer(this.win, this.siteData, "/v1/license", { device_token: session.token });
    } catch {
      this.license = { unreachable: true };
      return this.renderAccount(await this.records());
    }
    if (answer.status === 401) return this.endSession({ status: "signed_out" });
    if (!answer.ok || !answer.body || !answer.body.license) return;
    this.license = answer.body;
    const status = answer.body.license.status;
    if (status === "revoked" || status === "expired") return this.endSession(answer.body.license);
    this.renderAccount(await this.records());
  }

  /** The license ended (or this device was freed): forget its keys and token, say why. */
  async endSession(license) {
    const kids = (await this.records()).filter((r) => r.source === "license").map((r) => r.kid);
    await this.store.remove(kids);
    await this.store.removeState(this.sessionName);
    this.notice = license.status === "signed_out" ? null : license;
    this.license = null;
    await this.refreshAccess();
    this.replaceBar();
  }

  /** A chapter opened with keys kept from before the license ended: its bar says so, not "Signed in". */
  replaceBar() {
    const bar = this.doc.getElementById("tollgate-unlocked");
    if (!this.notice || !bar || bar.getAttribute("data-source") !== "license") return;
    bar.replaceChildren(this.statusLine(this.notice));
    bar.querySelector("p").id = "tollgate-bar-status";
    bar.setAttribute("data-source", "ended");
  }

  renderAccount(records) {
    const mount = this.doc.getElementById("tollgate-account");
    if (!mount) return;
    const doc = this.doc;
    if (records.length === 0 && !this.notice) {
      mount.hidden = true;
      mount.replaceChildren();
      return;
    }
    const wasOpen = mount.querySelector("details[open]") !== null;
    const details = element(doc, "details", { class: "account" });
    if (wasOpen) details.open = true;
    const summary = element(doc, "summary", { class: "account-summary" });
    const panel = element(doc, "div", { class: "account-panel" });
    details.append(summary, panel);
    if (this.notice) {
      details.classList.add("is-ended");
      summary.append(element(doc, "span", { class: "account-icon", "aria-hidden": "true" }), element(doc, "span", { class: "account-label" }, this.text("member_account")));
      panel.append(this.statusLine(this.notice));
      details.open = true;
    } else {
      const tiers = [...new Set(records.map((r) => r.tier))];
      summary.append(element(doc, "span", { class: "account-icon", "aria-hidden": "true" }), element(doc, "span", { class: "account-label" }, tierNames(this.siteData, tiers)));
      const license = records.filter((r) => r.source === "license");
      const codes = records.filter((r) => r.source !== "license");
      if (license.length > 0) {
        panel.append(element(doc, "p", { class: "account-signed-in", id: "tollgate-signed-in" }, this.text("member_signed_in_license", { tiers: tierNames(this.siteData, license.map((r) => r.tier)) })));
      }
      for (const code of codes.filter((r, i, all) => all.findIndex((o) => o.tier === r.tier) === i)) {
        panel.append(element(doc, "p", { class: "account-signed-in" }, this.text("member_signed_in_code", { tier: tierNames(this.siteData, [code.tier]), label: code.label || "····" })));
      }
      if (license.length > 0 && this.license) this.appendLicense(panel, this.license, { token: true });
      if (license.length > 0 && this.license && this.license.unreachable) panel.append(element(doc, "p", { class: "account-note" }, this.text("member_server_unreachable")));
      const signOut = element(doc, "button", { type: "button", class: "button account-sign-out", id: "tollgate-sign-out" }, this.text("member_sign_out"));
      signOut.addEventListener("click", () => this.signOut(signOut));
      panel.append(signOut);
    }
    mount.replaceChildren(details);
    mount.hidden = false;
  }

  /** "Active until …", or why the license no longer unlocks, with the renew link. */
  statusLine(license) {
    const doc = this.doc;
    const line = element(doc, "p", { class: `account-status is-${license.status}`, id: "tollgate-license-status", "data-status": license.status });
    const date = formatDay(license.expires_at, this.siteData.lang);
    if (license.status === "active") line.textContent = date ? this.text("member_status_active_until", { date }) : this.text("member_status_active");
    else if (license.status === "revoked") line.textContent = this.text("member_status_revoked");
    else line.textContent = date ? this.text("member_status_expired", { date }) : this.text("member_status_expired_undated");
    let renew = null;
    try {
      const url = new URL(license.renew_url);
      if (url.protocol === "https:" || url.protocol === "http:") renew = url.href;
    } catch {
      renew = null;
    }
    // Renewing is offered once the license has an end: ended, or with an expiry date.
    if (renew && (license.status !== "active" || license.expires_at)) {
      line.append(" ", element(doc, "a", { href: renew, class: "account-renew", rel: "noopener" }, this.text("member_renew")));
    }
    return line;
  }

  /** The license id, status and devices; each other device can be freed. */
  appendLicense(panel, answer, proof) {
    const doc = this.doc;
    const license = answer.license;
    if (!license) return;
    panel.append(element(doc, "p", { class: "account-license" }, this.text("member_license_id", { id: license.id })), this.statusLine(license));
    const devices = answer.devices || [];
    panel.append(element(doc, "p", { class: "account-devices-title" }, this.text("member_devices", { in_use: devices.length, limit: license.device_limit })));
    const list = element(doc, "ul", { class: "account-devices", id: proof.token ? "tollgate-devices" : "tollgate-key-devices" });
    devices.forEach((device, index) => {
      const item = element(doc, "li", { class: "account-device", "data-device": device.id });
      const name = device.this_device ? this.text("member_device_this") : this.text("member_device_label", { number: index + 1, suffix: device.id.slice(-4) });
      item.append(element(doc, "span", { class: "account-device-name" }, name));
      item.append(element(doc, "span", { class: "account-device-seen" }, this.text("member_device_seen", { first: formatDay(device.first_seen, this.siteData.lang), last: formatDay(device.last_seen, this.siteData.lang) })));
      if (!device.this_device) {
        const free = element(doc, "button", { type: "button", class: "account-device-free" }, this.text("member_device_free"));
        free.addEventListener("click", () => this.freeDevice(device.id, proof, free));
        item.append(free);
      }
      list.append(item);
    });
    panel.append(list);
  }

  async freeDevice(device, proof, button) {
    button.disabled = true;
    const body = { device };
    if (proof.token) body.device_token = (await this.store.getState(this.sessionName)).token;
    else body.license_key = proof.key;
    try {
      const answer = await postServer(this.win, this.siteData, "/v1/devices/free", body);
      if (!answer.ok) throw Object.assign(new Error("free"), { code: answer.body && answer.body.error && answer.body.error.code });
      if (proof.token) {
        this.license = answer.body;
        this.renderAccount(await this.records());
      } else {
        this.showKeyDevices(answer.body, proof.key, this.text("member_device_freed"));
      }
    } catch {
      button.disabled = false;
      button.after(element(this.doc, "span", { class: "account-note", role: "alert" }, this.text("member_server_unreachable")));
    }
  }

  /** Signs out everywhere the page knows: the license server, the keys, the offline copies. */
  async signOut(button) {
    button.disabled = true;
    try {
      await Promise.all(this.sources.map((source) => source.signOut()));
      await this.store.clear();
      await forgetOfflineCopies(this.win);
    } finally {
      this.win.location.reload();
    }
  }

  /** Progress, "continue", export and erase, and the offline button on a course page. */
  async renderCourse() {
    const mount = this.doc.getElementById("tollgate-course");
    if (!mount) return;
    const doc = this.doc;
    const here = this.win.location.href;
    const course = pathOf(mount.getAttribute("data-course"), here);
    const links = [...doc.querySelectorAll(".course-outline .outline-chapter > a[href]")];
    const paths = links.map((a) => pathOf(a.getAttribute("href"), here));
    const parts = [];
    if (this.progress) {
      const records = (await this.progress.all()).filter((r) => r.course === course || paths.includes(r.path));
      const read = records.filter((r) => r.read && paths.includes(r.path)).length;
      const line = element(doc, "p", { class: "course-progress" });
      line.append(element(doc, "span", { class: "course-progress-count", id: "tollgate-progress-count" }, this.text("member_progress", { read, total: paths.length })));
      const bar = element(doc, "span", { class: "course-progress-bar", "aria-hidden": "true" });
      bar.append(element(doc, "span", { style: `width: ${paths.length ? Math.round((100 * read) / paths.length) : 0}%` }));
      line.append(bar);
      parts.push(line);
      const last = records.filter((r) => r.seen_at).sort((a, b) => (a.seen_at < b.seen_at ? 1 : -1))[0];
      if (last) {
        const href = last.path + (last.anchor ? `#${encodeURIComponent(last.anchor)}` : "");
        parts.push(element(doc, "p", { class: "course-continue" }, ""));
        parts[parts.length - 1].append(element(doc, "a", { href, id: "tollgate-continue", class: "button" }, this.text("member_continue", { title: last.anchor_title || last.title })));
      }
      const actions = element(doc, "p", { class: "course-progress-actions" });
      const exporter = element(doc, "button", { type: "button", class: "link-button", id: "tollgate-export" }, this.text("member_export"));
      exporter.addEventListener("click", async () => exportProgress(doc, this.win, await this.progress.all()));
      const eraser = element(doc, "button", { type: "button", class: "link-button", id: "tollgate-erase" }, this.text("member_erase"));
      eraser.addEventListener("click", async () => {
        if (!this.win.confirm(this.text("member_erase_confirm"))) return;
        await this.progress.clear();
        await markRead(doc, this.win, this.progress);
        await this.renderCourse();
      });
      actions.append(exporter, eraser);
      parts.push(actions);
    }
    const tier = mount.getAttribute("data-tier");
    const premium = links.map((a) => a.parentElement.getAttribute("data-tier")).filter(Boolean);
    // Offered once every premium chapter of the course opens here (after an unlock).
    if (premium.length > 0 && premium.concat(tier ? [tier] : []).every((t) => this.tiers.has(t))) parts.push(this.offlineControl(mount, links));
    mount.replaceChildren(...parts);
    mount.hidden = parts.length === 0;
  }

  offlineControl(mount, links) {
    const doc = this.doc;
    const box = element(doc, "p", { class: "course-offline" });
    const button = element(doc, "button", { type: "button", class: "button", id: "tollgate-offline" }, this.text("member_offline"));
    const status = element(doc, "span", { class: "course-offline-status", id: "tollgate-offline-status", role: "status" });
    box.append(button, status);
    if (!this.win.navigator.serviceWorker || !this.win.caches) {
      button.disabled = true;
      status.textContent = this.text("member_offline_unsupported");
      return box;
    }
    button.addEventListener("click", async () => {
      button.disabled = true;
      status.textContent = this.text("member_offline_working");
      try {
        const courseURL = new URL(mount.getAttribute("data-course"), this.win.location.href).href;
        const chapters = links.map((a) => new URL(a.getAttribute("href"), this.win.location.href).href);
        const urls = await offlineAddresses(this.win, courseURL, chapters, { siteData: this.siteData, store: this.store, sources: this.sources });
        const result = await keepCourseOffline(this.win, courseURL, urls);
        if (result.failed && result.failed.length > 0) throw new Error(`not kept: ${result.failed.join(", ")}`);
        status.textContent = this.text("member_offline_done", { count: result.cached });
        status.setAttribute("data-state", "done");
      } catch (error) {
        console.warn("tollgate: offline copy:", error);
        status.textContent = this.text("member_offline_failed");
        status.setAttribute("data-state", "failed");
        button.disabled = false;
      }
    });
    return box;
  }

  /** On "How unlocking works": a form to list and free devices with the license key itself. */
  renderKeyForm() {
    const mount = this.doc.getElementById("tollgate-devices-by-key");
    if (!mount || !this.siteData || !this.siteData.license_server) return;
    const doc = this.doc;
    const form = element(doc, "form", { class: "unlock-form", novalidate: "" });
    const label = element(doc, "label", { class: "unlock-label", for: "tollgate-key-for-devices" }, this.text("member_key_label"));
    const row = element(doc, "div", { class: "unlock-row" });
    const input = element(doc, "input", { id: "tollgate-key-for-devices", class: "unlock-input", type: "text", autocomplete: "off", spellcheck: "false", placeholder: "KXXX-XXXX-XXXX-XXXX-XXXX-XXXX-XXXX" });
    const submit = element(doc, "button", { type: "submit", class: "button button-primary" }, this.text("member_key_submit"));
    row.append(input, submit);
    const result = element(doc, "div", { class: "account-panel", id: "tollgate-key-result", role: "status" });
    form.append(label, row, result);
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const key = input.value.trim();
      if (!key) return;
      try {
        const answer = await postServer(this.win, this.siteData, "/v1/license", { license_key: key });
        if (!answer.ok) {
          const error = Object.assign(new Error("license"), answer.body && answer.body.error ? answer.body.error : {});
          result.replaceChildren(element(doc, "p", { class: "unlock-status is-error" }, errorMessage(error, { siteData: this.siteData }).text));
          return;
        }
        this.showKeyDevices(answer.body, key);
      } catch {
        result.replaceChildren(element(doc, "p", { class: "unlock-status is-error" }, this.text("member_server_unreachable")));
      }
    });
    mount.replaceChildren(form);
    mount.hidden = false;
  }

  showKeyDevices(answer, key, note) {
    const result = this.doc.getElementById("tollgate-key-result");
    if (!result) return;
    result.replaceChildren();
    this.appendLicense(result, answer, { key });
    if (note) result.append(element(this.doc, "p", { class: "account-note" }, note));
  }
}

/** Starts the member's side of the page; a failure leaves the page as it was built. */
async function boot() {
  if (typeof document === "undefined") return;
  setUpThemeToggle(document, window);
  let store;
  try {
    store = await openKeyStore(window.indexedDB);
  } catch {
    store = memoryKeyStore();
  }
  // Only a site with sealed chapters has a site module: ask for it where it can matter.
  const needsSite = document.querySelector("[data-tier], #tollgate-sealed, #tollgate-devices-by-key") || (await store.all()).length > 0;
  let siteData = null;
  try {
    if (needsSite) siteData = await loadSiteData(new URL("assets/tollgate-site.js", ROOT));
  } catch {
    siteData = null; // progress and the theme toggle still work
  }
  await new MemberPage({ doc: document, win: window, siteData, store }).start();
}

boot().catch((error) => console.warn("tollgate-member:", error));
