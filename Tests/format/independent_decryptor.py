#!/usr/bin/env python3
"""A decryptor for Tollgate's sealed format v1, written from docs/FORMAT.md alone.

It shares no code with the Swift build or the browser module: BLAKE2b, SHA-256, HMAC and
raw DEFLATE come from Python's standard library, AES-256-GCM and HKDF from the
`cryptography` package.

    python3 Tests/format/independent_decryptor.py                 # the worked example
    python3 Tests/format/independent_decryptor.py SITE_DIR SITE_ID MASTER_KEY_B64
        # every sealed page of a built site: open with the master key (derivation)
        # and with each tier's access code; print the number of pages opened
"""
import base64
import hashlib
import json
import os
import re
import struct
import sys
import zlib

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def derive(master, name, parts, n):
    message = b"tollgate/1 " + name.encode()
    for part in parts:
        message += struct.pack(">I", len(part)) + part
    return hashlib.blake2b(message, key=master, digest_size=n).digest()


def tier_key(master, tier, epoch):
    return derive(master, "tier-key", [tier.encode(), str(epoch).encode()], 32)


def kid(key):
    return hashlib.blake2b(b"tollgate/1 key-id" + key, digest_size=32).digest()[:8].hex()


def luhn32(values):
    total, factor = 0, 2
    for value in reversed(values):
        product = value * factor
        total += product // 32 + product % 32
        factor = 1 if factor == 2 else 2
    return (32 - total % 32) % 32


def read_code(text):
    text = text.upper().replace("-", "").replace(" ", "").replace("O", "0").replace("I", "1").replace("L", "1")
    if len(text) != 28 or any(c not in ALPHABET for c in text):
        raise ValueError("not a code")
    values = [ALPHABET.index(c) for c in text]
    if luhn32(values[:-1]) != values[-1]:
        raise ValueError("check character")
    if text[0] != "C":
        raise ValueError("not an access code")
    bits = "".join(format(v, "05b") for v in values[1:27])
    if bits[128:] != "00":
        raise ValueError("padding")
    return bytes(int(bits[i:i + 8], 2) for i in range(0, 128, 8))


def code_id(secret):
    return hashlib.sha256(b"tollgate/1 code-id" + secret).digest()[:8].hex()


def key_from_code(code_text, site_data, site):
    secret = read_code(code_text)
    entry = next(c for c in site_data["codes"] if c["id"] == code_id(secret))
    kek = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"tollgate/1", info=b"tollgate/1 code-kek").derive(secret)
    aad = f"tollgate/1\ncode\n{site}\n{entry['tier']}\n{entry['epoch']}\n{entry['kid']}".encode()
    key = AESGCM(kek).decrypt(base64.b64decode(entry["nonce"]), base64.b64decode(entry["key"]), aad)
    assert kid(key) == entry["kid"], "envelope key id"
    return key


def open_chapter(payload, site, path, key):
    assert payload["v"] == 1
    epoch = payload["epoch"]
    wrap = next(w for w in payload["wraps"] if w["kid"] == kid(key))
    aad_wrap = f"tollgate/1\nwrap\n{site}\n{path}\n{epoch}\n{wrap['kid']}".encode()
    data_key = AESGCM(key).decrypt(base64.b64decode(wrap["nonce"]), base64.b64decode(wrap["key"]), aad_wrap)
    aad_body = f"tollgate/1\nbody\n{site}\n{path}\n{epoch}".encode()
    compressed = AESGCM(data_key).decrypt(base64.b64decode(payload["body"]["nonce"]), base64.b64decode(payload["body"]["ct"]), aad_body)
    return zlib.decompress(compressed, wbits=-15).decode("utf-8")


def worked_example():
    here = os.path.dirname(os.path.abspath(__file__))
    with open(os.path.join(here, "..", "js", "format-example.json"), encoding="utf-8") as f:
        example = json.load(f)
    master = bytes.fromhex(example["master_key_hex"])
    payload = json.loads(example["payload"])
    site_data = json.loads(example["site_data"])
    key = tier_key(master, example["tier"], int(example["epoch"]))
    assert key.hex() == example["tier_key_hex"], "tier key derivation"
    assert kid(key) == example["kid"], "key id"
    assert open_chapter(payload, example["site"], example["path"], key) == example["html"], "open with the derived key"
    code_key = key_from_code(example["code"], site_data, example["site"])
    assert code_key == key, "the access code's envelope holds the tier key"
    assert open_chapter(payload, example["site"], example["path"], code_key) == example["html"]
    print("worked example: ok")


def built_site(folder, site, master_b64, codes):
    master = base64.b64decode(master_b64)
    with open(os.path.join(folder, "assets", "tollgate-site.js"), encoding="utf-8") as f:
        module = f.read()
    assert module.startswith("export default ") and module.endswith(";\n"), "site module shape"
    site_data = json.loads(module[len("export default "):-2])
    assert site_data["site"] == site, "site id of the site module"
    opened = 0
    for root, _, files in os.walk(folder):
        if "index.html" not in files:
            continue
        with open(os.path.join(root, "index.html"), encoding="utf-8") as f:
            html = f.read()
        match = re.search(r'<script type="application/json" id="tollgate-sealed">(.*?)</script>', html, re.S)
        if not match:
            continue
        payload = json.loads(match.group(1))
        path = os.path.relpath(root, folder).replace(os.sep, "/") + "/"
        for wrap in payload["wraps"]:
            text = open_chapter(payload, site, path, tier_key(master, wrap["tier"], payload["epoch"]))
            assert text and text not in html
            code = codes.get(wrap["tier"])
            if code:
                assert open_chapter(payload, site, path, key_from_code(code, site_data, site)) == text
        opened += 1
    assert opened > 0, "no sealed pages"
    print(f"built site: {opened} sealed pages opened")


if __name__ == "__main__":
    if len(sys.argv) == 1:
        worked_example()
    else:
        built_site(sys.argv[1], sys.argv[2], sys.argv[3], json.loads(os.environ.get("TOLLGATE_CODES", "{}")))
