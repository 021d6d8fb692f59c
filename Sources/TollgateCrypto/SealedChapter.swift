import Foundation

/// A premium chapter as it leaves the build: the sealed format, version 2 (docs/FORMAT.md).
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

    /// Format version.
    public var v: Int
    public var epoch: Int
    public var body: Body
    public var wraps: [Wrap]

    /// The current format version.
    public static let version = 2

    /// The payload as compact JSON, safe inside an HTML `<script>` element, keys in a fixed order.
    public var json: String {
        func string(_ text: String) -> String { Encoding.jsonString(text) }
        let wrapList = wraps.map {
            "{\"tier\":\(string($0.tier)),\"kid\":\(string($0.kid)),\"nonce\":\(string($0.nonce)),\"key\":\(string($0.key))}"
        }
        return "{\"v\":\(v),\"epoch\":\(epoch),\"body\":{\"nonce\":\(string(body.nonce)),\"ct\":\(string(body.ct))},"
            + "\"wraps\":[\(wrapList.joined(separator: ","))]}"
    }

    /// Reads a payload written by ``json``.
    /// - Throws: ``CryptoError/invalidEncoding(_:)`` when it is not a version 2 payload.
    public init(json: String) throws(CryptoError) {
        do {
            self = try JSONDecoder().decode(SealedChapter.self, from: Data(json.utf8))
        } catch {
            throw .invalidEncoding("sealed chapter payload")
        }
        guard v == Self.version else { throw .invalidEncoding("sealed chapter payload (version \(v))") }
    }

    init(epoch: Int, body: Body, wraps: [Wrap]) {
        v = Self.version
        self.epoch = epoch
        self.body = body
        self.wraps = wraps
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

    // MARK: Associated data

    static func bodyAAD(site: String, path: String, epoch: Int) -> [UInt8] {
        Array("tollgate/2\nbody\n\(site)\n\(path)\n\(epoch)".utf8)
    }

    static func wrapAAD(site: String, path: String, epoch: Int, keyID: String) -> [UInt8] {
        Array("tollgate/2\nwrap\n\(site)\n\(path)\n\(epoch)\n\(keyID)".utf8)
    }

    static func codeAAD(site: String, tier: String, epoch: Int, keyID: String) -> [UInt8] {
        Array("tollgate/2\ncode\n\(site)\n\(tier)\n\(epoch)\n\(keyID)".utf8)
    }
}
