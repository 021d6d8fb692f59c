/*
 * tollgate.js: opens the sealed premium part of a chapter in the reader's browser.
 *
 * The sealed format is docs/FORMAT.md (version 2). This module only *uses* keys:
 * AES-256-GCM, SHA-256, HKDF-SHA-256 (WebCrypto) and raw DEFLATE (DecompressionStream).
 * Nothing stores a code, a license key or raw key bytes: tier keys live in IndexedDB as
 * non-extractable CryptoKeys. The only requests it sends go to the site itself (its sealed
 * assets, after a chapter opened) and to the site's license server (docs/server.md), when
 * the site names one and a reader types a license key or holds a device token.
 *
 * What a chapter page carries is its own: #tollgate-sealed (body and wraps) and the
 * chapter's tier (`data-tier` of #tollgate-unlock). What every page shares, the site data
 * (site id, tiers, strings, the access codes' envelopes), is a static module next to this
 * one, assets/tollgate-site.js (`export default {…};`): the browser fetches it once and
 * caches it across pages.
 *
 * Premium images, media and downloads of an opened chapter are sealed assets
 * (assets/sealed/<id>.bin, named by `data-tollgate-asset` in the premium HTML): they open
 * with the same tier keys, chunk by chunk, into `blob:` URLs.
 *
 * The first half is pure and runs in Node 20 as well (tests and benchmarks import it);
 * the browser part at the end runs only on a page that carries #tollgate-sealed.
 */

import { addCopyButtons } from "./tollgate-code.js";

// ------------------------------------------------------------------- errors

/**
 * An error the reader can be told about. `code` is one of:
 * "invalid_format", "unknown_code", "old_code", "other_tier", "license_key_needs_server",
 * "epoch_mismatch", "no_key", "auth_failed", "corrupt", "unsupported", "not_in_site";
 * from the license server: "malformed_license_key", "unknown_license", "unknown_device",
 * "revoked", "expired", "device_limit", "rate_limited", "server_unreachable", "server_error".
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

const FORMAT_VERSION = 2;
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
 * @throws {TollgateError} code "invalid_format" for anything that is not a well-formed code;
 *   its `kind` tells what the first letter announced ("access", "license" or undefined).
 */
export function parseCode(text) {
  let kind;
  const invalid = (why) => new TollgateError("invalid_format", `not a code: ${why}`, { kind });
  if (typeof text !== "string") throw invalid("not text");
  const chars = text
    .toUpperCase()
    .replace(/[\s\-\u2010-\u2015\u2212]/g, "")
    .replace(/O/g, "0")
    .replace(/[IL]/g, "1");
  kind = KIND_OF_PREFIX[chars[0]];
  if (chars.length !== CODE_LENGTH) throw invalid(`${chars.length} characters instead of ${CODE_LENGTH}`);
  const values = [];
  for (const ch of chars) {
    const v = ALPHABET.indexOf(ch);
    if (v < 0) throw invalid("a character outside the alphabet");
    values.push(v);
  }
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
  return utf8(`tollgate/2\ncode\n${site}\n${tier}\n${epoch}\n${kid}`);
}

function aadWrap(site, path, epoch, kid) {
  return utf8(`tollgate/2\nwrap\n${site}\n${path}\n${epoch}\n${kid}`);
}

function aadBody(site, path, epoch) {
  return utf8(`tollgate/2\nbody\n${site}\n${path}\n${epoch}`);
}

/**
 * Opens a code's envelope: the tier key, as a non-extractable AES-GCM key that can only
 * unwrap data keys. The raw tier key never exists in JavaScript on this path. The
 * key-encryption key and the envelope are bound to the site id (format version 2).
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
    { name: "HKDF", hash: "SHA-256", salt: utf8("tollgate/2"), info: utf8(`tollgate/2 code-kek\n${site}`) },
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
 * Unwraps a data key with the first wrap whose key we hold and that opens (a chapter's or an
 * asset's wraps, with that object's associated data for each wrap).
 * @returns {Promise<{dataKey: CryptoKey, wrap: object}>}
 */
async function unwrapDataKey(wraps, keys, aadFor, messages) {
  const candidates = wraps.filter((wrap) => wrap && keys.has(wrap.kid));
  if (candidates.length === 0) throw new TollgateError("no_key", messages.none);
  for (const wrap of candidates) {
    try {
      const dataKey = await subtle().unwrapKey(
        "raw",
        fromBase64(wrap.key, 48, "a wrapped data key"),
        keys.get(wrap.kid),
        { name: "AES-GCM", iv: fromBase64(wrap.nonce, 12, "a wrap nonce"), additionalData: aadFor(wrap) },
        "AES-GCM",
        false,
        ["decrypt"],
      );
      return { dataKey, wrap };
    } catch {
      // Try the next key we hold; none opening is reported below.
    }
  }
  throw new TollgateError("auth_failed", messages.failed);
}

/**
 * Opens a sealed chapter and tells which wrap opened it.
 * @returns {Promise<{html: string, wrap: object}>}
 */
async function openSealed({ payload, site, path, keys }) {
  checkPayload(payload);
  const s = subtle();
  const epoch = String(payload.epoch);
  const { dataKey, wrap: opened } = await unwrapDataKey(payload.wraps, keys, (wrap) => aadWrap(site, path, epoch, wrap.kid), {
    none: "no key for this chapter",
    failed: "the data key does not open for this page",
  });
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

// -------------------------------------------------------------------- assets

/*
 * A sealed asset (FORMAT.md, "Sealed assets") is `"TGSA" ‖ u32be(len) ‖ header JSON ‖
 * chunks`; each chunk is AES-GCM under the asset's data key, with a nonce and associated
 * data that carry its index and whether it is the last one. It opens chunk by chunk from a
 * stream, so a large download never needs the whole sealed file in memory.
 */

const ASSET_MAGIC = "TGSA";
const ASSET_HEADER_MAX = 64 * 1024;
const ASSET_CHUNK_MAX = 16 << 20;
const ASSET_SIZE_MAX = 2 ** 40;
const TAG_BYTES = 16;
const ASSET_PART_BYTES = 4 << 20; // decrypted bytes gathered before they become one Blob part

/**
 * The id of a sealed asset from its address: the name of `…/assets/sealed/<id>.bin`.
 * @param {string|URL} url
 * @returns {string} 32 hex digits
 * @throws {TollgateError} "corrupt" when the address is not of a sealed asset.
 */
export function assetId(url) {
  const name = new URL(url, "http://x/").pathname.split("/").pop();
  const match = /^([0-9a-f]{32})\.bin$/.exec(name);
  if (!match) throw new TollgateError("corrupt", `${url} is not the address of a sealed asset`);
  return match[1];
}

function aadAssetWrap(site, id, epoch, kid) {
  return utf8(`tollgate/2\nasset-wrap\n${site}\n${id}\n${epoch}\n${kid}`);
}

function aadChunk(site, id, header, index, final) {
  return utf8(`tollgate/2\nchunk\n${site}\n${id}\n${header.size}\n${header.chunk}\n${index}\n${final ? 1 : 0}`);
}

/** `0⁷ ‖ u32be(index) ‖ final`. */
function chunkNonce(index, final) {
  const nonce = new Uint8Array(12);
  new DataView(nonce.buffer).setUint32(7, index);
  nonce[11] = final ? 1 : 0;
  return nonce;
}

function checkAssetHeader(header) {
  if (!header || typeof header !== "object") throw new TollgateError("corrupt", "the asset header is not an object");
  if (header.v !== FORMAT_VERSION) {
    throw new TollgateError("unsupported", `sealed asset version ${header.v} (this reader knows ${FORMAT_VERSION})`);
  }
  const { epoch, size, chunk, wraps } = header;
  if (!Number.isSafeInteger(epoch) || epoch < 0 || !Number.isSafeInteger(size) || size < 0 || size > ASSET_SIZE_MAX || !Number.isInteger(chunk) || chunk < 1 || chunk > ASSET_CHUNK_MAX || !Array.isArray(wraps)) {
    throw new TollgateError("corrupt", "the asset header is incomplete");
  }
  return Math.max(1, Math.ceil(size / chunk));
}

/** Reads exact byte counts from a ReadableStream of Uint8Arrays. */
class ByteReader {
  constructor(stream) {
    this.reader = stream.getReader();
    this.parts = [];
    this.length = 0;
    this.done = false;
  }

  /** The next `n` bytes; "auth_failed" when the stream ends first (a cut file). */
  async take(n) {
    while (this.length < n && !this.done) {
      const { done, value } = await this.reader.read();
      if (done) this.done = true;
      else if (value.length > 0) {
        this.parts.push(value instanceof Uint8Array ? value : new Uint8Array(value));
        this.length += value.length;
      }
    }
    if (this.length < n) throw new TollgateError("auth_failed", "the sealed asset is cut short");
    const out = new Uint8Array(n);
    let at = 0;
    while (at < n) {
      const part = this.parts[0];
      const used = Math.min(part.length, n - at);
      out.set(part.subarray(0, used), at);
      at += used;
      if (used === part.length) this.parts.shift();
      else this.parts[0] = part.subarray(used);
    }
    this.length -= n;
    return out;
  }

  /** True when nothing follows. */
  async atEnd() {
    while (this.length === 0 && !this.done) {
      const { done, value } = await this.reader.read();
      if (done) this.done = true;
      else this.length += value.length;
    }
    return this.length === 0;
  }

  cancel() {
    this.reader.cancel().catch(() => {});
  }
}

/**
 * Opens a sealed asset from a stream, chunk by chunk: `onChunk` gets each decrypted chunk
 * in order, only after it authenticated. A cut, extended, reordered or spliced file fails
 * with "auth_failed"; the caller must then drop what it was given (it is never the whole
 * file, and no chunk is given twice).
 * @param {ReadableStream<Uint8Array>} stream the bytes of `assets/sealed/<id>.bin`
 * @param {{site: string, id: string, keys: Map<string, CryptoKey>, onChunk: (chunk: Uint8Array) => void}} args
 *   `id` from the address fetched (`assetId`), `keys` tier keys by key id (as for chapters).
 * @returns {Promise<{size: number}>}
 * @throws {TollgateError} "no_key", "auth_failed", "corrupt", "unsupported".
 */
export async function openAssetStream(stream, { site, id, keys, onChunk }) {
  const input = new ByteReader(stream);
  try {
    const preamble = await input.take(8);
    if (new TextDecoder().decode(preamble.subarray(0, 4)) !== ASSET_MAGIC) throw new TollgateError("corrupt", "not a sealed asset");
    const headerLength = new DataView(preamble.buffer).getUint32(4);
    if (headerLength > ASSET_HEADER_MAX) throw new TollgateError("corrupt", "the sealed asset's header is too large");
    let header;
    try {
      header = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(await input.take(headerLength)));
    } catch (error) {
      if (error instanceof TollgateError) throw error;
      throw new TollgateError("corrupt", "the sealed asset's header is not JSON", { cause: error });
    }
    const count = checkAssetHeader(header);
    const s = subtle();
    const epoch = String(header.epoch);
    const { dataKey } = await unwrapDataKey(header.wraps, keys, (wrap) => aadAssetWrap(site, id, epoch, wrap.kid), {
      none: "no key for this asset",
      failed: "the asset's data key does not open for this address",
    });
    for (let index = 0; index < count; index++) {
      const final = index === count - 1;
      const plain = final ? header.size - header.chunk * (count - 1) : header.chunk;
      const sealed = await input.take(plain + TAG_BYTES);
      let chunk;
      try {
        chunk = await s.decrypt({ name: "AES-GCM", iv: chunkNonce(index, final), additionalData: aadChunk(site, id, header, index, final) }, dataKey, sealed);
      } catch (error) {
        throw new TollgateError("auth_failed", `chunk ${index} of the asset does not open`, { cause: error });
      }
      onChunk(new Uint8Array(chunk));
    }
    if (!(await input.atEnd())) throw new TollgateError("auth_failed", "the sealed asset goes on after its last chunk");
    return { size: header.size };
  } catch (error) {
    input.cancel();
    throw error;
  }
}

/**
 * Opens a whole sealed asset held in memory (small files, tests).
 * @param {Uint8Array} bytes
 * @param {{site: string, id: string, keys: Map<string, CryptoKey>}} args
 * @returns {Promise<Uint8Array>} the asset's bytes
 */
export async function openAsset(bytes, { site, id, keys }) {
  const stream = new ReadableStream({
    start(controller) {
      controller.enqueue(bytes);
      controller.close();
    },
  });
  const chunks = [];
  await openAssetStream(stream, { site, id, keys, onChunk: (chunk) => chunks.push(chunk) });
  return concat(...chunks);
}

/**
 * Fetches and opens a sealed asset into a Blob of `type`. Decrypted chunks become Blob
 * parts of a few MiB as they come, so the file is in memory once at most, never twice.
 * @param {string} url the `data-tollgate-asset` address
 * @param {{site: string, keys: Map<string, CryptoKey>, type?: string, fetch?: Function}} args
 * @returns {Promise<Blob>}
 * @throws {TollgateError} "server_unreachable" when the file cannot be fetched, and the
 *   errors of `openAssetStream`.
 */
export async function fetchAsset(url, { site, keys, type = "application/octet-stream", fetch = defaultFetch }) {
  const id = assetId(url);
  let response;
  try {
    response = await fetch(url, { credentials: "same-origin" });
  } catch (error) {
    throw new TollgateError("server_unreachable", `could not fetch ${url}`, { cause: error });
  }
  if (!response.ok || !response.body) throw new TollgateError("corrupt", `${url} answered ${response.status}`);
  const blobs = [];
  let pending = [];
  let pendingBytes = 0;
  await openAssetStream(response.body, {
    site,
    id,
    keys,
    onChunk(chunk) {
      pending.push(chunk);
      pendingBytes += chunk.length;
      if (pendingBytes >= ASSET_PART_BYTES) {
        blobs.push(new Blob(pending));
        pending = [];
        pendingBytes = 0;
      }
    },
  });
  if (pending.length > 0) blobs.push(new Blob(pending));
  return new Blob(blobs, { type });
}

/**
 * Opens the sealed assets of an opened chapter (the markup contract of FORMAT.md,
 * "Sealed assets in pages"): `src`/`poster` get a `blob:` URL of the asset's type; a
 * download link decrypts and saves under its `download` name when clicked. A failure
 * calls `onError(element, error)` and leaves the element without content.
 * @param {Element} root the inserted premium part
 * @param {{site: string, keys: Map<string, CryptoKey>, doc?: Document, win?: Window, fetch?: Function, onError?: Function}} args
 * @returns {Promise<void>} settles when every image, video and audio source is set
 */
export async function openAssets(root, { site, keys, doc = document, win = globalThis, fetch = defaultFetch, onError = () => {} }) {
  const pending = [];
  for (const element of root.querySelectorAll("[data-tollgate-asset]")) {
    const url = element.getAttribute("data-tollgate-asset");
    const attr = element.getAttribute("data-tollgate-attr");
    const type = element.getAttribute("data-tollgate-type") || "application/octet-stream";
    if (attr === "src" || attr === "poster") {
      pending.push(
        fetchAsset(url, { site, keys, type, fetch })
          .then((blob) => {
            element.setAttribute(attr, win.URL.createObjectURL(blob));
            const media = element.tagName === "SOURCE" ? element.parentElement : null;
            if (media && typeof media.load === "function") media.load();
          })
          .catch((error) => onError(element, error)),
      );
    } else if (attr === "download") {
      let busy = false;
      element.addEventListener("click", async (event) => {
        event.preventDefault();
        if (busy) return;
        busy = true;
        element.setAttribute("aria-busy", "true");
        try {
          const blob = await fetchAsset(url, { site, keys, type, fetch });
          const href = win.URL.createObjectURL(blob);
          const link = makeElement(doc, "a", { href, download: element.getAttribute("download") || `${assetId(url)}.bin`, hidden: "" });
          doc.body.append(link);
          link.click();
          link.remove();
          win.setTimeout(() => win.URL.revokeObjectURL(href), 60000);
        } catch (error) {
          onError(element, error);
        } finally {
          busy = false;
          element.removeAttribute("aria-busy");
        }
      });
    }
  }
  await Promise.all(pending);
}

// --------------------------------------------------------------- key sources

/*
 * A key source turns what a reader typed into tier keys. Its shape:
 *   name                  the records' `source` ("code", "license")
 *   accepts(code)         whether it reads this parsed code (`parseCode`'s result)
 *   unlock(code)          → Promise<KeyRecord[]>, or throws a TollgateError
 *   refresh(payload)      → Promise<KeyRecord[]>: keys it can get again without asking, for
 *                           a page (#tollgate-sealed) that no kept key opens
 *   signOut()             → Promise<void>: forget whatever it keeps (its keys included)
 * A KeyRecord is {kid, tier, epoch, site, source, key: CryptoKey}: what IndexedDB keeps.
 * The caller stores the records a source returns; a source only reads and removes.
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
      return [{ kid: current.kid, tier: current.tier, epoch: current.epoch, site: siteData.site, source: "code", label: id.slice(-4), key }];
    },
    refresh: async () => [],
    signOut: async () => {},
  };
}

const SERVER_TIMEOUT_MS = 15000;
const SERVER_ERRORS = new Set(["malformed_license_key", "unknown_license", "unknown_device", "revoked", "expired", "device_limit", "rate_limited"]);
/** Refresh errors after which the device token is worth nothing: forget it and its keys. */
const SESSION_ENDING_ERRORS = new Set(["unknown_device", "revoked", "expired"]);
const DEVICE_STATE = "device";

const defaultFetch = (...args) => globalThis.fetch(...args);

/** 16 random bytes, base64url without padding: 22 characters of `A–Z a–z 0–9 _ -`. */
function randomDeviceId() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** Seconds to wait from a 429: the Retry-After header (delay-seconds), else the body's `retry_after`. */
function retryAfterSeconds(header, fromBody) {
  let seconds = null;
  if (typeof header === "string" && /^\s*\d+\s*$/.test(header)) seconds = Number(header);
  else if (typeof fromBody === "number" && Number.isFinite(fromBody) && fromBody >= 0) seconds = fromBody;
  return seconds === null ? null : Math.max(1, Math.ceil(seconds));
}

/** The TollgateError of a non-2xx answer `{"error": {"code", …}}` (docs/server.md). */
function serverError(response, answer) {
  const error = answer && answer.error && typeof answer.error === "object" ? answer.error : {};
  let code = SERVER_ERRORS.has(error.code) ? error.code : "server_error";
  if (code === "server_error" && response.status === 429) code = "rate_limited";
  return new TollgateError(code, `the license server answered ${response.status} ${String(error.code || "")}`.trim(), {
    status: response.status,
    reason: error.reason,
    expiresAt: error.expires_at,
    renewURL: error.renew_url,
    inUse: error.devices_in_use,
    limit: error.device_limit,
    retryAfter: retryAfterSeconds(response.headers.get("Retry-After"), error.retry_after),
  });
}

/**
 * POSTs `body` as JSON and resolves to the JSON answer of a 2xx response.
 * @throws {TollgateError} "server_unreachable" (no answer within `timeoutMs`, a network or
 *   CORS failure), or the server's error (`serverError`).
 */
async function postJSON(fetch, url, body, timeoutMs) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  let response;
  let answer;
  try {
    response = await fetch(url, {
      method: "POST",
      mode: "cors",
      credentials: "omit",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
      signal: controller.signal,
    });
    answer = await response.json().catch(() => null);
  } catch (error) {
    throw new TollgateError("server_unreachable", `no answer from ${url}`, { cause: error });
  } finally {
    clearTimeout(timer);
  }
  if (!response.ok) throw serverError(response, answer);
  return answer;
}

/** The key records of an unlock result (`{keys: [{tier, epoch, kid, key}], device_token, …}`). */
async function recordsOfUnlockResult(answer, site) {
  const malformed = (cause) => new TollgateError("server_error", "the license server's answer is malformed", { cause });
  if (!answer || !Array.isArray(answer.keys) || typeof answer.device_token !== "string" || answer.device_token === "") {
    throw malformed();
  }
  return Promise.all(
    answer.keys.map(async (entry) => {
      if (!entry || typeof entry.tier !== "string" || !Number.isInteger(entry.epoch) || !/^[0-9a-f]{16}$/.test(entry.kid)) {
        throw malformed();
      }
      let key;
      try {
        const bytes = fromBase64(entry.key, 32, "a tier key from the license server");
        key = await importTierKey(bytes);
        bytes.fill(0);
      } catch (error) {
        throw malformed(error);
      }
      return { kid: entry.kid, tier: entry.tier, epoch: entry.epoch, site, source: "license", key };
    }),
  );
}

/**
 * The license-server source (docs/server.md): exchanges a license key for the tier keys of
 * its license, and keeps the device token (never the license key) to get them again after
 * a rotation without asking. The device id, made once per browser, and the token are kept
 * in `store`'s state records: `{name: "device", id}` and
 * `{name: "session <server>", server, token, tiers}`.
 * @param {{siteData: object, store: object, fetch?: Function, timeoutMs?: number}} options
 *   `siteData.license_server` is the server's base URL; `store` a key store
 *   (`openKeyStore`, `memoryKeyStore`); `fetch` the WebIDL fetch (a test double in Node).
 * @returns {{name: "license", accepts, unlock, refresh, signOut}} a key source
 */
export function licenseServerSource({ siteData, store, fetch = defaultFetch, timeoutMs = SERVER_TIMEOUT_MS }) {
  const server = String(siteData.license_server).replace(/\/+$/, "");
  const sessionName = `session ${server}`;
  const post = (path, body) => postJSON(fetch, `${server}${path}`, body, timeoutMs);
  const licenseKids = async () =>
    (await store.all()).filter((r) => r && r.source === "license" && r.site === siteData.site).map((r) => r.kid);

  /** Keeps the token of an unlock result and drops the license keys it no longer lists. */
  async function keep(answer) {
    const records = await recordsOfUnlockResult(answer, siteData.site);
    const fresh = new Set(records.map((r) => r.kid));
    await store.remove((await licenseKids()).filter((kid) => !fresh.has(kid)));
    await store.putState({ name: sessionName, server, token: answer.device_token, tiers: [...new Set(records.map((r) => r.tier))] });
    return records;
  }

  async function forget() {
    await store.remove(await licenseKids());
    await store.removeState(sessionName);
  }

  const signOutToken = (token) => post("/v1/signout", { device_token: token }).catch(() => {});

  return {
    name: "license",
    accepts: (code) => code.kind === "license",
    async unlock(code) {
      const device = await store.keepState({ name: DEVICE_STATE, id: randomDeviceId() });
      const previous = await store.getState(sessionName);
      const answer = await post("/v1/unlock", { license_key: code.text, device_id: device.id });
      const records = await keep(answer);
      // Another license was signed in here: free its device slot (best effort).
      if (previous && previous.token !== answer.device_token) signOutToken(previous.token);
      return records;
    },
    async refresh(payload) {
      const session = await store.getState(sessionName);
      if (!session || !payload.wraps.some((wrap) => (session.tiers || []).includes(wrap.tier))) return [];
      try {
        return await keep(await post("/v1/refresh", { device_token: session.token }));
      } catch (error) {
        if (SESSION_ENDING_ERRORS.has(error.code)) await forget();
        throw error;
      }
    },
    async signOut() {
      const session = await store.getState(sessionName);
      if (session) await signOutToken(session.token);
      await forget();
    },
  };
}

/**
 * The key sources of a site, in the order they are asked: access codes, then the license
 * server when the site data names one.
 * @param {{siteData: object, store?: object, fetch?: Function}} options
 */
export function keySources({ siteData, store = memoryKeyStore(), fetch = defaultFetch }) {
  const sources = [accessCodeSource({ siteData })];
  if (siteData.license_server) sources.push(licenseServerSource({ siteData, store, fetch }));
  return sources;
}

/**
 * Unlocks with what a reader typed: reads the code or license key, gets its keys from
 * the source that reads it, stores them in `store` and tells what it unlocked.
 * @param {string} text the code or license key as typed
 * @param {{payload: object, siteData: object, tier?: string, store?: object, fetch?: Function}} page
 *   `payload` is the page's #tollgate-sealed, `siteData` the site data (`loadSiteData`),
 *   `tier` the chapter's own tier (`readPageData`; by default the first wrap's tier),
 *   `store` a key store (by default one in memory), `fetch` for the license server.
 * @returns {Promise<{tier: string, epoch: number, kid: string, key: CryptoKey, records: object[]}>}
 * @throws {TollgateError} "invalid_format", "unknown_code", "old_code" (a code of a past
 *   epoch), "other_tier" (a valid code or license whose tiers have no wrap on this page:
 *   its keys are stored all the same, and the error carries `tier`, `needed`, `source` and
 *   `records`), "epoch_mismatch" (the code's tier has a wrap here, but of another epoch: a
 *   page of an older or newer deploy than the site data; the key is stored, reloading the
 *   page helps), "license_key_needs_server", "auth_failed", and the license server's errors.
 */
export async function unlockWithCode(text, { payload, siteData, tier = null, store = memoryKeyStore(), fetch = defaultFetch }) {
  checkPayload(payload);
  checkSiteData(siteData);
  const code = parseCode(text);
  const source = keySources({ siteData, store, fetch }).find((s) => s.accepts(code));
  if (!source) {
    throw new TollgateError("license_key_needs_server", "a license key, and no source here reads license keys");
  }
  const records = await source.unlock(code);
  for (const record of records) await store.put(record);
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
      source: source.name,
      records,
    });
  }
  return { tier: opened.tier, epoch: opened.epoch, kid: opened.kid, key: opened.key, records };
}

/** Records by kid, later ones winning. */
function mergeRecords(...lists) {
  return [...new Map(lists.flat().map((r) => [r.kid, r])).values()];
}

/** Opens the chapter with any of `records` that has a wrap here; null when none has. */
async function openWithRecords(records, { payload, site, path }) {
  const keys = new Map(records.map((r) => [r.kid, r.key]));
  if (!payload.wraps.some((wrap) => keys.has(wrap.kid))) return null;
  const { html, wrap } = await openSealed({ payload, site, path, keys });
  return { html, record: records.find((r) => r.kid === wrap.kid), records };
}

/** The kept key records of a site. */
async function keptRecords(store, site) {
  return (await store.all()).filter((r) => r && r.site === site && r.key);
}

/**
 * Opens a chapter without asking the reader: with the keys kept in `store`, else with the
 * keys the sources get again silently (a license's device token after a rotation), which
 * it stores.
 * @param {{payload: object, siteData: object, path: string, store: object, sources: object[]}} page
 *   `sources` as `keySources` makes them, with the same `store`.
 * @returns {Promise<{html: string, record: object, records: object[]}|null>} the premium HTML,
 *   the record that opened it and the records it had; null when the reader has to be asked.
 * @throws {TollgateError} a source's refresh error (the license server's), or the errors of
 *   `openChapter`.
 */
export async function openWithKeptKeys({ payload, siteData, path, store, sources }) {
  checkPayload(payload);
  const page = { payload, site: siteData.site, path };
  const kept = await keptRecords(store, siteData.site);
  const opened = await openWithRecords(kept, page);
  if (opened) return opened;
  const fresh = [];
  for (const source of sources) {
    for (const record of await source.refresh(payload)) {
      await store.put(record);
      fresh.push(record);
    }
  }
  return fresh.length === 0 ? null : openWithRecords(mergeRecords(kept, fresh), page);
}

// ----------------------------------------------------------------- key store

/*
 * A key store keeps key records (by kid) and a few state records (by name: the device id
 * and the license server's device token). Both `openKeyStore` and `memoryKeyStore` have:
 *   all()               → the key records
 *   put(record)         keeps a key record
 *   remove(kids)        forgets the key records of these kids
 *   clear()             forgets every key record (signing out)
 *   getState(name)      → the state record of this name, or undefined
 *   putState(record)    keeps a state record ({name, …})
 *   keepState(record)   keeps `record` unless a state record of its name exists;
 *                       → the one kept (atomic: two tabs get the same one)
 *   removeState(name)   forgets a state record
 */

const DB_NAME = "tollgate";
const DB_VERSION = 2; // 1: "keys"; 2: adds "state"
const KEYS_STORE = "keys";
const STATE_STORE = "state";

function request(req) {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

/**
 * The key store in IndexedDB: database "tollgate" (version 2), object stores "keys"
 * (keyPath "kid") and "state" (keyPath "name"). Opening it upgrades an older database
 * by creating the stores it lacks; key records are kept as they are.
 * @returns {Promise<object>} a key store (see above)
 */
export async function openKeyStore(idb = globalThis.indexedDB) {
  if (!idb) throw new TollgateError("unsupported", "IndexedDB is not available");
  const open = idb.open(DB_NAME, DB_VERSION);
  open.onupgradeneeded = () => {
    const db = open.result;
    if (!db.objectStoreNames.contains(KEYS_STORE)) db.createObjectStore(KEYS_STORE, { keyPath: "kid" });
    if (!db.objectStoreNames.contains(STATE_STORE)) db.createObjectStore(STATE_STORE, { keyPath: "name" });
  };
  const db = await request(open);
  // Another tab upgrading or deleting the database: let it.
  db.onversionchange = () => db.close();
  /** Runs `body(objectStore)` in one transaction; resolves to what its returned function reads at the end. */
  const transaction = (name, mode, body) =>
    new Promise((resolve, reject) => {
      const tx = db.transaction(name, mode);
      const finish = body(tx.objectStore(name));
      tx.oncomplete = () => resolve(finish());
      tx.onerror = tx.onabort = () => reject(tx.error);
    });
  const read = (name, body) => transaction(name, "readonly", (store) => {
    const req = body(store);
    return () => req.result;
  });
  const write = (name, body) => transaction(name, "readwrite", (store) => {
    body(store);
    return () => undefined;
  });
  return {
    all: () => read(KEYS_STORE, (store) => store.getAll()),
    put: (record) => write(KEYS_STORE, (store) => store.put(record)),
    remove: (kids) => write(KEYS_STORE, (store) => kids.forEach((kid) => store.delete(kid))),
    clear: () => write(KEYS_STORE, (store) => store.clear()),
    getState: (name) => read(STATE_STORE, (store) => store.get(name)),
    putState: (record) => write(STATE_STORE, (store) => store.put(record)),
    removeState: (name) => write(STATE_STORE, (store) => store.delete(name)),
    keepState: (record) =>
      transaction(STATE_STORE, "readwrite", (store) => {
        let kept = record;
        const get = store.get(record.name);
        get.onsuccess = () => {
          if (get.result) kept = get.result;
          else store.add(record);
        };
        return () => kept;
      }),
  };
}

/** A key store in memory, for a browser without IndexedDB (and for tests). */
export function memoryKeyStore() {
  const records = new Map();
  const states = new Map();
  return {
    all: async () => [...records.values()],
    put: async (record) => {
      records.set(record.kid, record);
    },
    remove: async (kids) => kids.forEach((kid) => records.delete(kid)),
    clear: async () => records.clear(),
    getState: async (name) => states.get(name),
    putState: async (record) => {
      states.set(record.name, record);
    },
    keepState: async (record) => {
      if (!states.has(record.name)) states.set(record.name, record);
      return states.get(record.name);
    },
    removeState: async (name) => {
      states.delete(name);
    },
  };
}

/**
 * A store whose failures do not stop the page: a key that cannot be kept still opens this
 * page, a device id that cannot be kept still unlocks.
 */
function forgiving(store) {
  const fallbacks = { all: () => [], keepState: (record) => record };
  const safe = {};
  for (const [name, method] of Object.entries(store)) {
    safe[name] = async (...args) => {
      try {
        return await method(...args);
      } catch (error) {
        console.error(`tollgate: the key store failed (${name}):`, error);
        return fallbacks[name] ? fallbacks[name](...args) : undefined;
      }
    };
  }
  return safe;
}

// ------------------------------------------------------------- offline copies

/**
 * Forgets every course kept for offline reading (sw.js, tollgate-member.js): its caches and
 * the service worker. Signing out calls it, so no locked content stays behind.
 * @param {Window} win
 */
export async function forgetOfflineCopies(win = globalThis) {
  try {
    if (win.caches) {
      for (const name of await win.caches.keys()) {
        if (name.startsWith("tollgate-offline-")) await win.caches.delete(name);
      }
    }
    if (win.navigator && win.navigator.serviceWorker) {
      for (const registration of await win.navigator.serviceWorker.getRegistrations()) await registration.unregister();
    }
  } catch (error) {
    console.error("tollgate: could not remove the offline copies:", error);
  }
}

// ------------------------------------------------------------------ the page

const DEFAULT_STRINGS = {
  unlock_label: "Have an access code? Enter it to read this chapter",
  unlock_label_license: "Have a license key? Enter it to read this chapter",
  unlock_label_license_or_code: "Have a license key or an access code? Enter it to read this chapter",
  unlock_placeholder: "CXXX-XXXX-XXXX-XXXX-XXXX-XXXX-XXXX",
  unlock_submit: "Unlock",
  unlock_working: "Unlocking…",
  unlock_invalid_format: "That is not a valid code. Check it for typos: a code starts with C and has 28 letters and digits.",
  unlock_unknown_code: "This code does not unlock anything on this site. Check that you copied all of it.",
  unlock_old_code: "This code has expired: the site uses new codes now. Use your current code.",
  unlock_other_tier: "This code unlocks {tier}, which does not include this chapter: it needs {needed}. Chapters of {tier} now open on this device.",
  unlock_license_needs_server: "This is a license key, but this site only accepts access codes (they start with C).",
  unlock_invalid_format_license: "That is not a valid license key. Check it for typos: a license key starts with K and has 28 letters and digits.",
  unlock_unknown_license: "This license key is not known. Check that you copied all of it.",
  unlock_unknown_device: "This device is no longer signed in to your license. Enter your license key to keep reading.",
  unlock_revoked: "This license key was revoked, so it no longer unlocks chapters.",
  unlock_revoked_refunded: "This license key was refunded, so it no longer unlocks chapters.",
  unlock_revoked_canceled: "The subscription of this license key was canceled, so it no longer unlocks chapters.",
  unlock_expired: "Your license expired on {date}.",
  unlock_expired_undated: "Your license has expired.",
  unlock_renew: "Renew",
  unlock_device_limit: "{in_use} of {limit} devices are already in use. Sign out on a device you no longer use, or ask us to free one.",
  unlock_rate_limited: "Too many attempts. Try again in {seconds} seconds.",
  unlock_rate_limited_later: "Too many attempts. Try again in a few minutes.",
  unlock_server_unreachable: "Could not reach the license server. Check your connection and try again.",
  unlock_server_error: "The license server could not unlock this chapter. Try again later.",
  unlock_license_other_tier: "Your license unlocks {tier}, which does not include this chapter: it needs {needed}.",
  unlock_insecure: "Premium chapters can only be unlocked over a secure connection. Open this page with https:// to read it.",
  unlock_unsupported: "This browser cannot unlock premium chapters. Please use an up-to-date browser.",
  unlock_failed: "This chapter could not be opened. Reload the page and try again.",
  unlock_signed_in: "Unlocked with {tier}",
  unlock_signed_in_license: "Signed in with a license for {tiers}",
  unlock_sign_out: "Sign out",
  unlock_toc_title: "On this page",
};

/** The shape of a license key in the field, the same in every language. */
const LICENSE_PLACEHOLDER = "KXXX-XXXX-XXXX-XXXX-XXXX-XXXX-XXXX";

const MESSAGE_OF_ERROR = {
  unknown_code: "unlock_unknown_code",
  old_code: "unlock_old_code",
  license_key_needs_server: "unlock_license_needs_server",
  unsupported: "unlock_unsupported",
  malformed_license_key: "unlock_invalid_format_license",
  unknown_license: "unlock_unknown_license",
  unknown_device: "unlock_unknown_device",
  device_limit: "unlock_device_limit",
  server_unreachable: "unlock_server_unreachable",
  server_error: "unlock_server_error",
};

/** Revocation reasons (docs/server.md) with a message of their own. */
const MESSAGE_OF_REVOCATION = {
  refunded: "unlock_revoked_refunded",
  subscription_canceled: "unlock_revoked_canceled",
};

/** `table[key]` when it is the table's own entry: keys that come from a server stay data. */
function entry(table, key) {
  return typeof key === "string" && Object.hasOwn(table, key) ? table[key] : undefined;
}

function fill(template, values) {
  return template.replace(/\{(\w+)\}/g, (whole, name) => (Object.hasOwn(values, name) ? values[name] : whole));
}

/** The unlock strings of a site: its `strings` over the English defaults. */
function stringsOf(siteData) {
  return { ...DEFAULT_STRINGS, ...((siteData && siteData.strings) || {}) };
}

/** The display name of a tier id. */
function tierNameIn(siteData, id) {
  const tier = ((siteData && siteData.tiers) || []).find((t) => t.id === id);
  return tier ? tier.name : id;
}

/** Tier names as a list in the site's language: "Member and Pro". */
function tierList(siteData, ids) {
  const names = [...new Set(ids)].map((id) => tierNameIn(siteData, id));
  try {
    return new Intl.ListFormat(siteData.lang || undefined, { type: "conjunction" }).format(names);
  } catch {
    return names.join(", ");
  }
}

/** An RFC 3339 time as a long date in the site's language; null when it is not a time. */
function formatDate(text, lang, timeZone) {
  const date = typeof text === "string" ? new Date(text) : null;
  if (!date || Number.isNaN(date.getTime())) return null;
  try {
    return new Intl.DateTimeFormat(lang || undefined, { dateStyle: "long", timeZone }).format(date);
  } catch {
    return date.toISOString().slice(0, 10);
  }
}

/** `text` when it is an absolute http(s) URL; null otherwise. */
function webURL(text) {
  if (typeof text !== "string") return null;
  try {
    const url = new URL(text);
    return url.protocol === "https:" || url.protocol === "http:" ? url.href : null;
  } catch {
    return null;
  }
}

/** The strings key of the message for `error`. */
function messageKey(error, siteData, date) {
  switch (error.code) {
    case "invalid_format":
      return error.kind === "license" || (!error.kind && siteData.license_server) ? "unlock_invalid_format_license" : "unlock_invalid_format";
    case "other_tier":
      return error.source === "license" ? "unlock_license_other_tier" : "unlock_other_tier";
    case "revoked":
      return entry(MESSAGE_OF_REVOCATION, error.reason) || "unlock_revoked";
    case "expired":
      return date ? "unlock_expired" : "unlock_expired_undated";
    case "rate_limited":
      return Number.isInteger(error.retryAfter) ? "unlock_rate_limited" : "unlock_rate_limited_later";
    default:
      return entry(MESSAGE_OF_ERROR, error.code) || "unlock_failed";
  }
}

/**
 * What to tell a reader about an error of unlocking, in the site's language: a text, and
 * for an expired license with a renewal address, a link. Texts from the server (its
 * `message`, a revocation reason) are never shown; a link is only ever http(s).
 * @param {Error} error usually a TollgateError (`unlockWithCode`, `openWithKeptKeys`)
 * @param {{siteData?: object, tier?: string, timeZone?: string}} [context] `siteData` gives
 *   the strings, tier names, language and whether a license server is there; `tier` is the
 *   chapter's own tier (the `needed` of "other_tier"); `timeZone` is for dates (by default
 *   the reader's).
 * @returns {{text: string, link: {href: string, text: string}|null}}
 */
export function errorMessage(error, { siteData = {}, tier = null, timeZone } = {}) {
  const strings = stringsOf(siteData);
  const details = error || {};
  const date = details.code === "expired" ? formatDate(details.expiresAt, siteData.lang, timeZone) : null;
  const key = messageKey(details, siteData, date);
  const count = (n) => (Number.isInteger(n) ? String(n) : "?");
  const tiers = details.source === "license" && Array.isArray(details.records) ? details.records.map((r) => r.tier) : [details.tier];
  const text = fill(strings[key] || DEFAULT_STRINGS[key], {
    tier: details.tier ? tierList(siteData, tiers) : "",
    needed: tierNameIn(siteData, details.needed || tier),
    date: date || "",
    in_use: count(details.inUse),
    limit: count(details.limit),
    seconds: count(details.retryAfter),
  });
  const href = details.code === "expired" ? webURL(details.renewURL) : null;
  return { text, link: href ? { href, text: strings.unlock_renew } : null };
}

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
  addCopyButtons(premium, { doc });
  return premium;
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
    this.strings = stringsOf(siteData);
    this.fetch = (...args) => win.fetch(...args);
    this.mount = doc.getElementById("tollgate-unlock");
    this.store = null;
    this.sources = [];
    this.busy = false;
  }

  text(key, values = {}) {
    return fill(this.strings[key] || DEFAULT_STRINGS[key] || key, values);
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
    this.sources = keySources({ siteData: this.siteData, store: this.store, fetch: this.fetch });
    let failure = null;
    try {
      const opened = await openWithKeptKeys({ payload: this.payload, siteData: this.siteData, path: this.path, store: this.store, sources: this.sources });
      if (opened) return this.show(opened, { focus: false });
    } catch (error) {
      failure = error;
    }
    this.renderForm();
    if (failure) this.setStatus(this.messageFor(failure), true);
  }

  /** Shows the opened chapter (`openWithKeptKeys`' result) and the unlocked bar. */
  show({ html, record, records }, { focus }) {
    const premium = insertPremium(html, { doc: this.doc, tocTitle: this.text("unlock_toc_title") });
    this.showUnlockedBar(premium, record, records);
    this.doc.dispatchEvent(new CustomEvent("tollgate:unlocked", { detail: { tier: record.tier, source: record.source } }));
    this.reveal(premium, focus);
    const keys = new Map(records.map((r) => [r.kid, r.key]));
    openAssets(premium, {
      site: this.siteData.site,
      keys,
      doc: this.doc,
      win: this.win,
      fetch: this.fetch,
      onError: (element, error) => this.assetFailed(element, error),
    }).catch((error) => console.error("tollgate:", error));
  }

  /** The panel's error text next to an asset that did not open (it keeps no content). */
  assetFailed(element, error) {
    const { text } = this.messageFor(error);
    const anchor = element.tagName === "SOURCE" && element.parentElement ? element.parentElement : element;
    const next = anchor.nextElementSibling;
    if (next && next.classList.contains("unlock-asset-error")) return;
    anchor.after(makeElement(this.doc, "span", { class: "unlock-note unlock-asset-error", role: "alert" }, text));
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

  /** "Unlocked with Member" (a code) or "Signed in with a license for Member and Pro". */
  signedInText(record, records) {
    if (record.source !== "license") return this.text("unlock_signed_in", { tier: tierNameIn(this.siteData, record.tier) });
    const tiers = records.filter((r) => r.source === "license").map((r) => r.tier);
    return this.text("unlock_signed_in_license", { tiers: tierList(this.siteData, tiers) });
  }

  showUnlockedBar(premium, record, records) {
    const doc = this.doc;
    const bar = makeElement(doc, "div", { class: "unlock-bar", id: "tollgate-unlocked", "data-source": record.source });
    const label = makeElement(doc, "span", { class: "unlock-bar-text" }, this.signedInText(record, records));
    const button = makeElement(doc, "button", { type: "button", class: "unlock-sign-out" }, this.text("unlock_sign_out"));
    button.addEventListener("click", () => this.signOut(button));
    bar.append(label, makeElement(doc, "span", { class: "unlock-bar-dot", "aria-hidden": "true" }, "·"), button);
    premium.after(bar);
  }

  /** Every source forgets what it keeps (the license server is told), then every key goes. */
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

  /** The field's label and placeholder: a license key first when the site has a license server. */
  fieldTexts() {
    const codes = (this.siteData.codes || []).length > 0;
    if (!this.siteData.license_server) return { label: this.text("unlock_label"), placeholder: this.text("unlock_placeholder") };
    return { label: this.text(codes ? "unlock_label_license_or_code" : "unlock_label_license"), placeholder: LICENSE_PLACEHOLDER };
  }

  renderForm() {
    if (!this.mount) return;
    if ((this.siteData.codes || []).length === 0 && !this.siteData.license_server) return; // nothing to type
    const doc = this.doc;
    const texts = this.fieldTexts();
    const form = makeElement(doc, "form", { class: "unlock-form", novalidate: "" });
    const label = makeElement(doc, "label", { class: "unlock-label", for: "tollgate-code" }, texts.label);
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
      placeholder: texts.placeholder,
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

  /**
   * The status line under the field: a text, or `errorMessage`'s {text, link}. A link is
   * built with DOM APIs (its address is already checked to be http(s)).
   */
  setStatus(message, isError) {
    if (!this.form) return;
    const { status, input } = this.form;
    const { text, link } = typeof message === "string" ? { text: message, link: null } : message;
    status.replaceChildren(text);
    if (link) status.append(" ", makeElement(this.doc, "a", { href: link.href, class: "unlock-status-link", rel: "noopener" }, link.text));
    status.classList.toggle("is-error", isError);
    if (isError) input.setAttribute("aria-invalid", "true");
    else input.removeAttribute("aria-invalid");
  }

  messageFor(error) {
    if (!(error instanceof TollgateError)) console.error("tollgate:", error);
    return errorMessage(error, { siteData: this.siteData, tier: this.tier });
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
      const result = await unlockWithCode(input.value, {
        payload: this.payload,
        siteData: this.siteData,
        tier: this.tier,
        store: this.store,
        fetch: this.fetch,
      });
      const records = mergeRecords(await keptRecords(this.store, this.siteData.site), result.records);
      input.value = "";
      const opened = await openWithRecords(records, { payload: this.payload, site: this.siteData.site, path: this.path });
      if (!opened) throw new TollgateError("no_key");
      this.show(opened, { focus: true });
    } catch (error) {
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
    return showFailure(error, stringsOf(siteData), error && error.code === "unsupported" ? "unlock_unsupported" : "unlock_failed");
  }
  await page.start();
}

boot().catch((error) => console.error("tollgate:", error));
