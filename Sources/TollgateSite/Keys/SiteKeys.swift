import Foundation
import TollgateCrypto

/// Key management of a site: what `tollgate keys …` does.
public enum SiteKeys {
    /// A tier's public key facts at one epoch: never the key itself.
    public struct TierKeyInfo: Sendable {
        public var tier: String
        public var name: String
        public var epoch: Int
        public var keyID: String
    }

    /// Reads the site's `site.yml` strictly.
    /// - Throws: ``BuildFailure`` with every problem found.
    public static func configuration(source: URL) throws -> SiteConfig {
        let siteFile = source.appendingPathComponent("site.yml")
        guard FileManager.default.fileExists(atPath: siteFile.path) else {
            throw BuildFailure(step: "load configuration", diagnostics: [Diagnostic(file: "site.yml", "no site.yml in \(source.path): is this a Tollgate site?")])
        }
        do {
            return try SiteConfig.parse(try ContentScan.read("site.yml", in: source), file: "site.yml", stringKeys: try StringsTable.keys())
        } catch let list as DiagnosticList {
            throw BuildFailure(step: "load configuration", diagnostics: list.items)
        } catch let diagnostic as Diagnostic {
            throw BuildFailure(step: "load configuration", diagnostics: [diagnostic])
        }
    }

    /// Makes a new master key in the site's key file (mode 0600, listed in `.gitignore`).
    /// - Returns: the file and the key's public fingerprint.
    /// - Throws: ``Diagnostic`` when a key file is already there (it is never overwritten).
    public static func initialize(source: URL) throws -> (file: URL, fingerprint: String) {
        let config = try configuration(source: source)
        let (key, file) = try MasterKeyLocator.create(source: source, config: config)
        return (file, key.fingerprint)
    }

    /// The master key from `TOLLGATE_MASTER_KEY` or the key file.
    /// - Throws: ``Diagnostic`` saying how to provide one when there is none.
    public static func masterKey(source: URL, config: SiteConfig, environment: [String: String]) throws -> (MasterKey, MasterKeyLocator.Origin) {
        guard let found = try MasterKeyLocator.find(source: source, config: config, environment: environment) else {
            throw Diagnostic(file: nil, MasterKeyLocator.missingKeyMessage(source: source, config: config))
        }
        return found
    }

    /// Tier names, epochs and public key ids of the current epoch.
    public static func show(source: URL, environment: [String: String]) throws -> (origin: MasterKeyLocator.Origin, fingerprint: String, tiers: [TierKeyInfo]) {
        let config = try configuration(source: source)
        let (key, origin) = try masterKey(source: source, config: config, environment: environment)
        let tiers = config.tiers.tiers.map { tier in
            TierKeyInfo(tier: tier.id, name: tier.name, epoch: config.epoch, keyID: key.tierKey(tier.id, epoch: config.epoch).id)
        }
        return (origin, key.fingerprint, tiers)
    }

    /// The access code of every premium tier at the current epoch (or `epoch`).
    public static func accessCodes(source: URL, environment: [String: String], epoch: Int? = nil) throws -> [AccessCode] {
        let config = try configuration(source: source)
        guard config.accessCodes else {
            throw Diagnostic(file: "site.yml", "access codes are turned off (premium.access_codes: false): sealed pages carry no envelopes for them")
        }
        let (key, _) = try masterKey(source: source, config: config, environment: environment)
        return config.tiers.tiers.map { key.accessCode($0.id, epoch: epoch ?? config.epoch) }
    }

    /// Increments `keys.epoch` in `site.yml`, keeping the rest of the file as it is.
    /// - Returns: the old and the new epoch.
    /// - Throws: ``Diagnostic`` when `site.yml` cannot be edited safely.
    @discardableResult
    public static func rotate(source: URL) throws -> (old: Int, new: Int) {
        let config = try configuration(source: source)
        let file = source.appendingPathComponent("site.yml")
        let original = try String(contentsOf: file, encoding: .utf8)
        let new = config.epoch + 1
        let edited = EpochEditor.setEpoch(new, in: original)
        guard (try? SiteConfig.parse(edited, file: "site.yml", stringKeys: try StringsTable.keys()))?.epoch == new else {
            throw Diagnostic(file: "site.yml", "cannot find where to change keys.epoch; set 'epoch: \(new)' under 'keys:' by hand")
        }
        do {
            try edited.write(to: file, atomically: true, encoding: .utf8)
        } catch {
            throw Diagnostic(file: "site.yml", "cannot write: \(error.localizedDescription)")
        }
        return (config.epoch, new)
    }
}

/// Changes `keys.epoch` in the text of a `site.yml` without touching anything else.
enum EpochEditor {
    static func setEpoch(_ epoch: Int, in text: String) -> String {
        var lines = text.components(separatedBy: "\n")
        guard let keysLine = lines.firstIndex(where: { isKey($0, "keys", indented: false) }) else {
            var result = text
            if !result.isEmpty && !result.hasSuffix("\n") { result += "\n" }
            return result + "keys:\n  epoch: \(epoch)\n"
        }
        var index = keysLine + 1
        var indent = "  "
        while index < lines.count {
            let line = lines[index]
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty || trimmed.hasPrefix("#") {
                index += 1
                continue
            }
            guard line.first == " " || line.first == "\t" else { break }
            indent = String(line.prefix { $0 == " " || $0 == "\t" })
            if isKey(line, "epoch", indented: true) {
                let comment = line.range(of: " #").map { String(line[$0.lowerBound...]) } ?? ""
                lines[index] = "\(indent)epoch: \(epoch)\(comment)"
                return lines.joined(separator: "\n")
            }
            index += 1
        }
        lines.insert("\(indent)epoch: \(epoch)", at: keysLine + 1)
        return lines.joined(separator: "\n")
    }

    private static func isKey(_ line: String, _ key: String, indented: Bool) -> Bool {
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        guard indented == (line.first == " " || line.first == "\t") else { return false }
        guard trimmed.hasPrefix("\(key):") else { return false }
        let rest = trimmed.dropFirst(key.count + 1)
        return rest.isEmpty || rest.first == " " || rest.first == "#"
    }
}
