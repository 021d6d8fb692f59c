#!/usr/bin/env node
// How much bigger a sealed chapter page is than the same page in plain text, gzipped.
//
//   node bench/sealed_size.mjs SITE_DIR [--codes FILE]
//
// SITE_DIR is a site built by `tollgate build`. The access codes come from FILE (the
// output of `tollgate keys codes`: TIER<TAB>EPOCH<TAB>CODE lines; "-" reads standard
// input) or from the environment variable TOLLGATE_CODES (JSON: tier id → code).
//
// The site data (site id, tiers, strings, the access codes' envelopes) is read once from
// assets/tollgate-site.js. For every page with #tollgate-sealed it opens the premium part
// with a code of a tier that has a wrap (assets/tollgate.js's own openChapter), then makes
// the plaintext page: the sealed page with the premium HTML in place (at the end of the
// teaser's `div.chapter-content`) and the #tollgate-sealed script removed. Both are
// compressed with gzip -9 (node:zlib), and the ratio sealed / plaintext is printed per
// page, with the median and the total against the target of 1.1. The site module is a
// shared asset that browsers fetch once and cache across pages: its gzip size is printed
// once, apart, and is not in the per-page ratios. Exit status 0 even when the target is
// missed; 1 when a page cannot be read or opened.

import fs from "node:fs";
import path from "node:path";
import zlib from "node:zlib";
import { fileURLToPath } from "node:url";

import { chapterPath, checkSiteData, openChapter, unlockWithCode } from "../Sources/TollgateSite/Resources/theme/assets/tollgate.js";

const TARGET = 1.1;

function fail(message) {
  console.error(`sealed_size: ${message}`);
  process.exit(1);
}

function parseArguments(argv) {
  const args = { site: null, codesFile: null };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--codes") args.codesFile = argv[++i];
    else if (argv[i] === "-h" || argv[i] === "--help") {
      console.log("usage: node bench/sealed_size.mjs SITE_DIR [--codes FILE]  (or TOLLGATE_CODES='{\"tier\":\"CODE\"}')");
      process.exit(0);
    } else if (!args.site) args.site = argv[i];
    else fail(`unexpected argument ${argv[i]}`);
  }
  if (!args.site) fail("name a built site: node bench/sealed_size.mjs SITE_DIR [--codes FILE]");
  return args;
}

function readCodes(codesFile) {
  if (codesFile) {
    const text = fs.readFileSync(codesFile === "-" ? 0 : codesFile, "utf8");
    const codes = {};
    for (const line of text.split("\n")) {
      const [tier, , code] = line.split("\t");
      if (tier && code) codes[tier.trim()] = code.trim();
    }
    return codes;
  }
  if (process.env.TOLLGATE_CODES) return JSON.parse(process.env.TOLLGATE_CODES);
  fail("no codes: pass --codes FILE (the output of `tollgate keys codes`) or set TOLLGATE_CODES");
}

function walk(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? walk(full) : entry.name.endsWith(".html") ? [full] : [];
  });
}

const SCRIPT = (id) => new RegExp(`<script type="application/json" id="${id}">([\\s\\S]*?)</script>\\n?`);

/** The page with the premium HTML at the end of the teaser and #tollgate-sealed removed. */
function plaintextPage(sealed, premium, file) {
  const teaserEnd = sealed.search(/<\/div>\s*<section class="locked"/);
  if (teaserEnd < 0) fail(`${file}: no teaser div followed by section.locked`);
  const withPremium = sealed.slice(0, teaserEnd) + premium + sealed.slice(teaserEnd);
  return withPremium.replace(SCRIPT("tollgate-sealed"), "");
}

/** assets/tollgate-site.js: its text and the site data (`export default ` + JSON + `;\n`). */
function readSiteModule(root) {
  const file = path.join(root, "assets", "tollgate-site.js");
  if (!fs.existsSync(file)) fail(`${root} has no assets/tollgate-site.js (a site built before the site module?)`);
  const text = fs.readFileSync(file, "utf8");
  const prefix = "export default ";
  if (!text.startsWith(prefix) || !text.endsWith(";\n")) fail("assets/tollgate-site.js is not `export default` JSON `;`");
  try {
    return { text, siteData: checkSiteData(JSON.parse(text.slice(prefix.length, -2))) };
  } catch (error) {
    fail(`assets/tollgate-site.js: ${error.message}`);
  }
}

const gzipSize = (text) => zlib.gzipSync(Buffer.from(text), { level: 9 }).length;

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

async function main() {
  const args = parseArguments(process.argv.slice(2));
  const codes = readCodes(args.codesFile);
  const root = path.resolve(args.site);
  const siteModule = readSiteModule(root);
  const { siteData } = siteModule;
  const rows = [];
  for (const file of walk(root).sort()) {
    const sealed = fs.readFileSync(file, "utf8");
    if (!sealed.includes('id="tollgate-sealed"')) continue;
    const relative = path.relative(root, file);
    const match = sealed.match(SCRIPT("tollgate-sealed"));
    if (!match) fail(`${relative}: no parsable #tollgate-sealed`);
    const payload = JSON.parse(match[1]);
    const wrap = payload.wraps.find((w) => w.tier in codes);
    if (!wrap) fail(`${relative}: no code for any of the tiers ${payload.wraps.map((w) => w.tier).join(", ")}`);
    const url = new URL(relative.split(path.sep).map(encodeURIComponent).join("/"), "http://127.0.0.1/");
    const chapter = chapterPath(url, "http://127.0.0.1/");
    let premium;
    try {
      const { key, kid } = await unlockWithCode(codes[wrap.tier], { payload, siteData });
      premium = await openChapter({ payload, site: siteData.site, path: chapter, keys: new Map([[kid, key]]) });
    } catch (error) {
      fail(`${relative}: does not open with the ${wrap.tier} code: ${error.code || ""} ${error.message}`);
    }
    const plain = plaintextPage(sealed, premium, relative);
    rows.push({ chapter, premium: Buffer.byteLength(premium), sealed: gzipSize(sealed), plain: gzipSize(plain) });
  }
  if (rows.length === 0) fail(`no page of ${root} carries #tollgate-sealed`);

  const width = Math.max(7, ...rows.map((r) => r.chapter.length));
  console.log(`${"chapter".padEnd(width)}  ${"premium B".padStart(9)}  ${"plain gz".padStart(8)}  ${"sealed gz".padStart(9)}  ratio`);
  for (const r of rows) {
    console.log(`${r.chapter.padEnd(width)}  ${String(r.premium).padStart(9)}  ${String(r.plain).padStart(8)}  ${String(r.sealed).padStart(9)}  ${(r.sealed / r.plain).toFixed(3)}`);
  }
  const ratios = rows.map((r) => r.sealed / r.plain);
  const total = rows.reduce((n, r) => n + r.sealed, 0) / rows.reduce((n, r) => n + r.plain, 0);
  const med = median(ratios);
  console.log(`${rows.length} sealed pages; gzip -9 size sealed / plaintext: median ${med.toFixed(3)}, max ${Math.max(...ratios).toFixed(3)}, all pages together ${total.toFixed(3)}`);
  const moduleBytes = Buffer.byteLength(siteModule.text);
  console.log(
    `shared, fetched once and cached: assets/tollgate-site.js ${moduleBytes} B, gzip -9 ${gzipSize(siteModule.text)} B ` +
      `(${(siteData.codes || []).length} code entries, ${(siteData.tiers || []).length} tiers); not in the ratios above`,
  );
  console.log(`target: median <= ${TARGET}: ${med <= TARGET ? "PASS" : "FAIL"}`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((error) => fail(error.stack || String(error)));
}
