// Tests of tollgate.js's license-server source (docs/server.md) under Node, with a fake
// fetch that records every request and answers from canned responses:
//
//   node --test Tests/js/
//
// The chapter is the worked example of docs/FORMAT.md (Tests/js/format-example.json): its
// `member` tier key is what the fake server hands out. Messages are checked against the
// theme's own strings tables (en.yml, zh-CN.yml).

import test from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import crypto from "node:crypto";
import { fileURLToPath } from "node:url";

import {
  TollgateError,
  formatCode,
  parseCode,
  openChapter,
  unlockWithCode,
  memoryKeyStore,
  keySources,
  licenseServerSource,
  openWithKeptKeys,
  errorMessage,
} from "../../Sources/TollgateSite/Resources/theme/assets/tollgate.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const stringsFolder = path.join(here, "../../Sources/TollgateSite/Resources/strings");

/** A strings table: the theme's yml files are a flat map of `key: "double-quoted text"`. */
function readStrings(language) {
  const strings = {};
  for (const line of fs.readFileSync(path.join(stringsFolder, `${language}.yml`), "utf8").split("\n")) {
    const match = line.match(/^(\w+): (".*")\s*$/);
    if (match) strings[match[1]] = JSON.parse(match[2]);
  }
  return strings;
}

const EN = readStrings("en");
const ZH = readStrings("zh-CN");

const example = JSON.parse(fs.readFileSync(path.join(here, "format-example.json"), "utf8"));
const payload = JSON.parse(example.payload);
const SERVER = "http://127.0.0.1:8787";
const TIER_KEY = Buffer.from(example.tier_key_hex, "hex");

/** The example's site data as a built site with a license server has it. */
function siteDataWith(overrides = {}) {
  return {
    ...JSON.parse(example.site_data),
    lang: "en",
    license_server: `${SERVER}/`, // a trailing slash, as site.yml may write it
    tiers: [
      { id: "member", name: "Member", checkout_url: null, includes: [] },
      { id: "pro", name: "Pro", checkout_url: null, includes: ["member"] },
      { id: "course-x", name: "Course X", checkout_url: null, includes: [] },
    ],
    strings: Object.fromEntries(Object.entries(EN).filter(([key]) => key.startsWith("unlock_"))),
    ...overrides,
  };
}

const siteData = siteDataWith();
const zhSiteData = siteDataWith({ lang: "zh-CN", strings: Object.fromEntries(Object.entries(ZH).filter(([key]) => key.startsWith("unlock_"))) });

/** An unlock result (docs/server.md) handing out `keys` ({tier, epoch, kid, bytes}). */
function unlockResult(keys = [{ tier: "member", epoch: 1, kid: example.kid, bytes: TIER_KEY }], token = "dt_one") {
  return {
    keys: keys.map(({ tier, epoch, kid, bytes }) => ({ tier, epoch, kid, key: Buffer.from(bytes).toString("base64") })),
    device_token: token,
    tiers: [...new Set(keys.map((k) => k.tier))],
    expires_at: null,
    devices: { in_use: 1, limit: 3 },
  };
}

/** A key of another epoch, as the server handed it out before a rotation. */
const OLD_KEY = { tier: "member", epoch: 0, kid: "00112233445566ff", bytes: crypto.randomBytes(32) };

/**
 * A fetch double: `routes` maps a path to an answer, or to a function of the request (and
 * of how many requests came before) giving one: `{status, body, headers}` or an Error to
 * throw (a network failure). Every request is recorded with its parsed JSON body.
 */
function fakeServer(routes) {
  const requests = [];
  const fetch = async (url, init) => {
    const request = { url: String(url), path: new URL(url).pathname, init, body: JSON.parse(init.body) };
    requests.push(request);
    const route = routes[request.path];
    assert.ok(route, `an unexpected request to ${request.url}`);
    const answer = typeof route === "function" ? await route(request, requests.length - 1) : route;
    if (answer instanceof Error) throw answer;
    const { status = 200, body = {}, headers = {} } = answer;
    return new Response(typeof body === "string" ? body : JSON.stringify(body), {
      status,
      headers: { "Content-Type": "application/json", ...headers },
    });
  };
  return { fetch, requests, paths: () => requests.map((r) => r.path) };
}

/** A memory key store that also remembers every value written to it. */
function spyStore() {
  const store = memoryKeyStore();
  const written = [];
  const spied = { ...store };
  for (const name of ["put", "putState", "keepState"]) {
    spied[name] = (value) => {
      written.push(value);
      return store[name](value);
    };
  }
  return { store: spied, written };
}

function licenseKey() {
  return formatCode(new Uint8Array(crypto.randomBytes(16)), "license");
}

/** Every string (keys included) reachable from `value`. */
function stringsIn(value, out = []) {
  if (typeof value === "string") out.push(value);
  else if (value && typeof value === "object" && !(value instanceof CryptoKey)) {
    for (const [k, v] of Object.entries(value)) {
      out.push(k);
      stringsIn(v, out);
    }
  }
  return out;
}

async function rejectsWith(promise, code, what) {
  let caught = null;
  await assert.rejects(promise, (error) => {
    assert.ok(error instanceof TollgateError, `${what}: expected a TollgateError "${code}", got ${error && error.stack}`);
    assert.equal(error.code, code, `${what}: expected "${code}", got "${error.code}" (${error.message})`);
    caught = error;
    return true;
  });
  return caught;
}

/** Unlocks the example with a license key against `server`; resolves to unlockWithCode's result. */
function unlock(key, server, store, data = siteData) {
  return unlockWithCode(key, { payload, siteData: data, tier: "member", store, fetch: server.fetch });
}

/** A store holding a device token (from an unlock that handed out `keys`) and its keys. */
async function signedInStore(keys = [OLD_KEY]) {
  const store = memoryKeyStore();
  const server = fakeServer({ "/v1/unlock": { body: unlockResult(keys) } });
  await licenseServerSource({ siteData, store, fetch: server.fetch })
    .unlock(parseCode(licenseKey()))
    .then((records) => Promise.all(records.map((r) => store.put(r))));
  return store;
}

function openKept(store, server, data = siteData) {
  return openWithKeptKeys({ payload, siteData: data, path: example.path, store, sources: keySources({ siteData: data, store, fetch: server.fetch }) });
}

// ------------------------------------------------------------------ unlocking

test("a license key unlocks through the server: its keys are kept, the license key is not", async () => {
  const { store, written } = spyStore();
  const server = fakeServer({ "/v1/unlock": { body: unlockResult() } });
  const key = licenseKey();
  const typed = ` ${key.toLowerCase().replace(/-/g, " ")} `;
  const result = await unlock(typed, server, store);
  assert.deepEqual([result.tier, result.epoch, result.kid], ["member", 1, example.kid]);

  assert.equal(server.requests.length, 1);
  const [request] = server.requests;
  assert.equal(request.url, `${SERVER}/v1/unlock`, "the trailing slash of license_server is not doubled");
  assert.equal(request.init.method, "POST");
  assert.equal(request.init.mode, "cors");
  assert.equal(request.init.credentials, "omit");
  assert.equal(request.init.headers["Content-Type"], "application/json");
  assert.ok(request.init.signal instanceof AbortSignal, "the request can time out");
  assert.deepEqual(Object.keys(request.body).sort(), ["device_id", "license_key"]);
  assert.equal(request.body.license_key, key, "the normalized grouped text is sent");
  assert.match(request.body.device_id, /^[A-Za-z0-9_-]{22}$/);

  const records = await store.all();
  assert.equal(records.length, 1);
  const [record] = records;
  assert.deepEqual(Object.keys(record).sort(), ["epoch", "key", "kid", "site", "source", "tier"]);
  assert.deepEqual([record.kid, record.tier, record.epoch, record.site, record.source], [example.kid, "member", 1, siteData.site, "license"]);
  assert.equal(record.key.extractable, false);
  assert.deepEqual(record.key.usages, ["unwrapKey"]);
  assert.equal(await openChapter({ payload, site: siteData.site, path: example.path, keys: new Map([[record.kid, record.key]]) }), example.html);

  const session = await store.getState(`session ${SERVER}`);
  assert.deepEqual(session, { name: `session ${SERVER}`, server: SERVER, token: "dt_one", tiers: ["member"] });
  assert.equal((await store.getState("device")).id, request.body.device_id);

  const bare = key.replace(/-/g, "");
  const secret = Buffer.from(parseCode(key).secret);
  const traces = [key, bare, secret.toString("hex"), secret.toString("base64")].map((t) => t.toUpperCase());
  for (const text of stringsIn(written)) {
    for (const trace of traces) assert.ok(!text.toUpperCase().includes(trace), `the store was given the license key: ${text}`);
  }
});

test("the device id is made once per browser: the same on a second unlock, another in another browser", async () => {
  const server = fakeServer({ "/v1/unlock": { body: unlockResult() } });
  const store = memoryKeyStore();
  await unlock(licenseKey(), server, store);
  await unlock(licenseKey(), server, store);
  const other = memoryKeyStore();
  await unlock(licenseKey(), server, other);
  const [first, second, third] = server.requests.map((r) => r.body.device_id);
  assert.equal(second, first);
  assert.notEqual(third, first);
});

test("a mistyped license key is caught before any request", async () => {
  const server = fakeServer({});
  const key = licenseKey();
  const chars = key.split("");
  chars[7] = chars[7] === "A" ? "B" : "A";
  const error = await rejectsWith(unlock(chars.join(""), server, memoryKeyStore()), "invalid_format", "a typo");
  assert.equal(error.kind, "license");
  assert.equal(server.requests.length, 0);
  assert.equal(errorMessage(error, { siteData }).text, EN.unlock_invalid_format_license);
  // A mistyped access code on the same site is still told as a code.
  const code = parseCode(example.code).text.replace(/5$/, "6");
  const codeError = await rejectsWith(unlock(code, server, memoryKeyStore()), "invalid_format", "a mistyped code");
  assert.equal(errorMessage(codeError, { siteData }).text, EN.unlock_invalid_format);
  assert.equal(server.requests.length, 0);
});

test("without a license server a license key still needs one, and no source asks anything", async () => {
  const noServer = siteDataWith({ license_server: null });
  assert.deepEqual(keySources({ siteData: noServer }).map((s) => s.name), ["code"]);
  assert.deepEqual(keySources({ siteData }).map((s) => s.name), ["code", "license"]);
  const server = fakeServer({});
  await rejectsWith(unlock(licenseKey(), server, memoryKeyStore(), noServer), "license_key_needs_server", "no server");
  assert.equal(server.requests.length, 0);
  // Access codes work as before on a site with a license server.
  const result = await unlock(example.code, server, memoryKeyStore());
  assert.equal(result.kid, example.kid);
  assert.equal(server.requests.length, 0);
});

test("a license whose tiers have no wrap here is other_tier, told as a license", async () => {
  const store = memoryKeyStore();
  const key = { tier: "course-x", epoch: 1, kid: "a1a2a3a4a5a6a7a8", bytes: crypto.randomBytes(32) };
  const server = fakeServer({ "/v1/unlock": { body: unlockResult([key]) } });
  const error = await rejectsWith(unlock(licenseKey(), server, store), "other_tier", "a license of another tier");
  assert.equal(error.source, "license");
  assert.equal((await store.all()).length, 1, "its key is kept all the same");
  assert.equal(errorMessage(error, { siteData, tier: "member" }).text, "Your license unlocks Course X, which does not include this chapter: it needs Member.");
});

test("unlocking with another license signs the previous device token out", async () => {
  let n = 0;
  const server = fakeServer({
    "/v1/unlock": () => ({ body: unlockResult(undefined, `dt_${++n}`) }),
    "/v1/signout": { body: { signed_out: true } },
  });
  const store = memoryKeyStore();
  await unlock(licenseKey(), server, store);
  await unlock(licenseKey(), server, store);
  await new Promise((resolve) => setImmediate(resolve)); // the sign-out is not awaited
  assert.deepEqual(server.paths(), ["/v1/unlock", "/v1/unlock", "/v1/signout"]);
  assert.deepEqual(server.requests[2].body, { device_token: "dt_1" });
  assert.equal((await store.getState(`session ${SERVER}`)).token, "dt_2");
});

// ------------------------------------------------------------------ refreshing

test("a page whose kid the store lacks is opened through /v1/refresh, with no prompt", async () => {
  const store = await signedInStore([OLD_KEY]);
  const server = fakeServer({ "/v1/refresh": { body: unlockResult(undefined, "dt_one") } });
  const opened = await openKept(store, server);
  assert.ok(opened, "opened without asking");
  assert.equal(opened.html, example.html);
  assert.equal(opened.record.source, "license");
  assert.deepEqual(server.paths(), ["/v1/refresh"]);
  assert.deepEqual(server.requests[0].body, { device_token: "dt_one" });
  assert.deepEqual((await store.all()).map((r) => r.kid), [example.kid], "the new key is kept, the one the server no longer lists dropped");
  // Next time the kept key opens it: no request.
  const quiet = fakeServer({});
  assert.equal((await openKept(store, quiet)).html, example.html);
  assert.equal(quiet.requests.length, 0);
});

test("no device token, or a license without this chapter's tiers: no refresh, the reader is asked", async () => {
  const server = fakeServer({});
  assert.equal(await openKept(memoryKeyStore(), server), null);
  const store = await signedInStore([{ ...OLD_KEY, tier: "course-x" }]);
  assert.equal(await openKept(store, server), null);
  assert.equal(server.requests.length, 0);
});

for (const [status, error, message] of [
  [401, { code: "unknown_device", message: "signed out" }, EN.unlock_unknown_device],
  [403, { code: "revoked", reason: "refunded" }, "This license key was refunded, so it no longer unlocks chapters."],
  [403, { code: "expired", expires_at: "2026-03-14T12:00:00Z", renew_url: null }, "Your license expired on March 14, 2026."],
]) {
  test(`a refresh answered ${status} ${error.code} forgets the token and the license's keys`, async () => {
    const store = await signedInStore([OLD_KEY]);
    const codeKey = (await unlock(example.code, fakeServer({}), memoryKeyStore())).records[0];
    await store.put({ ...codeKey, kid: "c0dec0dec0dec0de" }); // a code's key, not the server's
    const server = fakeServer({ "/v1/refresh": { status, body: { error } } });
    const caught = await rejectsWith(openKept(store, server), error.code, "the refresh");
    assert.equal(errorMessage(caught, { siteData, timeZone: "UTC" }).text, message);
    assert.equal(await store.getState(`session ${SERVER}`), undefined, "the token is forgotten");
    assert.deepEqual((await store.all()).map((r) => r.source), ["code"], "the license's keys are forgotten, the code's kept");
    assert.ok(await store.getState("device"), "the device id stays");
  });
}

for (const [what, answer, code] of [
  ["a network failure", new TypeError("Failed to fetch"), "server_unreachable"],
  ["429", { status: 429, headers: { "Retry-After": "30" }, body: { error: { code: "rate_limited", retry_after: 30 } } }, "rate_limited"],
  ["500", { status: 500, body: "<html>Internal Server Error</html>" }, "server_error"],
]) {
  test(`a refresh that fails with ${what} keeps the token`, async () => {
    const store = await signedInStore([OLD_KEY]);
    const server = fakeServer({ "/v1/refresh": answer });
    await rejectsWith(openKept(store, server), code, what);
    assert.equal((await store.getState(`session ${SERVER}`)).token, "dt_one");
    assert.equal((await store.all()).length, 1);
  });
}

// ------------------------------------------------------------------ signing out

test("signing out tells the server and forgets the token and the license's keys", async () => {
  const store = await signedInStore([{ tier: "member", epoch: 1, kid: example.kid, bytes: TIER_KEY }]);
  const server = fakeServer({ "/v1/signout": { body: { signed_out: true } } });
  const source = licenseServerSource({ siteData, store, fetch: server.fetch });
  await source.signOut();
  assert.deepEqual(server.paths(), ["/v1/signout"]);
  assert.equal(server.requests[0].url, `${SERVER}/v1/signout`);
  assert.deepEqual(server.requests[0].body, { device_token: "dt_one" });
  assert.equal(await store.getState(`session ${SERVER}`), undefined);
  assert.deepEqual(await store.all(), []);
});

test("signing out forgets all the same when the server does not answer", async () => {
  for (const answer of [new TypeError("Failed to fetch"), { status: 429, body: { error: { code: "rate_limited" } } }]) {
    const store = await signedInStore();
    const server = fakeServer({ "/v1/signout": answer });
    await licenseServerSource({ siteData, store, fetch: server.fetch }).signOut();
    assert.equal(server.requests.length, 1);
    assert.equal(await store.getState(`session ${SERVER}`), undefined);
    assert.deepEqual(await store.all(), []);
  }
});

// ------------------------------------------------------------------ messages

/** The error of an unlock answered with `answer`. */
async function unlockError(answer, options = {}) {
  const server = fakeServer({ "/v1/unlock": answer });
  const source = licenseServerSource({ siteData, store: memoryKeyStore(), fetch: server.fetch, ...options });
  try {
    await source.unlock(parseCode(licenseKey()));
  } catch (error) {
    assert.ok(error instanceof TollgateError, `not a TollgateError: ${error && error.stack}`);
    return error;
  }
  assert.fail("the unlock succeeded");
}

const failing = (status, error, headers = {}) => ({ status, headers, body: { error: { message: "<b>server text</b>", ...error } } });

const MESSAGE_CASES = [
  ["400 malformed_license_key", failing(400, { code: "malformed_license_key" }), EN.unlock_invalid_format_license, ZH.unlock_invalid_format_license],
  ["401 unknown_license", failing(401, { code: "unknown_license" }), "This license key is not known. Check that you copied all of it.", ZH.unlock_unknown_license],
  ["401 unknown_device", failing(401, { code: "unknown_device" }), EN.unlock_unknown_device, ZH.unlock_unknown_device],
  ["403 revoked, refunded", failing(403, { code: "revoked", reason: "refunded" }), "This license key was refunded, so it no longer unlocks chapters.", ZH.unlock_revoked_refunded],
  ["403 revoked, subscription canceled", failing(403, { code: "revoked", reason: "subscription_canceled" }), EN.unlock_revoked_canceled, ZH.unlock_revoked_canceled],
  ["403 revoked by an admin", failing(403, { code: "revoked", reason: "revoked" }), EN.unlock_revoked, ZH.unlock_revoked],
  ["403 revoked, a reason that is a property name", failing(403, { code: "revoked", reason: "__proto__" }), EN.unlock_revoked, ZH.unlock_revoked],
  ["403 expired", failing(403, { code: "expired", expires_at: "2026-03-14T12:00:00Z", renew_url: "https://shop.example.com/renew?plan=pro" }), "Your license expired on March 14, 2026.", "你的许可证已于 2026年3月14日 到期。"],
  ["403 expired, no date", failing(403, { code: "expired", expires_at: "soon" }), "Your license has expired.", ZH.unlock_expired_undated],
  ["409 device_limit", failing(409, { code: "device_limit", devices_in_use: 3, device_limit: 3 }), "3 of 3 devices are already in use. Sign out on a device you no longer use, or ask us to free one.", "已有 3 台设备在使用（上限 3 台）。请在不再使用的设备上退出，或联系我们释放一个名额。"],
  ["429 with Retry-After", failing(429, { code: "rate_limited", retry_after: 99 }, { "Retry-After": "42" }), "Too many attempts. Try again in 42 seconds.", "尝试次数过多，请在 42 秒后重试。"],
  ["429 with retry_after only", failing(429, { code: "rate_limited", retry_after: 16.2 }), "Too many attempts. Try again in 17 seconds.", "尝试次数过多，请在 17 秒后重试。"],
  ["429 with no delay", { status: 429, body: "" }, EN.unlock_rate_limited_later, ZH.unlock_rate_limited_later],
  ["a network failure", new TypeError("Failed to fetch"), "Could not reach the license server. Check your connection and try again.", ZH.unlock_server_unreachable],
  ["400 invalid_field", failing(400, { code: "invalid_field", field: "device_id" }), EN.unlock_server_error, ZH.unlock_server_error],
  ["502 from a proxy", { status: 502, body: "<html>Bad Gateway</html>" }, EN.unlock_server_error, ZH.unlock_server_error],
  ["200 with a malformed result", { body: { keys: [{ tier: "member", epoch: 1, kid: example.kid, key: "short" }], device_token: "dt" } }, EN.unlock_server_error, ZH.unlock_server_error],
];

test("every answer of the server has its message, in English and in Chinese", async () => {
  for (const [what, answer, en, zh] of MESSAGE_CASES) {
    const error = await unlockError(answer);
    assert.equal(errorMessage(error, { siteData, timeZone: "UTC" }).text, en, `${what} (en)`);
    assert.equal(errorMessage(error, { siteData: zhSiteData, timeZone: "UTC" }).text, zh, `${what} (zh-CN)`);
    // Without the site's strings (an old site module), the built-in defaults say the same.
    assert.equal(errorMessage(error, { siteData: { ...siteData, strings: {} }, timeZone: "UTC" }).text, en, `${what} (defaults)`);
    assert.ok(!errorMessage(error, { siteData }).text.includes("server text"), `${what}: the server's own message is shown`);
  }
});

test("an expired license links to its renewal address, only when it is http(s)", async () => {
  const expired = (renew_url) => failing(403, { code: "expired", expires_at: "2026-03-14T00:00:00Z", renew_url });
  const { link } = errorMessage(await unlockError(expired("https://shop.example.com/renew?plan=pro")), { siteData });
  assert.deepEqual(link, { href: "https://shop.example.com/renew?plan=pro", text: "Renew" });
  assert.equal(errorMessage(await unlockError(expired("https://shop.example.com/")), { siteData: zhSiteData }).link.text, "续订");
  for (const unsafe of [null, "javascript:alert(1)", "data:text/html,<script>alert(1)</script>", "/relative", 42]) {
    assert.equal(errorMessage(await unlockError(expired(unsafe)), { siteData }).link, null, `renew_url ${unsafe}`);
  }
  assert.equal(errorMessage(await unlockError(failing(409, { code: "device_limit", renew_url: "https://x.org/" })), { siteData }).link, null);
});

test("a server that does not answer in time is unreachable", { timeout: 5000 }, async () => {
  // A server that never answers: only the request's own abort signal ends it.
  const fetch = (url, init) => new Promise((resolve, reject) => init.signal.addEventListener("abort", () => reject(init.signal.reason)));
  const source = licenseServerSource({ siteData, store: memoryKeyStore(), fetch, timeoutMs: 20 });
  await rejectsWith(source.unlock(parseCode(licenseKey())), "server_unreachable", "a hanging server");
});

test("zh-CN translates every unlock_ string of en", () => {
  const unlockKeys = Object.keys(EN).filter((key) => key.startsWith("unlock_"));
  assert.ok(unlockKeys.length > 30, "en.yml was read");
  for (const key of unlockKeys) {
    assert.ok(key in ZH, `zh-CN.yml has no ${key}`);
    if (key !== "unlock_placeholder") assert.notEqual(ZH[key], EN[key], `${key} is not translated`);
    const placeholders = (text) => (text.match(/\{\w+\}/g) || []).sort();
    assert.deepEqual(placeholders(ZH[key]), placeholders(EN[key]), `${key}: the placeholders differ`);
  }
  assert.deepEqual(Object.keys(ZH).filter((key) => key.startsWith("unlock_")).sort(), [...unlockKeys].sort());
});
