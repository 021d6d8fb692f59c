#!/usr/bin/env python3
"""A decryptor for Tollgate's sealed format v2, written from docs/FORMAT.md alone.

It shares no code with the Swift build or the browser module: BLAKE2b, SHA-256, HMAC and
raw DEFLATE come from Python's standard library, AES-256-GCM and HKDF from the
`cryptography` package.

    python3 Tests/format/independent_decryptor.py                 # the worked example
    python3 Tests/format/independent_decryptor.py SITE_DIR SITE_ID MASTER_KEY_B64
        # every sealed page and sealed asset of a built site: open with the master key
        # (derivation) and with each tier's access code; print the numbers opened
"""
import base64
import hashlib
import json
import os
import re
import struct
import sys
import unicodedata
import zlib

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def derive(master, name, parts, n, version=1):
    """derive1 (long-lived values) or derive2 (per-object values), FORMAT.md "Derivation"."""
    message = f"tollgate/{version} ".encode() + name.encode()
    for part in parts:
        message += struct.pack(">I", len(part)) + part
    return hashlib.blake2b(message, key=master, digest_size=n).digest()


def nonce2(master, name, parts):
    return derive(master, name, parts, 16, version=2)[:12]


def deflate(data):
    """The build's pinned compression (FORMAT.md, "Compression")."""
    bits = 9
    while bits < 15 and (1 << bits) < len(data) + 262:
        bits += 1
    compressor = zlib.compressobj(9, zlib.DEFLATED, -bits, 8, zlib.Z_DEFAULT_STRATEGY)
    return compressor.compress(data) + compressor.flush(zlib.Z_FINISH)


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
    kek = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"tollgate/2", info=b"tollgate/2 code-kek\n" + site.encode()).derive(secret)
    aad = f"tollgate/2\ncode\n{site}\n{entry['tier']}\n{entry['epoch']}\n{entry['kid']}".encode()
    key = AESGCM(kek).decrypt(base64.b64decode(entry["nonce"]), base64.b64decode(entry["key"]), aad)
    assert kid(key) == entry["kid"], "envelope key id"
    return key


def open_chapter(payload, site, path, key):
    assert payload["v"] == 2
    epoch = payload["epoch"]
    wrap = next(w for w in payload["wraps"] if w["kid"] == kid(key))
    aad_wrap = f"tollgate/2\nwrap\n{site}\n{path}\n{epoch}\n{wrap['kid']}".encode()
    data_key = AESGCM(key).decrypt(base64.b64decode(wrap["nonce"]), base64.b64decode(wrap["key"]), aad_wrap)
    aad_body = f"tollgate/2\nbody\n{site}\n{path}\n{epoch}".encode()
    compressed = AESGCM(data_key).decrypt(base64.b64decode(payload["body"]["nonce"]), base64.b64decode(payload["body"]["ct"]), aad_body)
    return zlib.decompress(compressed, wbits=-15).decode("utf-8")


class Tampered(Exception):
    """A sealed asset that is cut, extended or does not authenticate."""


def open_asset(stream, site, asset_id, key):
    """Opens a sealed asset from a binary file object, one chunk at a time (FORMAT.md,
    "Opening an asset"). Returns the bytes; raises Tampered or InvalidTag on any change."""
    from cryptography.exceptions import InvalidTag

    def take(n):
        data = stream.read(n)
        if len(data) != n:
            raise Tampered("cut short")
        return data

    preamble = take(8)
    if preamble[:4] != b"TGSA":
        raise ValueError("not a sealed asset")
    (length,) = struct.unpack(">I", preamble[4:])
    if length > 65536:
        raise ValueError("header too large")
    header = json.loads(take(length).decode("utf-8"))
    assert header["v"] == 2, "asset version"
    size, chunk, epoch = header["size"], header["chunk"], header["epoch"]
    assert 1 <= chunk <= 16 << 20 and size >= 0, "asset header"
    wrap = next(w for w in header["wraps"] if w["kid"] == kid(key))
    aad_wrap = f"tollgate/2\nasset-wrap\n{site}\n{asset_id}\n{epoch}\n{wrap['kid']}".encode()
    asset_key = AESGCM(key).decrypt(base64.b64decode(wrap["nonce"]), base64.b64decode(wrap["key"]), aad_wrap)
    count = max(1, -(-size // chunk))
    out = bytearray()
    for index in range(count):
        final = 1 if index == count - 1 else 0
        plain = size - chunk * (count - 1) if final else chunk
        nonce = bytes(7) + struct.pack(">I", index) + bytes([final])
        aad = f"tollgate/2\nchunk\n{site}\n{asset_id}\n{size}\n{chunk}\n{index}\n{final}".encode()
        try:
            out += AESGCM(asset_key).decrypt(nonce, take(plain + 16), aad)
        except InvalidTag as error:
            raise Tampered(f"chunk {index}") from error
    if stream.read(1):
        raise Tampered("bytes after the last chunk")
    return bytes(out)


def open_asset_bytes(sealed, site, asset_id, key):
    import io

    return open_asset(io.BytesIO(sealed), site, asset_id, key)


def check_asset_tampering(sealed, site, asset_id, key):
    """Every way of changing the example asset fails."""
    from cryptography.exceptions import InvalidTag

    (length,) = struct.unpack(">I", sealed[4:8])
    body = 8 + length
    chunks_start = body
    header = json.loads(sealed[8:body])
    sealed_chunk = header["chunk"] + 16
    first, second = sealed[chunks_start:chunks_start + sealed_chunk], sealed[chunks_start + sealed_chunk:chunks_start + 2 * sealed_chunk]
    cases = {
        "flipped byte": sealed[:-1] + bytes([sealed[-1] ^ 1]),
        "cut at a chunk": sealed[:-(header["size"] - 2 * header["chunk"] + 16)],
        "cut": sealed[:-1],
        "extended": sealed + b"\0",
        "reordered": sealed[:chunks_start] + second + first + sealed[chunks_start + 2 * sealed_chunk:],
    }
    for name, changed in cases.items():
        try:
            open_asset_bytes(changed, site, asset_id, key)
        except (Tampered, InvalidTag):
            continue
        raise AssertionError(f"a {name} asset opened")
    for other_site, other_id in [(site + "x", asset_id), (site, "0" * 32)]:
        try:
            open_asset_bytes(sealed, other_site, other_id, key)
        except InvalidTag:
            continue
        raise AssertionError("an asset opened under another site or id")


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
    # The build side of version 2: keys and nonces from the bytes encrypted.
    site, path, epoch = example["site"].encode(), example["path"].encode(), example["epoch"].encode()
    compressed = deflate(example["html"].encode())
    assert compressed.hex() == example["compressed_hex"], "pinned DEFLATE parameters"
    compressed_hash = hashlib.blake2b(compressed, digest_size=32).digest()
    assert compressed_hash.hex() == example["compressed_hash_hex"]
    data_key = derive(master, "data-key", [site, path, epoch, compressed_hash], 32, version=2)
    assert data_key.hex() == example["data_key_hex"], "data key from the compressed bytes"
    assert nonce2(master, "body-nonce", [site, path, epoch, compressed_hash]).hex() == example["body_nonce_hex"]
    assert nonce2(master, "wrap-nonce", [kid(key).encode(), data_key]).hex() == example["wrap_nonce_hex"]
    assert nonce2(master, "code-nonce", [site, example["tier"].encode(), epoch]).hex() == example["code_nonce_hex"]
    assert base64.b64decode(json.loads(example["payload"])["body"]["nonce"]).hex() == example["body_nonce_hex"]
    # The sealed asset.
    sealed = base64.b64decode(example["asset_sealed_b64"])
    asset = open_asset_bytes(sealed, example["site"], example["asset_id"], key)
    assert asset == example["asset_text"].encode(), "the asset opens to its bytes"
    asset_hash = hashlib.blake2b(asset, digest_size=32).digest()
    assert asset_hash.hex() == example["asset_hash_hex"]
    assert derive(master, "asset-id", [site, asset_hash], 16, version=2).hex() == example["asset_id"], "asset id"
    header = json.loads(example["asset_header"])
    asset_key = derive(master, "asset-key", [site, asset_hash, str(header["chunk"]).encode()], 32, version=2)
    assert asset_key.hex() == example["asset_key_hex"], "asset key"
    check_asset_tampering(sealed, example["site"], example["asset_id"], key)
    print("worked example: ok (chapter, code, asset)")


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
        path = unicodedata.normalize("NFC", os.path.relpath(root, folder).replace(os.sep, "/") + "/")
        for wrap in payload["wraps"]:
            text = open_chapter(payload, site, path, tier_key(master, wrap["tier"], payload["epoch"]))
            assert text and text not in html
            code = codes.get(wrap["tier"])
            if code:
                assert open_chapter(payload, site, path, key_from_code(code, site_data, site)) == text
        opened += 1
    assert opened > 0, "no sealed pages"
    assets = 0
    sealed_folder = os.path.join(folder, "assets", "sealed")
    for name in sorted(os.listdir(sealed_folder)) if os.path.isdir(sealed_folder) else []:
        match = re.fullmatch(r"([0-9a-f]{32})\.bin", name)
        assert match, f"assets/sealed/{name} is not named <id>.bin"
        asset_id = match.group(1)
        with open(os.path.join(sealed_folder, name), "rb") as f:
            (length,) = struct.unpack(">I", f.read(8)[4:])
            header = json.loads(f.read(length))
        for wrap in header["wraps"]:
            key = tier_key(master, wrap["tier"], header["epoch"])
            with open(os.path.join(sealed_folder, name), "rb") as f:
                data = open_asset(f, site, asset_id, key)
            asset_hash = hashlib.blake2b(data, digest_size=32).digest()
            assert derive(master, "asset-id", [site.encode(), asset_hash], 16, version=2).hex() == asset_id, f"{name}: id"
            code = codes.get(wrap["tier"])
            if code:
                with open(os.path.join(sealed_folder, name), "rb") as f:
                    assert open_asset(f, site, asset_id, key_from_code(code, site_data, site)) == data
        assets += 1
    print(f"built site: {opened} sealed pages and {assets} sealed assets opened")


if __name__ == "__main__":
    if len(sys.argv) == 1:
        worked_example()
    else:
        built_site(sys.argv[1], sys.argv[2], sys.argv[3], json.loads(os.environ.get("TOLLGATE_CODES", "{}")))
