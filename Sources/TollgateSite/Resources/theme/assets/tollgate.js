/*
 * tollgate.js: opens the sealed premium part of a chapter in the reader's browser.
 *
 * The sealed format is docs/FORMAT.md (version 1). This module only *uses* keys:
 * AES-256-GCM, SHA-256, HKDF-SHA-256 (WebCrypto) and raw DEFLATE (DecompressionStream).
 * Nothing here sends a network request, and nothing stores a code or raw key bytes:
 * tier keys live in IndexedDB as non-extractable CryptoKeys.
 *
 * What a chapter page carries is its own: #tollgate-sealed (body and wraps) and the
 * chapter's tier (`data-tier` of #tollgate-unlock). What every page shares, the site data
 * (site id, tiers, strings, the access codes' envelopes), is a static module next to this
 * one, assets/tollgate-site.js (`export default {…};`): the browser fetches it once and
 * caches it across pages.
 *
 * The first half is pure and runs in Node 20 as well (tests and benchmarks import it);
 * the browser part at the end runs only on a page that carries #tollgate-sealed.
 */

// ------------------------------------------------------------------- errors

/**
 * An error the reader can be told about. `code` is one of:
 * "invalid_format", "unknown_code", "old_code", "other_tier", "license_key_needs_server",
 * "epoch_mismatch", "no_key", "auth_failed", "corrupt", "unsupported", "not_in_site".
 */
export class TollgateError extends Error {
  constructor(code, message, details = {}) {
    super(message || code);
    this.name = "TollgateError";
    this.code = code;
    Object.assign(this, details);
  }
}

// ------------------------------------------------------------------- bytes

const FORMAT_VERSION = 1;
const encoder = new TextEncoder();

function utf8(text) {
  return encoder.encode(text);
}

function concat(...parts) {
  const arrays = parts.map((part) => (typeof part === "string" ? utf8(part) : part));
  const out = new Uint8Array(arrays.reduce((n, a) => n + a.length, 0));
  let at = 0;
  for (const a of arrays) {
    out.set(a, at);
    at += a.length;
  }
  return out;
}

function hex(bytes) {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Standard base64 to bytes; `length`, when given, is the only length accepted. */
function fromBase64(text, length, what) {
  let bytes;
  try {
    if (typeof Uint8Array.fromBase64 === "function") {
      bytes = Uint8Array.fromBase64(text);
    } else {
      const binary = atob(text);
      bytes = new Uint8Array(binary.length);
      for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    }
  } catch {
    throw new TollgateError("corrupt", `${what} is not base64`);
  }
  if (length !== undefined && bytes.length !== length) {
    throw new TollgateError("corrupt", `${what} has ${bytes.length} bytes, not ${length}`);
  }
  return bytes;
}

function subtle() {
  const s = globalThis.crypto && globalThis.crypto.subtle;
  if (!s) throw new TollgateError("unsupported", "WebCrypto (crypto.subtle) is not available");
  return s;
}

// ------------------------------------------------------------- access codes

const ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const CODE_LENGTH = 28; // prefix + 26 characters of secret + check character
const SECRET_BYTES = 16;
const KIND_OF_PREFIX = { C: "access", K: "license" };
const PREFIX_OF_KIND = { access: "C", license: "K" };

/** Luhn mod 32 over character values, doubling the rightmost (FORMAT.md, "Access codes"). */
function checkValue(values) {
  let sum = 0;
  let factor = 2;
  for (let i = values.length - 1; i >= 0; i--) {
    const d = values[i] * factor;
    sum += Math.floor(d / 32) + (d % 32);
    factor = 3 - factor;
  }
  return (32 - (sum % 32)) % 32;
}

function grouped(chars) {
  return chars.match(/.{1,4}/g).join("-");
}

/**
 * Reads an access code (`C…`) or a license key (`K…`) as a person typed it.
 * Case, spaces and dashes do not matter; `O` reads as `0`, `I` and `L` as `1`.
 * @param {string} text
 * @returns {{kind: "access"|"license", text: string, secret: Uint8Array}} `text` is the
 *   normalized grouped form (`CABC-DEFG-…`), `secret` the 16 bytes.
 * @throws {TollgateError} code "invalid_format" for anything that is not a well-formed code.
 */
export function parseCode(text) {
  const invalid = (why) => new TollgateError("invalid_format", `not a code: ${why}`);
  if (typeof text !== "string") throw invalid("not text");
  const chars = text
    .toUpperCase()
    .replace(/[\s\-\u2010-\u2015\u2212]/g, "")
    .replace(/O/g, "0")
    .replace(/[IL]/g, "1");
  if (chars.length !== CODE_LENGTH) throw invalid(`${chars.length} characters instead of ${CODE_LENGTH}`);
  const values = [];
  for (const ch of chars) {
    const v = ALPHABET.indexOf(ch);
    if (v < 0) throw invalid("a character outside the alphabet");
    values.push(v);
  }
  const kind = KIND_OF_PREFIX[chars[0]];
  if (!kind) throw invalid("the first letter is neither C nor K");
  if (checkValue(values.slice(0, CODE_LENGTH - 1)) !== values[CODE_LENGTH - 1]) {
    throw invalid("wrong check character");
  }
  const secret = new Uint8Array(SECRET_BYTES);
  let acc = 0;
  let bits = 0;
  let n = 0;
  for (let i = 1; i < CODE_LENGTH - 1; i++) {
    acc = (acc << 5) | values[i];
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      secret[n++] = (acc >> bits) & 0xff;
      acc &= (1 << bits) - 1;
    }
  }
  if (acc !== 0) throw invalid("non-zero padding bits");
  return { kind, text: grouped(chars), secret };
}

/**
 * The grouped text of a code for `secret` (16 bytes): the inverse of `parseCode`.
 * Tests and tools use it; the page never shows a code it did not receive.
 */
export function formatCode(secret, kind = "access") {
  const prefix = PREFIX_OF_KIND[kind];
  if (!prefix || !(secret instanceof Uint8Array) || secret.length !== SECRET_BYTES) {
    throw new TypeError("formatCode needs 16 bytes and the kind \"access\" or \"license\"");
  }
  const values = [ALPHABET.indexOf(prefix)];
  let acc = 0;
  let bits = 0;
  for (const byte of secret) {
    acc = (acc << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      values.push((acc >> bits) & 31);
    }
    acc &= (1 << bits) - 1;
  }
  values.push((acc << (5 - bits)) & 31); // the last 3 bits, then 2 zero bits
  values.push(checkValue(values));
  return grouped(values.map((v) => ALPHABET[v]).join(""));
}

/**
 * The public id of a code: `hex(first 8 bytes of SHA-256("tollgate/1 code-id" ‖ S))`.
 * @param {Uint8Array} secret
 * @returns {Promise<string>} 16 hex digits
 */
export async function codeId(secret) {
  const digest = await subtle().digest("SHA-256", concat("tollgate/1 code-id", secret));
  return hex(new Uint8Array(digest, 0, 8));
}

function aadCode(site, tier, epoch, kid) {
  return utf8(`tollgate/1\ncode\n${site}\n${tier}\n${epoch}\n${kid}`);
}

function aadWrap(site, path, epoch, kid) {
  return utf8(`tollgate/1\nwrap\n${site}\n${path}\n${epoch}\n${kid}`);
}

function aadBody(site, path, epoch) {
  return utf8(`tollgate/1\nbody\n${site}\n${path}\n${epoch}`);
}

/**
 * Opens a code's envelope: the tier key, as a non-extractable AES-GCM key that can only
 * unwrap data keys. The raw tier key never exists in JavaScript on this path.
 * @param {Uint8Array} secret the code's 16 bytes (from `parseCode`)
 * @param {{tier: string, epoch: number, kid: string, nonce: string, key: string}} codeEntry
 *   the current-epoch entry of the site data's `codes` with the code's id
 * @param {string} site the site id (the site data's `site`)
 * @returns {Promise<CryptoKey>} usage ["unwrapKey"]
 * @throws {TollgateError} "auth_failed" when the envelope does not open, "corrupt" when the
 *   entry is malformed.
 */
export async function keyFromCode(secret, codeEntry, site) {
  const s = subtle();
  const nonce = fromBase64(codeEntry.nonce, 12, "the code envelope's nonce");
  const envelope = fromBase64(codeEntry.key, 48, "the code envelope");
  const ikm = await s.importKey("raw", secret, "HKDF", false, ["deriveKey"]);
  const kek = await s.deriveKey(
    { name: "HKDF", hash: "SHA-256", salt: utf8("tollgate/1"), info: utf8("tollgate/1 code-kek") },
    ikm,
    { name: "AES-GCM", length: 256 },
    false,
    ["unwrapKey"],
  );
  try {
    return await s.unwrapKey(
      "raw",
      envelope,
      kek,
      {
        name: "AES-GCM",
        iv: nonce,
        additionalData: aadCode(site, codeEntry.tier, String(codeEntry.epoch), codeEntry.kid),
      },
      "AES-GCM",
      false,
      ["unwrapKey"],
    );
  } catch (error) {
    throw new TollgateError("auth_failed", "the code's envelope does not open", { cause: error });
  }
}

/**
 * Imports raw tier-key bytes (as the license server hands them out) as a non-extractable
 * AES-GCM key that can only unwrap data keys.
 * @param {Uint8Array} rawBytes 32 bytes
 * @returns {Promise<CryptoKey>}
 */
export async function importTierKey(rawBytes) {
  if (!(rawBytes instanceof Uint8Array) || rawBytes.length !== 32) {
    throw new TollgateError("corrupt", "a tier key has 32 bytes");
  }
  return subtle().importKey("raw", rawBytes, "AES-GCM", false, ["unwrapKey"]);
}

// ------------------------------------------------------------------ chapters

/**
 * The chapter path of a page: its URL path below the site root, percent-decoded, NFC,
 * without a final `index.html`, with a trailing slash (`course/part/chapter/`).
 * @param {string|URL} pageURL the address of the page being shown
 * @param {string|URL} rootURL the site root: the folder above `assets/tollgate.js`
 * @throws {TollgateError} "not_in_site" when the page is not below the root.
 */
export function chapterPath(pageURL, rootURL) {
  const decode = (path) => {
    try {
      return decodeURIComponent(path).normalize("NFC");
    } catch {
      throw new TollgateError("not_in_site", `the address ${path} is not valid percent-encoding`);
    }
  };
  let root = decode(new URL(rootURL).pathname);
  if (!root.endsWith("/")) root += "/";
  const page = decode(new URL(pageURL).pathname);
  if (!page.startsWith(root)) {
    throw new TollgateError("not_in_site", `the page ${page} is not below the site root ${root}`);
  }
  let path = page.slice(root.length);
  if (path === "index.html" || path.endsWith("/index.html")) path = path.slice(0, -"index.html".length);
  if (path !== "" && !path.endsWith("/")) path += "/";
  return path;
}

function checkPayload(payload) {
  if (!payload || typeof payload !== "object") throw new TollgateError("corrupt", "no sealed payload");
  if (payload.v !== FORMAT_VERSION) {
    throw new TollgateError("unsupported", `sealed format version ${payload.v} (this reader knows ${FORMAT_VERSION})`);
  }
  if (!Number.isInteger(payload.epoch) || payload.epoch < 0 || !payload.body || !Array.isArray(payload.wraps)) {
    throw new TollgateError("corrupt", "the sealed payload is incomplete");
  }
}

const SITE_DATA_FILE = "./tollgate-site.js"; // next to this module

/**
 * Checks the site data (the default export of assets/tollgate-site.js).
 * @throws {TollgateError} "unsupported" for another version, "corrupt" when incomplete.
 */
export function checkSiteData(siteData) {
  if (!siteData || typeof siteData !== "object") throw new TollgateError("corrupt", "no site data");
  if (siteData.v !== FORMAT_VERSION) {
    throw new TollgateError("unsupported", `site data version ${siteData.v} (this reader knows ${FORMAT_VERSION})`);
  }
  if (typeof siteData.site !== "string" || siteData.site === "" || (siteData.codes !== undefined && !Array.isArray(siteData.codes))) {
    throw new TollgateError("corrupt", "the site data is incomplete");
  }
  return siteData;
}

/**
 * Loads the site data: the default export of the module at `url` (by default
 * assets/tollgate-site.js, next to this module), checked with `checkSiteData`.
 * @param {string|URL} [url]
 * @returns {Promise<object>} `{v, site, epoch, lang, license_server, tiers, strings, codes}`
 */
export async function loadSiteData(url = new URL(SITE_DATA_FILE, import.meta.url)) {
  const module = await import(String(url));
  return checkSiteData(module.default);
}

async function inflateRaw(bytes) {
  const stream = new DecompressionStream("deflate-raw");
  const writer = stream.writable.getWriter();
  writer.write(bytes).catch(() => {});
  writer.close().catch(() => {});
  const reader = stream.readable.getReader();
  const chunks = [];
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
  }
  return chunks.length === 1 ? chunks[0] : concat(...chunks);
}

/**
 * Opens a sealed chapter and tells which wrap opened it.
 * @returns {Promise<{html: string, wrap: object}>}
 */
async function openSealed({ payload, site, path, keys }) {
  checkPayload(payload);
  const s = subtle();
  const epoch = String(payload.epoch);
  const candidates = payload.wraps.filter((wrap) => keys.has(wrap.kid));
  if (candidates.length === 0) throw new TollgateError("no_key", "no key for this chapter");
  let dataKey = null;
  let opened = null;
  for (const wrap of candidates) {
    try {
      dataKey = await s.unwrapKey(
        "raw",
        fromBase64(wrap.key, 48, "a wrapped data key"),
        keys.get(wrap.kid),
        { name: "AES-GCM", iv: fromBase64(wrap.nonce, 12, "a wrap nonce"), additionalData: aadWrap(site, path, epoch, wrap.kid) },
        "AES-GCM",
        false,
        ["decrypt"],
      );
      opened = wrap;
      break;
    } catch {
      // Try the next key we hold; none opening is reported below.
    }
  }
  if (!dataKey) throw new TollgateError("auth_failed", "the data key does not open for this page");
  let compressed;
  try {
    compressed = await s.decrypt(
      { name: "AES-GCM", iv: fromBase64(payload.body.nonce, 12, "the body nonce"), additionalData: aadBody(site, path, epoch) },
      dataKey,
      fromBase64(payload.body.ct, undefined, "the body"),
    );
  } catch (error) {
    if (error instanceof TollgateError) throw error;
    throw new TollgateError("auth_failed", "the body does not open for this page", { cause: error });
  }
  let html;
  try {
    html = new TextDecoder("utf-8", { fatal: true }).decode(await inflateRaw(new Uint8Array(compressed)));
  } catch (error) {
    throw new TollgateError("corrupt", "the body is not raw DEFLATE of UTF-8 text", { cause: error });
  }
  return { html, wrap: opened };
}

/**
 * Opens a sealed chapter: unwraps its data key with a tier key we hold, decrypts and
 * inflates the body.
 * @param {{payload: object, site: string, path: string, keys: Map<string, CryptoKey>}} args
 *   `payload` is the page's #tollgate-sealed, `site` the site id, `path` the chapter path
 *   computed from the page address, `keys` tier keys by key id.
 * @returns {Promise<string>} the premium HTML
 * @throws {TollgateError} "no_key" (no key for any wrap), "auth_failed" (the payload does not
 *   belong to this page, site or epoch, or the key is wrong), "corrupt", "unsupported".
 */
export async function openChapter(args) {
  return (await openSealed(args)).html;
}

// --------------------------------------------------------------- key sources

/*
 * A key source turns what a reader typed into tier keys. Its shape:
 *   name                  the record's `source` ("code")
 *   accepts(code)         whether it reads this parsed code (`parseCode`'s result)
 *   unlock(code)          → Promise<KeyRecord[]>, or throws a TollgateError
 *   refresh()             → Promise<KeyRecord[]>: keys it can get again without asking
 *   signOut()             → Promise<void>: forget whatever it keeps besides the keys
 * A KeyRecord is {kid, tier, epoch, site, source, key: CryptoKey}: what IndexedDB keeps.
 * This version has one source, access codes. The license server is a second source,
 * added to `keySources` when it exists.
 */

/** The access-code source: opens a code's envelope from the site data's `codes`. */
export function accessCodeSource({ siteData }) {
  return {
    name: "code",
    accepts: (code) => code.kind === "access",
    async unlock(code) {
      const id = await codeId(code.secret);
      const entries = (siteData.codes || []).filter((entry) => entry.id === id);
      const current = entries.find((entry) => entry.key && entry.nonce && entry.kid);
      if (!current) {
        if (entries.length > 0) {
          throw new TollgateError("old_code", "a code of a past epoch", { tier: entries[0].tier, epoch: entries[0].epoch });
        }
        throw new TollgateError("unknown_code", "no code of this site has this id");
      }
      const key = await keyFromCode(code.secret, current, siteData.site);
      return [{ kid: current.kid, tier: current.tier, epoch: current.epoch, site: siteData.site, source: "code", key }];
    },
    refresh: async () => [],
    signOut: async () => {},
  };
}

/** The key sources of a site, in the order they are asked. */
export function keySources({ siteData }) {
  return [accessCodeSource({ siteData })];
}

/**
 * Unlocks with what a reader typed: reads the code, opens its envelope, stores the key
 * (in `store`, when given) and tells what it unlocked.
 * @param {string} text the code as typed
 * @param {{payload: object, siteData: object, tier?: string, store?: {put(record): Promise<void>}}} page
 *   `payload` is the page's #tollgate-sealed, `siteData` the site data (`loadSiteData`),
 *   `tier` the chapter's own tier (`readPageData`; by default the first wrap's tier).
 * @returns {Promise<{tier: string, epoch: number, kid: string, key: CryptoKey, records: object[]}>}
 * @throws {TollgateError} "invalid_format", "unknown_code", "old_code" (a code of a past
 *   epoch), "other_tier" (a valid code whose tier has no wrap on this page: its key is
 *   stored all the same, and the error carries `tier`, `needed` and `records`),
 *   "epoch_mismatch" (the code's tier has a wrap here, but of another epoch: a page of an
 *   older or newer deploy than the site data; the key is stored, reloading the page helps),
 *   "license_key_needs_server", "auth_failed".
 */
export async function unlockWithCode(text, { payload, siteData, tier = null, store = null }) {
  checkPayload(payload);
  checkSiteData(siteData);
  const code = parseCode(text);
  const source = keySources({ siteData }).find((s) => s.accepts(code));
  if (!source) {
    throw new TollgateError("license_key_needs_server", "a license key, and no source here reads license keys");
  }
  const records = await source.unlock(code);
  if (store) {
    for (const record of records) await store.put(record);
  }
  const opened = records.find((record) => payload.wraps.some((wrap) => wrap.kid === record.kid));
  if (!opened) {
    // The site data (shared, cached apart from the page) and the page can be of two deploys.
    const stale = records.find((record) => payload.wraps.some((wrap) => wrap.tier === record.tier));
    if (stale) {
      throw new TollgateError("epoch_mismatch", `the page is of epoch ${payload.epoch}, the code's key of epoch ${stale.epoch}`, {
        tier: stale.tier,
        epoch: stale.epoch,
        records,
      });
    }
    throw new TollgateError("other_tier", "the code is for a tier that cannot read this chapter", {
      tier: records[0] && records[0].tier,
      needed: tier || (payload.wraps[0] && payload.wraps[0].tier),
      records,
    });
  }
  return { tier: opened.tier, epoch: opened.epoch, kid: opened.kid, key: opened.key, records };
}

// ----------------------------------------------------------------- key store

const DB_NAME = "tollgate";
const DB_STORE = "keys";

function request(req) {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

/**
 * The keys kept in IndexedDB (database "tollgate", store "keys", keyPath "kid").
 * @returns {Promise<{all(): Promise<object[]>, put(record): Promise<void>, destroy(): Promise<void>}>}
 */
export async function openKeyStore(idb = globalThis.indexedDB) {
  if (!idb) throw new TollgateError("unsupported", "IndexedDB is not available");
  const open = idb.open(DB_NAME, 1);
  open.onupgradeneeded = () => open.result.createObjectStore(DB_STORE, { keyPath: "kid" });
  const db = await request(open);
  // Another tab signing out deletes the database: let it.
  db.onversionchange = () => db.close();
  const transaction = (mode, body) =>
    new Promise((resolve, reject) => {
      const tx = db.transaction(DB_STORE, mode);
      const req = body(tx.objectStore(DB_STORE));
      tx.oncomplete = () => resolve(req.result);
      tx.onerror = tx.onabort = () => reject(tx.error);
    });
  return {
    all: () => transaction("readonly", (store) => store.getAll()),
    put: async (record) => {
      await transaction("readwrite", (store) => store.put(record));
    },
    async destroy() {
      db.close();
      const del = idb.deleteDatabase(DB_NAME);
      await new Promise((resolve, reject) => {
        del.onsuccess = resolve;
        del.onerror = () => reject(del.error);
        setTimeout(resolve, 3000); // a tab that does not let go: reload all the same
      });
    },
  };
}

/** A key store in memory, for a browser without IndexedDB (private windows of some browsers). */
export function memoryKeyStore() {
  const records = new Map();
  return {
    all: async () => [...records.values()],
    put: async (record) => {
      records.set(record.kid, record);
    },
    destroy: async () => records.clear(),
  };
}

/** A store that failing to keep a key does not stop: the key still opens this page. */
function forgiving(store) {
  return {
    ...store,
    put: async (record) => {
      try {
        await store.put(record);
      } catch (error) {
        console.error("tollgate: could not keep the key:", error);
      }
    },
  };
}

// ------------------------------------------------------------------ the page

const DEFAULT_STRINGS = {
  unlock_label: "Have an access code? Enter it to read this chapter",
  unlock_placeholder: "CXXX-XXXX-XXXX-XXXX-XXXX-XXXX-XXXX",
  unlock_submit: "Unlock",
  unlock_working: "Unlocking…",
  unlock_invalid_format: "That is not a valid code. Check it for typos: a code starts with C and has 28 letters and digits.",
  unlock_unknown_code: "This code does not unlock anything on this site. Check that you copied all of it.",
  unlock_old_code: "This code has expired: the site uses new codes now. Use your current code.",
  unlock_other_tier: "This code unlocks {tier}, which does not include this chapter: it needs {needed}. Chapters of {tier} now open on this device.",
  unlock_license_needs_server: "This is a license key, but this site only accepts access codes (they start with C).",
  unlock_insecure: "Premium chapters can only be unlocked over a secure connection. Open this page with https:// to read it.",
  unlock_unsupported: "This browser cannot unlock premium chapters. Please use an up-to-date browser.",
  unlock_failed: "This chapter could not be opened. Reload the page and try again.",
  unlock_signed_in: "Unlocked with {tier}",
  unlock_sign_out: "Sign out",
  unlock_toc_title: "On this page",
};

const MESSAGE_OF_ERROR = {
  invalid_format: "unlock_invalid_format",
  unknown_code: "unlock_unknown_code",
  old_code: "unlock_old_code",
  other_tier: "unlock_other_tier",
  license_key_needs_server: "unlock_license_needs_server",
  unsupported: "unlock_unsupported",
};

/**
 * Reads what a sealed chapter page carries: its payload (#tollgate-sealed) and its tier
 * (`data-tier` of #tollgate-unlock, else the first wrap's tier).
 * @returns {{payload: object|null, tier: string|null}}
 */
export function readPageData(doc = document) {
  const element = doc.getElementById("tollgate-sealed");
  const payload = element ? JSON.parse(element.textContent) : null;
  const mount = doc.getElementById("tollgate-unlock");
  let tier = (mount && mount.getAttribute("data-tier")) || null;
  if (!tier && payload && Array.isArray(payload.wraps) && payload.wraps[0]) tier = payload.wraps[0].tier || null;
  return { payload, tier };
}

function makeElement(doc, tag, attributes = {}, text) {
  const element = doc.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  if (text !== undefined) element.textContent = text;
  return element;
}

/** A heading's text without its anchor link (the anchor is usually empty: "#" comes from CSS). */
function headingText(heading) {
  let text = heading.textContent;
  for (const anchor of heading.getElementsByClassName("anchor")) {
    const extra = anchor.textContent;
    if (extra) text = text.replace(extra, "");
  }
  return text.trim();
}

/** Adds the premium h2/h3 to the chapter's table of contents, making one if the page has none. */
function extendTableOfContents(doc, premium, article, tocTitle) {
  const headings = [...premium.querySelectorAll("h2[id], h3[id]")];
  if (headings.length === 0) return;
  let list = doc.querySelector("nav.toc ol");
  if (!list) {
    const heading = doc.getElementById("toc-heading");
    const nav = makeElement(doc, "nav", { class: "toc", "aria-labelledby": "toc-heading" });
    nav.append(
      makeElement(doc, "h2", { class: "toc-title", id: "toc-heading" }, heading ? heading.textContent : tocTitle),
      (list = makeElement(doc, "ol")),
    );
    const teaser = article && article.querySelector(":scope > .chapter-content");
    if (teaser) {
      teaser.before(nav);
      article.classList.add("has-toc");
    } else {
      premium.before(nav);
    }
  }
  const listed = new Set([...list.querySelectorAll("a[href^='#']")].map((a) => a.getAttribute("href")));
  const items = doc.createDocumentFragment();
  for (const heading of headings) {
    const href = `#${heading.id}`;
    if (listed.has(href)) continue;
    const item = makeElement(doc, "li", { class: `toc-level-${heading.tagName.slice(1)}` });
    item.append(makeElement(doc, "a", { href }, headingText(heading)));
    items.append(item);
  }
  list.append(items);
}

/**
 * Puts the premium HTML into the chapter page: after the teaser, which stops being a
 * teaser; removes the locked panel; adds the premium headings to the table of contents.
 * @param {string} html the opened premium HTML
 * @param {{doc?: Document, tocTitle?: string}} options
 * @returns {HTMLElement} the inserted `div#tollgate-premium`
 */
export function insertPremium(html, { doc = document, tocTitle = DEFAULT_STRINGS.unlock_toc_title } = {}) {
  const teaser = doc.querySelector(".chapter-content.is-teaser") || doc.querySelector(".chapter-content");
  const locked = doc.querySelector("section.locked");
  const premium = makeElement(doc, "div", { class: "prose chapter-content", id: "tollgate-premium", tabindex: "-1" });
  premium.innerHTML = html;
  if (teaser) {
    teaser.after(premium);
    teaser.classList.remove("is-teaser");
  } else if (locked) {
    locked.before(premium);
  } else {
    (doc.querySelector("main") || doc.body).append(premium);
  }
  const article = premium.closest("article");
  if (locked) locked.remove();
  extendTableOfContents(doc, premium, article, tocTitle);
  return premium;
}

function fill(template, values) {
  return template.replace(/\{(\w+)\}/g, (whole, name) => (name in values ? values[name] : whole));
}

/** The browser side of one sealed chapter page. */
class ChapterPage {
  constructor({ siteData, payload, tier, path, doc, win }) {
    this.siteData = siteData;
    this.payload = payload;
    this.tier = tier;
    this.path = path;
    this.doc = doc;
    this.win = win;
    this.strings = { ...DEFAULT_STRINGS, ...(siteData.strings || {}) };
    this.sources = keySources({ siteData });
    this.mount = doc.getElementById("tollgate-unlock");
    this.store = null;
    this.busy = false;
  }

  text(key, values = {}) {
    return fill(this.strings[key] || DEFAULT_STRINGS[key] || key, values);
  }

  tierName(id) {
    const tier = (this.siteData.tiers || []).find((t) => t.id === id);
    return tier ? tier.name : id;
  }

  /** A plain message in the unlock panel, with no form. */
  showNote(key) {
    if (!this.mount) return;
    this.mount.replaceChildren(makeElement(this.doc, "p", { class: "unlock-note", role: "status" }, this.text(key)));
  }

  async start() {
    const { win } = this;
    if (!win.isSecureContext || !win.crypto || !win.crypto.subtle) return this.showNote("unlock_insecure");
    if (typeof win.DecompressionStream !== "function") return this.showNote("unlock_unsupported");
    try {
      this.store = forgiving(await openKeyStore(win.indexedDB));
    } catch {
      this.store = memoryKeyStore(); // unlocks last as long as the page
    }
    let failure = null;
    try {
      const records = await this.storedRecords();
      for (const source of this.sources) {
        for (const record of await source.refresh()) {
          await this.store.put(record);
          records.push(record);
        }
      }
      if (await this.tryOpen(records, { focus: false })) return;
    } catch (error) {
      failure = error;
    }
    this.renderForm();
    if (failure) this.setStatus(this.messageFor(failure), true);
  }

  async storedRecords() {
    try {
      return (await this.store.all()).filter((r) => r && r.site === this.siteData.site && r.key);
    } catch {
      return [];
    }
  }

  /** Opens the chapter with any of `records` that has a wrap here; false when none has. */
  async tryOpen(records, { focus }) {
    const keys = new Map(records.map((r) => [r.kid, r.key]));
    if (!this.payload.wraps.some((wrap) => keys.has(wrap.kid))) return false;
    const { html, wrap } = await openSealed({ payload: this.payload, site: this.siteData.site, path: this.path, keys });
    const premium = insertPremium(html, { doc: this.doc, tocTitle: this.text("unlock_toc_title") });
    this.showUnlockedBar(premium, wrap.tier);
    this.reveal(premium, focus);
    return true;
  }

  reveal(premium, focus) {
    const { win } = this;
    let target = null;
    if (win.location.hash.length > 1) {
      let id = win.location.hash.slice(1);
      try {
        id = decodeURIComponent(id);
      } catch {
        // keep the raw fragment
      }
      const element = this.doc.getElementById(id);
      if (element && premium.contains(element)) target = element;
    }
    if (target) {
      target.scrollIntoView({ block: "start" });
      if (focus) premium.focus({ preventScroll: true });
    } else if (focus) {
      premium.focus({ preventScroll: true });
      const top = premium.getBoundingClientRect().top;
      if (top < 0 || top > win.innerHeight * 0.8) premium.scrollIntoView({ block: "start" });
    }
  }

  showUnlockedBar(premium, tier) {
    const doc = this.doc;
    const bar = makeElement(doc, "div", { class: "unlock-bar", id: "tollgate-unlocked" });
    const label = makeElement(doc, "span", { class: "unlock-bar-text" }, this.text("unlock_signed_in", { tier: this.tierName(tier) }));
    const button = makeElement(doc, "button", { type: "button", class: "unlock-sign-out" }, this.text("unlock_sign_out"));
    button.addEventListener("click", () => this.signOut(button));
    bar.append(label, makeElement(doc, "span", { class: "unlock-bar-dot", "aria-hidden": "true" }, "·"), button);
    premium.after(bar);
  }

  async signOut(button) {
    button.disabled = true;
    try {
      await Promise.all(this.sources.map((source) => source.signOut()));
      await this.store.destroy();
    } finally {
      this.win.location.reload();
    }
  }

  renderForm() {
    if (!this.mount) return;
    if ((this.siteData.codes || []).length === 0 && !this.siteData.license_server) return; // nothing to type
    const doc = this.doc;
    const form = makeElement(doc, "form", { class: "unlock-form", novalidate: "" });
    const label = makeElement(doc, "label", { class: "unlock-label", for: "tollgate-code" }, this.text("unlock_label"));
    const row = makeElement(doc, "div", { class: "unlock-row" });
    const input = makeElement(doc, "input", {
      id: "tollgate-code",
      class: "unlock-input",
      name: "code",
      type: "text",
      autocomplete: "off",
      spellcheck: "false",
      autocapitalize: "characters",
      autocorrect: "off",
      placeholder: this.text("unlock_placeholder"),
      "aria-describedby": "tollgate-status",
    });
    const submit = makeElement(doc, "button", { type: "submit", class: "button button-primary unlock-submit" }, this.text("unlock_submit"));
    const status = makeElement(doc, "p", { class: "unlock-status", id: "tollgate-status", role: "status", "aria-live": "polite" });
    row.append(input, submit);
    form.append(label, row, status);
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.submit();
    });
    input.addEventListener("input", () => {
      if (input.getAttribute("aria-invalid")) {
        input.removeAttribute("aria-invalid");
        this.setStatus("", false);
      }
    });
    this.form = { form, input, submit, status };
    this.mount.replaceChildren(form);
  }

  setStatus(message, isError) {
    if (!this.form) return;
    const { status, input } = this.form;
    status.textContent = message;
    status.classList.toggle("is-error", isError);
    if (isError) input.setAttribute("aria-invalid", "true");
    else input.removeAttribute("aria-invalid");
  }

  messageFor(error) {
    const key = (error && MESSAGE_OF_ERROR[error.code]) || "unlock_failed";
    return this.text(key, {
      tier: error && error.tier ? this.tierName(error.tier) : "",
      needed: this.tierName((error && error.needed) || this.tier),
    });
  }

  async submit() {
    if (this.busy || !this.form) return;
    const { input, submit } = this.form;
    if (input.value.trim() === "") {
      input.focus();
      return;
    }
    this.busy = true;
    submit.setAttribute("aria-disabled", "true");
    this.form.form.setAttribute("aria-busy", "true");
    this.setStatus(this.text("unlock_working"), false);
    try {
      const result = await unlockWithCode(input.value, { payload: this.payload, siteData: this.siteData, tier: this.tier, store: this.store });
      const records = await this.storedRecords();
      if (!records.some((r) => r.kid === result.kid)) records.push(...result.records);
      input.value = "";
      if (!(await this.tryOpen(records, { focus: true }))) throw new TollgateError("no_key");
    } catch (error) {
      if (!(error instanceof TollgateError)) console.error("tollgate:", error);
      this.setStatus(this.messageFor(error), true);
      input.focus();
    } finally {
      this.busy = false;
      if (this.form.form.isConnected) {
        submit.removeAttribute("aria-disabled");
        this.form.form.removeAttribute("aria-busy");
      }
    }
  }
}

/**
 * The site data for a page. A page newer than the site data the browser has cached (a
 * deploy of a new epoch, an old tollgate-site.js from the HTTP cache) asks for the new
 * one once, past the cache: its codes are the ones readers now have.
 */
async function siteDataFor(payload) {
  const siteData = await loadSiteData();
  if (!payload || !Number.isInteger(payload.epoch) || !(payload.epoch > siteData.epoch)) return siteData;
  try {
    const url = new URL(SITE_DATA_FILE, import.meta.url);
    url.searchParams.set("epoch", String(payload.epoch));
    const fresh = await loadSiteData(url);
    return fresh.epoch >= siteData.epoch ? fresh : siteData;
  } catch {
    return siteData;
  }
}

/** A message in the unlock panel instead of the form, when the page cannot start. */
function showFailure(error, strings, key) {
  console.error("tollgate:", error);
  const mount = document.getElementById("tollgate-unlock");
  if (mount) mount.replaceChildren(makeElement(document, "p", { class: "unlock-note", role: "status" }, strings[key]));
}

/** Starts the page: only in a browser, only on a sealed chapter page. */
async function boot() {
  if (typeof document === "undefined" || !document.getElementById("tollgate-sealed")) return;
  let pageData = null;
  let pageError = null;
  try {
    pageData = readPageData(document);
    checkPayload(pageData.payload);
  } catch (error) {
    pageError = error;
  }
  let siteData;
  try {
    siteData = await siteDataFor(pageError ? null : pageData.payload);
  } catch (error) {
    return showFailure(error, DEFAULT_STRINGS, "unlock_failed"); // no site data, so no strings of the site
  }
  let page;
  try {
    if (pageError) throw pageError;
    const path = chapterPath(window.location.href, new URL("../", import.meta.url));
    page = new ChapterPage({ siteData, payload: pageData.payload, tier: pageData.tier, path, doc: document, win: window });
  } catch (error) {
    const strings = { ...DEFAULT_STRINGS, ...(siteData.strings || {}) };
    return showFailure(error, strings, error && error.code === "unsupported" ? "unlock_unsupported" : "unlock_failed");
  }
  await page.start();
}

boot().catch((error) => console.error("tollgate:", error));
