import Foundation

/// A premium chapter as it leaves the build: the sealed format, version 1 (docs/FORMAT.md).
public struct SealedChapter: Sendable, Codable, Equatable {
    /// The chapter body: `AES-GCM(DK, nonce, DEFLATE(html), aadBody)`.
    public struct Body: Sendable, Codable, Equatable {
        public var nonce: String
        public var ct: String
    }

    /// The chapter's data key wrapped under one tier key.
    public struct Wrap: Sendable, Codable, Equatable {
        public var tier: String
        public var kid: String
        public var nonce: String
        public var key: String
    }

    /// An access code the page knows: an envelope of the tier key for the current epoch,
    /// or only the id of a code of a past epoch.
    public struct Code: Sendable, Codable, Equatable {
        public var id: String
        public var tier: String
        public var epoch: Int
        public var kid: String?
        public var nonce: String?
        public var key: String?
    }

    /// Format version.
    public var v: Int
    public var epoch: Int
    public var body: Body
    public var wraps: [Wrap]
    public var codes: [Code]

    /// The current format version.
    public static let version = 1

    /// The payload as compact JSON, safe inside an HTML `<script>` element, keys in a fixed order.
    public var json: String {
        func string(_ text: String) -> String { Encoding.jsonString(text) }
        let wrapList = wraps.map {
            "{\"tier\":\(string($0.tier)),\"kid\":\(string($0.kid)),\"nonce\":\(string($0.nonce)),\"key\":\(string($0.key))}"
        }
        let codeList = codes.map { code in
            var fields = "\"id\":\(string(code.id)),\"tier\":\(string(code.tier)),\"epoch\":\(code.epoch)"
            if let kid = code.kid, let nonce = code.nonce, let key = code.key {
                fields += ",\"kid\":\(string(kid)),\"nonce\":\(string(nonce)),\"key\":\(string(key))"
            }
            return "{\(fields)}"
        }
        return "{\"v\":\(v),\"epoch\":\(epoch),\"body\":{\"nonce\":\(string(body.nonce)),\"ct\":\(string(body.ct))},"
            + "\"wraps\":[\(wrapList.joined(separator: ","))],\"codes\":[\(codeList.joined(separator: ","))]}"
    }

    /// Reads a payload written by ``json``.
    /// - Throws: ``CryptoError/invalidEncoding(_:)`` when it is not a version 1 payload.
    public init(json: String) throws(CryptoError) {
        do {
            self = try JSONDecoder().decode(SealedChapter.self, from: Data(json.utf8))
        } catch {
            throw .invalidEncoding("sealed chapter payload")
        }
        guard v == Self.version else { throw .invalidEncoding("sealed chapter payload (version \(v))") }
    }

    init(epoch: Int, body: Body, wraps: [Wrap], codes: [Code]) {
        v = Self.version
        self.epoch = epoch
        self.body = body
        self.wraps = wraps
        self.codes = codes
    }

    /// Opens the chapter with one tier key, as a reader does.
    ///
    /// - Parameters:
    ///   - site: the site id of the page showing it.
    ///   - path: the chapter path of the page showing it (`course/chapter/`).
    /// - Throws: ``CryptoError/authenticationFailed`` when the key has no wrap here, or the
    ///   payload belongs to another page, site or epoch.
    public func open(site: String, path: String, with key: TierKey) throws(CryptoError) -> String {
        guard let wrap = wraps.first(where: { $0.kid == key.id }) else { throw .authenticationFailed }
        var dataKeyBytes = try AESGCM.open(
            Encoding.base64(wrap.key, what: "wrapped key"), key: key.secret,
            nonce: Encoding.base64(wrap.nonce, what: "nonce"),
            associatedData: SealedChapter.wrapAAD(site: site, path: path, epoch: epoch, keyID: key.id))
        defer { Sodium.wipe(&dataKeyBytes) }
        let compressed = try AESGCM.open(
            Encoding.base64(body.ct, what: "ciphertext"), key: SecretBytes(copying: dataKeyBytes),
            nonce: Encoding.base64(body.nonce, what: "nonce"),
            associatedData: SealedChapter.bodyAAD(site: site, path: path, epoch: epoch))
        let html = try ZLib.inflateRaw(compressed, limit: 64 << 20)
        guard let text = String(validating: html, as: UTF8.self) else { throw .invalidEncoding("chapter text (UTF-8)") }
        return text
    }

    /// Opens the tier key in a code's envelope, as a reader with an access code does.
    /// - Throws: ``CryptoError`` when the code is not for this page's site or has no envelope here.
    public func tierKey(site: String, code: AccessCode) throws(CryptoError) -> TierKey {
        guard let entry = codes.first(where: { $0.id == code.id }), let kid = entry.kid, let nonce = entry.nonce, let key = entry.key else {
            throw .authenticationFailed
        }
        var bytes = try AESGCM.open(
            Encoding.base64(key, what: "envelope"), key: code.keyEncryptionKey(), nonce: Encoding.base64(nonce, what: "nonce"),
            associatedData: SealedChapter.codeAAD(site: site, tier: entry.tier, epoch: entry.epoch, keyID: kid))
        defer { Sodium.wipe(&bytes) }
        return TierKey(tier: entry.tier, epoch: entry.epoch, secret: SecretBytes(copying: bytes))
    }

    // MARK: Associated data

    static func bodyAAD(site: String, path: String, epoch: Int) -> [UInt8] {
        Array("tollgate/1\nbody\n\(site)\n\(path)\n\(epoch)".utf8)
    }

    static func wrapAAD(site: String, path: String, epoch: Int, keyID: String) -> [UInt8] {
        Array("tollgate/1\nwrap\n\(site)\n\(path)\n\(epoch)\n\(keyID)".utf8)
    }

    static func codeAAD(site: String, tier: String, epoch: Int, keyID: String) -> [UInt8] {
        Array("tollgate/1\ncode\n\(site)\n\(tier)\n\(epoch)\n\(keyID)".utf8)
    }
}
