// Tests of tollgate.js's pure functions against a site sealed by `tollgate build`.
//
//   TOLLGATE_SITE=/path/to/_site \
//   TOLLGATE_CODES='{"member":"CXXX-…"}' TOLLGATE_OLD_CODES='{}' \
//   TOLLGATE_EXPECT='{"course/chapter/":"a sentence of the premium part"}' \
//   node --test Tests/js/decrypt.test.mjs
//
// Without TOLLGATE_SITE the tests of a built site are skipped; the tests that need no
// site (code parsing, chapter paths, a payload sealed here with node:crypto, the worked
// example of docs/FORMAT.md when Tests/js/format-example.json exists) always run.
// No dependencies: the site data is assets/tollgate-site.js read as text (`export default `
// + JSON + `;\n`); a page's payload is its #tollgate-sealed, read with a regular
// expression, and its tier the `data-tier` of #tollgate-unlock.

import test from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import crypto from "node:crypto";
import zlib from "node:zlib";
import { fileURLToPath } from "node:url";

import {
  TollgateError,
  parseCode,
  formatCode,
  codeId,
  keyFromCode,
  importTierKey,
  chapterPath,
  openChapter,
  assetId,
  openAsset,
  openAssetStream,
  fetchAsset,
  openAssets,
  unlockWithCode,
  memoryKeyStore,
  loadSiteData,
  checkSiteData,
} from "../../Sources/TollgateSite/Resources/theme/assets/tollgate.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

function json(name, fallback) {
  const text = process.env[name];
  if (text === undefined || text.trim() === "") return fallback;
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new Error(`${name} is not JSON: ${error.message}`);
  }
}

const SITE = process.env.TOLLGATE_SITE || "";
const CODES = json("TOLLGATE_CODES", {});
const OLD_CODES = json("TOLLGATE_OLD_CODES", {});
const EXPECT = json("TOLLGATE_EXPECT", {});
const noSite = SITE === "" ? "TOLLGATE_SITE is not set" : false;

/** Rejects with a TollgateError of `code`. */
async function rejectsWith(promise, code, what) {
  await assert.rejects(promise, (error) => {
    assert.ok(error instanceof TollgateError, `${what}: expected a TollgateError "${code}", got ${error && error.stack}`);
    assert.equal(error.code, code, `${what}: expected "${code}", got "${error.code}" (${error.message})`);
    return true;
  });
}

function throwsWith(fn, code, what) {
  assert.throws(fn, (error) => {
    assert.ok(error instanceof TollgateError, `${what}: expected a TollgateError, got ${error}`);
    assert.equal(error.code, code, `${what}: expected "${code}", got "${error.code}" (${error.message})`);
    return true;
  });
}

/** A copy of `code` with its `n`-th letter or digit (dashes not counted) changed to another value. */
function tamper(code, n) {
  const chars = code.toUpperCase().split("");
  const at = chars.map((c, i) => (ALPHABET.includes(c) ? i : -1)).filter((i) => i >= 0)[n];
  assert.ok(at !== undefined, `${code} has no character ${n}`);
  chars[at] = ALPHABET[(ALPHABET.indexOf(chars[at]) + 7) % 32];
  return chars.join("");
}

// ------------------------------------------------------------- the built site

function walk(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? walk(full) : entry.name.endsWith(".html") ? [full] : [];
  });
}

function scriptJSON(html, id, file) {
  const match = html.match(new RegExp(`<script type="application/json" id="${id}">([\\s\\S]*?)</script>`));
  if (!match) return null;
  try {
    return JSON.parse(match[1]);
  } catch (error) {
    throw new Error(`${file}: #${id} is not JSON: ${error.message}`);
  }
}

const SITE_DATA_PREFIX = "export default ";
const SITE_DATA_SUFFIX = ";\n";

/** The text of a site data module as JSON: `export default ` + JSON + `;\n`, nothing else. */
function siteDataJSON(text, what) {
  assert.ok(text.startsWith(SITE_DATA_PREFIX), `${what} does not start with "${SITE_DATA_PREFIX}"`);
  assert.ok(text.endsWith(SITE_DATA_SUFFIX), `${what} does not end with ";\\n"`);
  const jsonText = text.slice(SITE_DATA_PREFIX.length, -SITE_DATA_SUFFIX.length);
  try {
    return { jsonText, data: JSON.parse(jsonText) };
  } catch (error) {
    throw new Error(`${what} is not export default JSON: ${error.message}`);
  }
}

/** The site's assets/tollgate-site.js: {file, text, data}. */
function readSiteData(root) {
  const file = path.join(root, "assets", "tollgate-site.js");
  assert.ok(fs.existsSync(file), `${root} has no assets/tollgate-site.js`);
  const text = fs.readFileSync(file, "utf8");
  return { file, text, data: siteDataJSON(text, "assets/tollgate-site.js").data };
}

/** The chapter's own tier: `data-tier` of #tollgate-unlock. */
function pageTier(html) {
  const match = html.match(/<div id="tollgate-unlock"[^>]*?\sdata-tier="([^"]*)"/);
  return match ? match[1].replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&") : null;
}

/** Every sealed page of the site: {file, path, tier, payload, html}. */
function sealedPages(root) {
  const pages = [];
  for (const file of walk(root).sort()) {
    const html = fs.readFileSync(file, "utf8");
    if (!html.includes('id="tollgate-sealed"')) continue;
    const payload = scriptJSON(html, "tollgate-sealed", file);
    assert.ok(payload, `${file}: no parsable #tollgate-sealed`);
    const relative = path.relative(root, file).split(path.sep).map(encodeURIComponent).join("/");
    const pagePath = chapterPath(new URL(relative, "http://127.0.0.1/"), "http://127.0.0.1/");
    pages.push({ file: path.relative(root, file), url: new URL(relative, "http://127.0.0.1/"), path: pagePath, tier: pageTier(html), payload, html });
  }
  return pages;
}

let cachedPages = null;
let cachedSite = null;
function pages() {
  if (!cachedPages) {
    cachedPages = sealedPages(SITE);
    assert.ok(cachedPages.length > 0, `no page of ${SITE} carries #tollgate-sealed`);
  }
  return cachedPages;
}

/** The parsed assets/tollgate-site.js of TOLLGATE_SITE. */
function siteData() {
  if (!cachedSite) cachedSite = readSiteData(SITE);
  return cachedSite.data;
}

/** The tiers with a code (TOLLGATE_CODES) that have a wrap in this payload. */
function readableTiers(page) {
  return page.payload.wraps.map((wrap) => wrap.tier).filter((tier) => tier in CODES);
}

/** What unlockWithCode needs for a page. */
function unlockArgs(page, extra = {}) {
  return { payload: page.payload, siteData: siteData(), tier: page.tier, ...extra };
}

async function open(page, tier, overrides = {}) {
  const { key, kid } = await unlockWithCode(CODES[tier], unlockArgs(page));
  return openChapter({
    payload: page.payload,
    site: siteData().site,
    path: page.path,
    keys: new Map([[kid, key]]),
    ...overrides,
  });
}

test("the site data is one static module, and sealed pages carry only their own payload", { skip: noSite }, async () => {
  const { text, data } = readSiteData(SITE);
  assert.doesNotMatch(text, /[<>&\u2028\u2029]/, "assets/tollgate-site.js has a raw <, >, &, U+2028 or U+2029");
  checkSiteData(data);
  // The module the browser imports has the same value as the JSON (a data: URL: Node
  // would read a .js file outside a "type": "module" package as CommonJS).
  const imported = await loadSiteData(`data:text/javascript;base64,${Buffer.from(text).toString("base64")}`);
  assert.deepEqual(imported, data);
  assert.deepEqual(Object.keys(data).sort(), ["codes", "epoch", "lang", "license_server", "site", "strings", "tiers", "v"]);
  assert.ok(typeof data.site === "string" && data.site !== "", "site");
  assert.ok(Number.isInteger(data.epoch) && data.epoch >= 0, "epoch");
  assert.ok(data.license_server === null || typeof data.license_server === "string", "license_server");
  assert.ok(Array.isArray(data.tiers) && data.tiers.length > 0, "tiers");
  for (const tier of data.tiers) {
    assert.deepEqual(Object.keys(tier).sort(), ["checkout_url", "id", "includes", "name"], `tier ${tier.id}`);
  }
  const tierIds = new Set(data.tiers.map((t) => t.id));
  assert.ok(data.strings && typeof data.strings.unlock_label === "string", "strings.unlock_label");
  assert.ok(Array.isArray(data.codes), "codes");
  // Ordered by tier id, then epoch, newest first; only the current epoch's entry has an envelope.
  const order = data.codes.map((c) => [c.tier, -c.epoch]);
  const sorted = [...order].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] - b[1]));
  assert.deepEqual(order, sorted, "codes are ordered by tier id, then newest epoch first");
  for (const entry of data.codes) {
    assert.match(entry.id, /^[0-9a-f]{16}$/, "a code id");
    assert.ok(tierIds.has(entry.tier), `a code of the unknown tier ${entry.tier}`);
    if (entry.epoch === data.epoch) {
      assert.deepEqual(Object.keys(entry).sort(), ["epoch", "id", "key", "kid", "nonce", "tier"], `the current ${entry.tier} entry`);
    } else {
      assert.ok(entry.epoch < data.epoch, `a ${entry.tier} entry of the future epoch ${entry.epoch}`);
      assert.deepEqual(Object.keys(entry).sort(), ["epoch", "id", "tier"], `the ${entry.tier} entry of epoch ${entry.epoch}`);
    }
  }
  for (const tier of Object.keys(CODES)) {
    assert.ok(data.codes.some((c) => c.tier === tier && c.epoch === data.epoch), `no current entry for ${tier}, which TOLLGATE_CODES names`);
  }
  for (const page of pages()) {
    assert.ok(!page.html.includes('id="tollgate-config"'), `${page.file}: still carries #tollgate-config`);
    assert.deepEqual(Object.keys(page.payload).sort(), ["body", "epoch", "v", "wraps"], `${page.file}: the payload's fields`);
    assert.equal(page.payload.epoch, data.epoch, `${page.file}: the epoch of the page and of the site data`);
    assert.ok(page.tier, `${page.file}: no data-tier on #tollgate-unlock`);
    assert.ok(tierIds.has(page.tier), `${page.file}: data-tier="${page.tier}" is not a tier of the site`);
    assert.ok(page.payload.wraps.some((w) => w.tier === page.tier), `${page.file}: no wrap for its own tier ${page.tier}`);
    // The chapter's module (tollgate-member.js, on every page, is in the head).
    const src = page.html.match(/<script type="module" src="([^"]*\/tollgate\.js)"><\/script>/);
    assert.ok(src, `${page.file}: no module script`);
    const module = new URL(src[1], page.url);
    assert.ok(module.pathname.endsWith("/assets/tollgate.js"), `${page.file}: the module is ${src[1]}`);
    const siteModule = new URL("./tollgate-site.js", module);
    assert.equal(decodeURIComponent(siteModule.pathname), "/assets/tollgate-site.js", `${page.file}: tollgate.js at ${src[1]} would import ${siteModule.pathname}`);
  }
});

test("every sealed page opens with the code of each tier that has a wrap", { skip: noSite }, async () => {
  assert.ok(Object.keys(CODES).length > 0, "TOLLGATE_CODES names no tier");
  const found = new Set();
  for (const page of pages()) {
    assert.equal(page.payload.v, 2, `${page.file}: format version`);
    const tiers = readableTiers(page);
    assert.ok(tiers.length > 0, `${page.file}: none of the tiers ${page.payload.wraps.map((w) => w.tier)} has a code in TOLLGATE_CODES`);
    for (const tier of tiers) {
      const html = await open(page, tier);
      assert.ok(html.trim().length > 0, `${page.file}: empty premium HTML with ${tier}`);
      if (page.path in EXPECT) {
        assert.ok(html.includes(EXPECT[page.path]), `${page.file}: the premium HTML opened with ${tier} lacks "${EXPECT[page.path]}"`);
        found.add(page.path);
      }
    }
  }
  const missing = Object.keys(EXPECT).filter((p) => !found.has(p));
  assert.deepEqual(missing, [], `TOLLGATE_EXPECT names chapters that are not sealed pages of the site: ${missing}`);
});

test("every sealed asset of the site opens with the code of each tier that has a wrap, and under no other id", { skip: noSite }, async () => {
  const folder = path.join(SITE, "assets", "sealed");
  const files = fs.existsSync(folder) ? fs.readdirSync(folder).sort() : [];
  const data = readSiteData(SITE).data;
  for (const name of files) {
    const id = assetId(`/assets/sealed/${name}`);
    const bytes = new Uint8Array(fs.readFileSync(path.join(folder, name)));
    const headerLength = Buffer.from(bytes.subarray(4, 8)).readUInt32BE(0);
    const header = JSON.parse(Buffer.from(bytes.subarray(8, 8 + headerLength)).toString("utf8"));
    assert.equal(header.v, 2, `${name}: format version`);
    const tiers = header.wraps.map((wrap) => wrap.tier).filter((tier) => tier in CODES);
    assert.ok(tiers.length > 0, `${name}: none of the tiers ${header.wraps.map((w) => w.tier)} has a code in TOLLGATE_CODES`);
    let opened = null;
    for (const tier of tiers) {
      const entry = data.codes.find((c) => c.tier === tier && c.key);
      const key = await keyFromCode(parseCode(CODES[tier]).secret, entry, data.site);
      const keys = new Map([[entry.kid, key]]);
      const plain = await openAsset(bytes, { site: data.site, id, keys });
      assert.equal(plain.length, header.size, `${name}: size`);
      if (opened) assert.deepEqual(plain, opened, `${name}: every tier opens the same bytes`);
      opened = plain;
      await rejectsWith(openAsset(bytes, { site: data.site, id: "0".repeat(32), keys }), "auth_failed", `${name} under another id`);
    }
  }
});

test("keys from codes are non-extractable AES-GCM keys that only unwrap", { skip: noSite }, async () => {
  const page = pages()[0];
  const { key, tier, epoch } = await unlockWithCode(CODES[readableTiers(page)[0]], unlockArgs(page));
  assert.equal(key.extractable, false);
  assert.deepEqual(key.usages, ["unwrapKey"]);
  assert.equal(key.algorithm.name, "AES-GCM");
  assert.equal(key.algorithm.length, 256);
  assert.equal(tier, readableTiers(page)[0]);
  assert.equal(epoch, page.payload.epoch);
});

test("a code of a tier without a wrap on the page gives other_tier and keeps its key", { skip: noSite }, async (t) => {
  let checked = 0;
  for (const page of pages()) {
    const wrapped = new Set(page.payload.wraps.map((wrap) => wrap.tier));
    for (const tier of Object.keys(CODES).filter((id) => !wrapped.has(id))) {
      const store = memoryKeyStore();
      await rejectsWith(unlockWithCode(CODES[tier], unlockArgs(page, { store })), "other_tier", `${page.file} with ${tier}`);
      await assert.rejects(unlockWithCode(CODES[tier], unlockArgs(page)), (error) => error.needed === page.tier, `${page.file}: other_tier names the page's tier as needed`);
      const kept = await store.all();
      assert.equal(kept.length, 1, `${page.file}: the key of ${tier} is kept`);
      assert.equal(kept[0].tier, tier);
      assert.equal(kept[0].source, "code");
      assert.equal(kept[0].site, siteData().site);
      assert.equal(kept[0].key.extractable, false);
      checked++;
    }
  }
  if (checked === 0) t.skip("every tier with a code can read every sealed page");
});

test("a code with one character changed is invalid_format", { skip: noSite }, async () => {
  const page = pages()[0];
  for (const [tier, code] of Object.entries(CODES)) {
    for (const index of [1, 6, 13, 27]) {
      const typo = tamper(code, index);
      throwsWith(() => parseCode(typo), "invalid_format", `${tier} code with character ${index} changed`);
      await rejectsWith(unlockWithCode(typo, unlockArgs(page)), "invalid_format", typo);
    }
  }
});

test("a code of the previous epoch gives old_code", { skip: noSite }, async (t) => {
  if (Object.keys(OLD_CODES).length === 0) return t.skip("TOLLGATE_OLD_CODES is empty");
  for (const page of pages()) {
    for (const [tier, code] of Object.entries(OLD_CODES)) {
      await rejectsWith(unlockWithCode(code, unlockArgs(page)), "old_code", `${page.file} with the old ${tier} code`);
    }
  }
});

test("a well-formed code that no entry has is unknown_code; a license key needs the server", { skip: noSite }, async () => {
  const page = pages()[0];
  const unknown = formatCode(new Uint8Array(crypto.randomBytes(16)));
  await rejectsWith(unlockWithCode(unknown, unlockArgs(page)), "unknown_code", unknown);
  const license = formatCode(new Uint8Array(crypto.randomBytes(16)), "license");
  await rejectsWith(unlockWithCode(license, unlockArgs(page, { siteData: { ...siteData(), license_server: null } })), "license_key_needs_server", license);
});

test("a payload opened under another chapter's path, site or epoch fails auth_failed", { skip: noSite }, async (t) => {
  const all = pages();
  const page = all[0];
  const tier = readableTiers(page)[0];
  const other = all.find((p) => p.path !== page.path);
  if (other) {
    await rejectsWith(open(page, tier, { path: other.path }), "auth_failed", `${page.file} opened as ${other.path}`);
  } else {
    t.diagnostic("the site has one sealed page: checking a made-up path instead");
  }
  await rejectsWith(open(page, tier, { path: page.path + "x/" }), "auth_failed", "a made-up path");
  await rejectsWith(open(page, tier, { site: siteData().site + ".evil" }), "auth_failed", "another site id");
  await rejectsWith(open(page, tier, { payload: { ...page.payload, epoch: page.payload.epoch + 1 } }), "auth_failed", "another epoch");
  if (other) {
    // Page B's payload moved into page A: opened with A's path.
    const tierB = readableTiers(other)[0];
    const { key, kid } = await unlockWithCode(CODES[tierB], unlockArgs(other));
    await rejectsWith(
      openChapter({ payload: other.payload, site: siteData().site, path: page.path, keys: new Map([[kid, key]]) }),
      "auth_failed",
      `${other.file}'s payload on ${page.path}`,
    );
  }
});

test("a flipped byte of body.ct or of a wrapped key fails auth_failed", { skip: noSite }, async () => {
  const page = pages()[0];
  const tier = readableTiers(page)[0];
  const flip = (b64, at) => {
    const bytes = Buffer.from(b64, "base64");
    bytes[Math.min(at, bytes.length - 1)] ^= 0x01;
    return bytes.toString("base64");
  };
  for (const at of [0, 100, Number.MAX_SAFE_INTEGER]) {
    const payload = { ...page.payload, body: { ...page.payload.body, ct: flip(page.payload.body.ct, at) } };
    await rejectsWith(open(page, tier, { payload }), "auth_failed", `body.ct byte ${at} flipped`);
  }
  const wraps = page.payload.wraps.map((wrap) => (wrap.tier === tier ? { ...wrap, key: flip(wrap.key, 5) } : wrap));
  await rejectsWith(open(page, tier, { payload: { ...page.payload, wraps } }), "auth_failed", "a wrapped key with a flipped byte");
});

test("no key for any wrap gives no_key", { skip: noSite }, async () => {
  const page = pages()[0];
  await rejectsWith(openChapter({ payload: page.payload, site: siteData().site, path: page.path, keys: new Map() }), "no_key", "no keys");
});

test("site data of another deploy: a code whose tier has a wrap of another epoch is epoch_mismatch", { skip: noSite }, async () => {
  const page = pages()[0];
  const tier = readableTiers(page)[0];
  // The same page as a deploy of the next epoch would have it, read with today's site data
  // (a stale tollgate-site.js from the HTTP cache): the kids differ, the tier is there.
  const wraps = page.payload.wraps.map((wrap) => ({ ...wrap, kid: "00".repeat(8) }));
  const store = memoryKeyStore();
  await rejectsWith(unlockWithCode(CODES[tier], unlockArgs({ ...page, payload: { ...page.payload, epoch: page.payload.epoch + 1, wraps } }, { store })), "epoch_mismatch", "a page of the next epoch");
  assert.equal((await store.all()).length, 1, "the code's key is kept all the same");
  await rejectsWith(unlockWithCode(CODES[tier], unlockArgs(page, { siteData: { ...siteData(), v: 1 } })), "unsupported", "site data of version 1");
});

// ------------------------------------------------- the worked example of FORMAT.md

const examplePath = path.join(here, "format-example.json");

test("the worked example of docs/FORMAT.md opens to exactly its HTML", { skip: fs.existsSync(examplePath) ? false : "Tests/js/format-example.json does not exist yet" }, async () => {
  const example = JSON.parse(fs.readFileSync(examplePath, "utf8"));
  for (const field of ["site", "path", "epoch", "tier", "code", "payload", "site_data", "html"]) {
    assert.ok(field in example, `format-example.json has no "${field}"`);
  }
  // The payload and the site data are JSON texts (or already parsed); the epoch a number or
  // its decimal text.
  const parsed = (value) => (typeof value === "string" ? JSON.parse(value) : value);
  const payload = parsed(example.payload);
  const siteData = parsed(example.site_data);
  const exampleEpoch = Number(example.epoch);
  assert.equal(payload.epoch, exampleEpoch);
  assert.ok(!("codes" in payload), "the payload has codes: they belong to the site data");
  assert.equal(siteData.v, 2);
  assert.equal(siteData.site, example.site);
  assert.equal(siteData.epoch, exampleEpoch);
  if (typeof example.site_data === "string") {
    // assets/tollgate-site.js is `export default ` + this text + `;\n`, and imports to the same value.
    const module = `export default ${example.site_data};\n`;
    assert.deepEqual(await loadSiteData(`data:text/javascript;base64,${Buffer.from(module).toString("base64")}`), siteData);
  }
  const code = parseCode(example.code);
  assert.equal(code.kind, "access");
  assert.equal(code.text, example.code);
  if ("code_secret_hex" in example) assert.equal(Buffer.from(code.secret).toString("hex"), example.code_secret_hex);
  if ("code_id" in example) assert.equal(await codeId(code.secret), example.code_id);
  const { key, kid, tier, epoch } = await unlockWithCode(example.code, { payload, siteData, tier: example.tier });
  assert.equal(tier, example.tier);
  assert.equal(epoch, exampleEpoch);
  if ("kid" in example) assert.equal(kid, example.kid);
  const args = { payload, site: example.site, path: example.path };
  assert.equal(await openChapter({ ...args, keys: new Map([[kid, key]]) }), example.html);
  if ("tier_key_hex" in example) {
    const imported = await importTierKey(new Uint8Array(Buffer.from(example.tier_key_hex, "hex")));
    assert.equal(await openChapter({ ...args, keys: new Map([[kid, imported]]) }), example.html);
  }
  await rejectsWith(openChapter({ ...args, path: example.path + "x/", keys: new Map([[kid, key]]) }), "auth_failed", "the example under another path");
});

// ------------------------------------------------------ tests that need no site

test("parseCode reads codes as people type them", () => {
  const secret = new Uint8Array(16).map((_, i) => i * 17);
  const code = formatCode(secret);
  assert.match(code, /^C[0-9A-HJKMNP-TV-Z]{3}(-[0-9A-HJKMNP-TV-Z]{4}){6}$/);
  for (const typed of [code, code.toLowerCase(), code.replace(/-/g, ""), ` ${code.replace(/-/g, " ")} `, code.replace(/0/g, "O").replace(/1/g, "l")]) {
    const parsed = parseCode(typed);
    assert.equal(parsed.kind, "access");
    assert.equal(parsed.text, code);
    assert.deepEqual(parsed.secret, secret);
  }
  const license = formatCode(secret, "license");
  assert.equal(license[0], "K");
  assert.equal(parseCode(license).kind, "license");
  for (let i = 0; i < 50; i++) {
    const random = new Uint8Array(crypto.randomBytes(16));
    assert.deepEqual(parseCode(formatCode(random)).secret, random);
  }
});

test("parseCode rejects what is not a code", () => {
  const code = formatCode(new Uint8Array(16).fill(0xa5));
  const bare = code.replace(/-/g, "");
  const withCheck = (first27) => {
    const values = [...first27].map((c) => ALPHABET.indexOf(c));
    let sum = 0;
    values.reverse().forEach((v, i) => {
      const d = v * (i % 2 === 0 ? 2 : 1);
      sum += Math.floor(d / 32) + (d % 32);
    });
    return first27 + ALPHABET[(32 - (sum % 32)) % 32];
  };
  const cases = {
    empty: "",
    short: bare.slice(0, 27),
    long: bare + "0",
    "a U": bare.slice(0, 5) + "U" + bare.slice(6),
    "punctuation": bare.slice(0, 5) + "." + bare.slice(6),
    "another first letter, right check": withCheck("A" + bare.slice(1, 27)),
    "non-zero padding bits, right check": withCheck(bare.slice(0, 26) + ALPHABET[ALPHABET.indexOf(bare[26]) | 1]),
  };
  assert.ok(parseCode(withCheck(bare.slice(0, 27))), "the check helper agrees with parseCode");
  for (const [what, text] of Object.entries(cases)) throwsWith(() => parseCode(text), "invalid_format", what);
  // Every single-character substitution is caught by the check character.
  for (let i = 0; i < bare.length; i++) {
    for (let v = 1; v < 32; v++) {
      const chars = bare.split("");
      chars[i] = ALPHABET[(ALPHABET.indexOf(chars[i]) + v) % 32];
      const typo = chars.join("");
      throwsWith(() => parseCode(typo), "invalid_format", `character ${i} + ${v}`);
    }
  }
});

test("codeId is the first 8 bytes of SHA-256 over the label and the secret", async () => {
  const secret = new Uint8Array(crypto.randomBytes(16));
  const expected = crypto.createHash("sha256").update("tollgate/1 code-id").update(secret).digest().subarray(0, 8).toString("hex");
  assert.equal(await codeId(secret), expected);
});

test("chapterPath takes the page address below the site root", () => {
  const cases = [
    ["https://x.org/course/chapter/", "https://x.org/", "course/chapter/"],
    ["https://x.org/course/chapter/index.html", "https://x.org/", "course/chapter/"],
    ["https://x.org/course/chapter/#intro", "https://x.org/", "course/chapter/"],
    ["https://x.org/course/chapter?utm=1", "https://x.org/", "course/chapter/"],
    ["https://x.org/academy/course/part/chapter/", "https://x.org/academy/", "course/part/chapter/"],
    ["https://x.org/academy/course/chapter/", "https://x.org/academy", "course/chapter/"],
    [`https://x.org/${encodeURIComponent("并发")}/${encodeURIComponent("第一章")}/`, "https://x.org/", "并发/第一章/"],
    ["https://x.org/caf%C3%A9/e%CC%81t%C3%A9/", "https://x.org/", "café/été/".normalize("NFC")],
  ];
  for (const [page, root, expected] of cases) assert.equal(chapterPath(page, root), expected, page);
  throwsWith(() => chapterPath("https://x.org/other/chapter/", "https://x.org/academy/"), "not_in_site", "outside the root");
});

// A chapter sealed here with node:crypto, following FORMAT.md step by step (random keys:
// the reader only uses keys, it never derives them).
function sealHere({ site, path: chapter, epoch, tier, html }) {
  const sealGCM = (key, nonce, plaintext, aad) => {
    const cipher = crypto.createCipheriv("aes-256-gcm", key, nonce);
    cipher.setAAD(Buffer.from(aad));
    return Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]).toString("base64");
  };
  const tierKey = crypto.randomBytes(32);
  const kid = crypto.randomBytes(8).toString("hex");
  const secret = crypto.randomBytes(16);
  const dataKey = crypto.randomBytes(32);
  const [bodyNonce, wrapNonce, codeNonce] = [0, 1, 2].map(() => crypto.randomBytes(12));
  const kek = Buffer.from(crypto.hkdfSync("sha256", secret, "tollgate/2", `tollgate/2 code-kek\n${site}`, 32));
  const payload = {
    v: 2,
    epoch,
    body: { nonce: bodyNonce.toString("base64"), ct: sealGCM(dataKey, bodyNonce, zlib.deflateRawSync(Buffer.from(html)), `tollgate/2\nbody\n${site}\n${chapter}\n${epoch}`) },
    wraps: [{ tier, kid, nonce: wrapNonce.toString("base64"), key: sealGCM(tierKey, wrapNonce, dataKey, `tollgate/2\nwrap\n${site}\n${chapter}\n${epoch}\n${kid}`) }],
  };
  const siteData = {
    v: 2,
    site,
    epoch,
    lang: "en",
    license_server: null,
    tiers: [{ id: tier, name: tier, checkout_url: null, includes: [] }],
    strings: {},
    codes: [
      {
        id: crypto.createHash("sha256").update("tollgate/1 code-id").update(secret).digest().subarray(0, 8).toString("hex"),
        tier,
        epoch,
        kid,
        nonce: codeNonce.toString("base64"),
        key: sealGCM(kek, codeNonce, tierKey, `tollgate/2\ncode\n${site}\n${tier}\n${epoch}\n${kid}`),
      },
      { id: "0011223344556677", tier, epoch: epoch - 1 },
    ],
  };
  return { payload, siteData, tierKey, kid, code: formatCode(new Uint8Array(secret)) };
}

test("a chapter sealed here with node:crypto opens, from its code and from its raw tier key", async () => {
  const html = "<h2 id=\"a\">Ünïcödé 中文</h2>\n<p>" + "Premium text. ".repeat(500) + "</p>\n";
  const sealed = sealHere({ site: "example.org/academy", path: "course/chapter/", epoch: 3, tier: "member", html });
  const { siteData } = sealed;
  const store = memoryKeyStore();
  const unlocked = await unlockWithCode(sealed.code.toLowerCase(), { payload: sealed.payload, siteData, tier: "member", store });
  assert.deepEqual([unlocked.tier, unlocked.epoch, unlocked.kid], ["member", 3, sealed.kid]);
  const [record] = await store.all();
  assert.deepEqual(Object.keys(record).sort(), ["epoch", "key", "kid", "label", "site", "source", "tier"]);
  assert.match(record.label, /^[0-9a-f]{4}$/, "the label is the end of the code's public id");
  const args = { payload: sealed.payload, site: siteData.site, path: "course/chapter/" };
  assert.equal(await openChapter({ ...args, keys: new Map([[sealed.kid, unlocked.key]]) }), html);
  const imported = await importTierKey(new Uint8Array(sealed.tierKey));
  assert.equal(imported.extractable, false);
  assert.equal(await openChapter({ ...args, keys: new Map([[sealed.kid, imported]]) }), html);
  // The envelope is bound to the site: the same code under another site id does not open.
  const entry = siteData.codes[0];
  await rejectsWith(keyFromCode(parseCode(sealed.code).secret, entry, "example.org"), "auth_failed", "another site id");
  await rejectsWith(unlockWithCode(formatCode(new Uint8Array(16)), { payload: sealed.payload, siteData }), "unknown_code", "zero code");
  await rejectsWith(unlockWithCode(sealed.code, { payload: sealed.payload, siteData: { ...siteData, v: 1 } }), "unsupported", "site data v1");
  await rejectsWith(unlockWithCode(sealed.code, { payload: sealed.payload, siteData: { ...siteData, site: "" } }), "corrupt", "site data without a site id");
  // The site module as the build writes it imports to the same value.
  const module = `export default ${JSON.stringify(siteData)};\n`;
  assert.deepEqual(await loadSiteData(`data:text/javascript,${encodeURIComponent(module)}`), siteData);
});

// ------------------------------------------------------------- sealed assets

/** An asset sealed here with node:crypto, following FORMAT.md "Sealed assets" (random keys). */
function sealAssetHere({ site, id, epoch = 1, tierKey, kid, bytes, chunk }) {
  const gcm = (key, nonce, plaintext, aad) => {
    const cipher = crypto.createCipheriv("aes-256-gcm", key, nonce);
    cipher.setAAD(Buffer.from(aad));
    return Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
  };
  const dataKey = crypto.randomBytes(32);
  const wrapNonce = crypto.randomBytes(12);
  const size = bytes.length;
  const count = Math.max(1, Math.ceil(size / chunk));
  const header = {
    v: 2,
    epoch,
    size,
    chunk,
    wraps: [{ tier: "member", kid, nonce: wrapNonce.toString("base64"), key: gcm(tierKey, wrapNonce, dataKey, `tollgate/2\nasset-wrap\n${site}\n${id}\n${epoch}\n${kid}`).toString("base64") }],
  };
  const headerBytes = Buffer.from(JSON.stringify(header));
  const length = Buffer.alloc(4);
  length.writeUInt32BE(headerBytes.length);
  const chunks = [];
  for (let index = 0; index < count; index++) {
    const final = index === count - 1;
    const nonce = Buffer.alloc(12);
    nonce.writeUInt32BE(index, 7);
    nonce[11] = final ? 1 : 0;
    const plain = bytes.subarray(index * chunk, Math.min(size, (index + 1) * chunk));
    chunks.push(gcm(dataKey, nonce, plain, `tollgate/2\nchunk\n${site}\n${id}\n${size}\n${chunk}\n${index}\n${final ? 1 : 0}`));
  }
  const preamble = Buffer.concat([Buffer.from("TGSA"), length, headerBytes]);
  return { preamble, chunks, sealed: new Uint8Array(Buffer.concat([preamble, ...chunks])) };
}

async function assetFixture(chunk = 7, size = 50) {
  const tierKey = crypto.randomBytes(32);
  const kid = crypto.randomBytes(8).toString("hex");
  const keys = new Map([[kid, await importTierKey(new Uint8Array(tierKey))]]);
  const site = "example.org/academy";
  const make = (id, bytes) => sealAssetHere({ site, id, tierKey, kid, bytes, chunk });
  const bytes = crypto.randomBytes(size);
  const id = crypto.randomBytes(16).toString("hex");
  return { site, keys, bytes, id, make, asset: make(id, bytes) };
}

/** A stream that hands out `bytes` in pieces of `size` bytes. */
function piecewise(bytes, size) {
  let at = 0;
  return new ReadableStream({
    pull(controller) {
      if (at >= bytes.length) return controller.close();
      controller.enqueue(bytes.slice(at, at + size));
      at += size;
    },
  });
}

test("the worked example's sealed asset opens to its bytes with the tier key", { skip: fs.existsSync(examplePath) ? false : "no format-example.json" }, async () => {
  const example = JSON.parse(fs.readFileSync(examplePath, "utf8"));
  const key = await importTierKey(new Uint8Array(Buffer.from(example.tier_key_hex, "hex")));
  const keys = new Map([[example.kid, key]]);
  const sealed = new Uint8Array(Buffer.from(example.asset_sealed_b64, "base64"));
  assert.equal(assetId(`/academy/assets/sealed/${example.asset_id}.bin`), example.asset_id);
  const opened = await openAsset(sealed, { site: example.site, id: example.asset_id, keys });
  assert.equal(Buffer.from(opened).toString("utf8"), example.asset_text);
  const header = JSON.parse(example.asset_header);
  assert.equal(header.v, 2);
  assert.ok(header.size > 2 * header.chunk, "the example has three chunks or more");
  await rejectsWith(openAsset(sealed, { site: "other.example.com", id: example.asset_id, keys }), "auth_failed", "another site");
  await rejectsWith(openAsset(sealed, { site: example.site, id: "0".repeat(32), keys }), "auth_failed", "another id");
});

test("an asset sealed here opens whole and from a stream in odd pieces, chunk by chunk", async () => {
  for (const size of [0, 1, 7, 8, 50]) {
    const { site, keys, bytes, id, asset } = await assetFixture(7, size);
    assert.deepEqual(Buffer.from(await openAsset(asset.sealed, { site, id, keys })), bytes, `${size} bytes`);
    const chunks = [];
    const result = await openAssetStream(piecewise(asset.sealed, 3), { site, id, keys, onChunk: (c) => chunks.push(c) });
    assert.equal(result.size, size);
    assert.equal(chunks.length, Math.max(1, Math.ceil(size / 7)));
    assert.deepEqual(Buffer.concat(chunks), bytes);
  }
});

test("a tampered, cut, extended, reordered or spliced asset fails auth_failed", async () => {
  const { site, keys, bytes, id, make, asset } = await assetFixture();
  const open = (sealed, what, args = {}) => rejectsWith(openAsset(sealed, { site, id, keys, ...args }), "auth_failed", what);
  const bodyStart = asset.preamble.length;
  for (let at = bodyStart; at < asset.sealed.length; at += 5) {
    const changed = asset.sealed.slice();
    changed[at] ^= 1;
    await open(changed, `byte ${at} flipped`);
  }
  const join = (...parts) => new Uint8Array(Buffer.concat(parts));
  const { preamble, chunks } = asset;
  await open(join(preamble, ...chunks.slice(0, -1)), "the last chunk dropped");
  await open(asset.sealed.subarray(0, asset.sealed.length - 1), "one byte cut");
  await open(join(preamble, ...chunks, Buffer.from([0])), "one byte added");
  await open(join(preamble, ...chunks, chunks.at(-1)), "the last chunk twice");
  await open(join(preamble, chunks[1], chunks[0], ...chunks.slice(2)), "two chunks swapped");
  const otherBytes = Buffer.from(bytes);
  otherBytes[0] ^= 0xff;
  const other = make(crypto.randomBytes(16).toString("hex"), otherBytes);
  await open(join(preamble, chunks[0], other.chunks[1], ...chunks.slice(2)), "a chunk of another asset");
  await open(join(other.preamble, ...chunks), "the header of another asset");
  await open(asset.sealed, "another id", { id: "f".repeat(32) });
  await open(asset.sealed, "another site", { site: "example.org" });
  await rejectsWith(openAsset(asset.sealed, { site, id, keys: new Map() }), "no_key", "no key");
  await rejectsWith(openAsset(new Uint8Array(Buffer.from("GIF89a....")), { site, id, keys }), "corrupt", "not sealed");
  throwsWith(() => assetId("/assets/sealed/diagram.png"), "corrupt", "an address that is not a sealed asset");
});

test("fetchAsset streams a sealed asset into a Blob of the given type", async () => {
  const { site, keys, bytes, id, asset } = await assetFixture(7, 5000);
  const url = `/academy/assets/sealed/${id}.bin`;
  const fetch = async (address) => {
    assert.equal(address, url);
    return new Response(piecewise(asset.sealed, 1000));
  };
  const blob = await fetchAsset(url, { site, keys, type: "image/png", fetch });
  assert.equal(blob.type, "image/png");
  assert.deepEqual(Buffer.from(await blob.arrayBuffer()), bytes);
  const cut = async () => new Response(asset.sealed.subarray(0, asset.sealed.length - 30));
  await rejectsWith(fetchAsset(url, { site, keys, fetch: cut }), "auth_failed", "a cut download");
  await rejectsWith(fetchAsset(url, { site, keys, fetch: async () => new Response("no", { status: 404 }) }), "corrupt", "a missing file");
});

/** Just enough of the DOM for openAssets: elements with attributes, listeners and a parent. */
function fakeElement(tag, attributes = {}, parent = null) {
  const listeners = {};
  return {
    tagName: tag.toUpperCase(),
    attributes: { ...attributes },
    parentElement: parent,
    loads: 0,
    getAttribute(name) {
      return name in this.attributes ? this.attributes[name] : null;
    },
    setAttribute(name, value) {
      this.attributes[name] = String(value);
    },
    removeAttribute(name) {
      delete this.attributes[name];
    },
    addEventListener(type, listener) {
      listeners[type] = listener;
    },
    dispatch(type, event) {
      return listeners[type](event);
    },
    load() {
      this.loads += 1;
    },
    click() {
      this.clicked = true;
    },
    remove() {},
  };
}

test("openAssets fills src and poster with blob: URLs of the given type, and saves a download under its name", async () => {
  const { site, keys, bytes, id, make, asset } = await assetFixture(7, 100);
  const url = `/academy/assets/sealed/${id}.bin`;
  const brokenId = crypto.randomBytes(16).toString("hex");
  const broken = make(brokenId, bytes).sealed.slice();
  broken[broken.length - 1] ^= 1;
  const brokenURL = `/academy/assets/sealed/${brokenId}.bin`;
  const files = { [url]: asset.sealed, [brokenURL]: broken };
  const fetched = [];
  const fetch = async (address) => {
    fetched.push(address);
    return new Response(files[address]);
  };
  const image = fakeElement("img", { "data-tollgate-asset": url, "data-tollgate-attr": "src", "data-tollgate-type": "image/png", width: "10", height: "10" });
  const video = fakeElement("video");
  const source = fakeElement("source", { "data-tollgate-asset": url, "data-tollgate-attr": "src", "data-tollgate-type": "video/mp4" }, video);
  const link = fakeElement("a", { href: url, "data-tollgate-asset": url, "data-tollgate-attr": "download", "data-tollgate-type": "application/zip", download: "solutions.zip" });
  const bad = fakeElement("img", { "data-tollgate-asset": brokenURL, "data-tollgate-attr": "src", "data-tollgate-type": "image/png" });
  const root = { querySelectorAll: (selector) => (assert.equal(selector, "[data-tollgate-asset]"), [image, source, link, bad]) };
  const blobs = new Map();
  const win = {
    URL: {
      createObjectURL(blob) {
        const address = `blob:test/${blobs.size}`;
        blobs.set(address, blob);
        return address;
      },
      revokeObjectURL() {},
    },
    setTimeout: () => 0,
  };
  const saved = [];
  const doc = {
    createElement: (tag) => fakeElement(tag),
    body: { append: (element) => saved.push(element) },
  };
  const errors = [];
  await openAssets(root, { site, keys, doc, win, fetch, onError: (element, error) => errors.push([element, error]) });
  for (const [element, type] of [[image, "image/png"], [source, "video/mp4"]]) {
    const blob = blobs.get(element.getAttribute("src"));
    assert.ok(blob, `${element.tagName} has a blob: src`);
    assert.equal(blob.type, type);
    assert.deepEqual(Buffer.from(await blob.arrayBuffer()), bytes);
  }
  assert.equal(video.loads, 1, "the video reloads its sources");
  assert.equal(bad.getAttribute("src"), null, "a tampered asset sets nothing");
  assert.equal(errors.length, 1);
  assert.equal(errors[0][0], bad);
  assert.equal(errors[0][1].code, "auth_failed");
  // The download is fetched only when clicked, and saved under its own name.
  assert.equal(fetched.filter((address) => address === url).length, 2);
  let prevented = false;
  await link.dispatch("click", { preventDefault: () => (prevented = true) });
  assert.ok(prevented);
  assert.equal(saved.length, 1);
  assert.equal(saved[0].getAttribute("download"), "solutions.zip");
  assert.ok(saved[0].clicked);
  const download = blobs.get(saved[0].getAttribute("href"));
  assert.equal(download.type, "application/zip");
  assert.deepEqual(Buffer.from(await download.arrayBuffer()), bytes);
});
