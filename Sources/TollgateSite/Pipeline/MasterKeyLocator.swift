import Foundation
import TollgateCrypto

/// Finds the master key of a site: `TOLLGATE_MASTER_KEY`, else the key file.
public enum MasterKeyLocator {
    /// The environment variable that holds the master key in base64 (for CI).
    public static let environmentVariable = "TOLLGATE_MASTER_KEY"

    /// True when `CI` is set to anything but `false`/`0` (GitHub Actions, GitLab, … set
    /// `CI=true`): a premium build there must not create a key.
    public static func isCI(_ environment: [String: String]) -> Bool {
        guard let value = environment["CI"]?.lowercased(), !value.isEmpty else { return false }
        return value != "false" && value != "0"
    }

    /// Where a key came from, for messages (never the key).
    public enum Origin: Sendable, Equatable {
        case environment
        case file(String)
        case created(String)

        public var description: String {
            switch self {
            case .environment: "$\(MasterKeyLocator.environmentVariable)"
            case .file(let path): path
            case .created(let path): "\(path) (created)"
            }
        }
    }

    /// The key file of a site.
    public static func keyFile(source: URL, config: SiteConfig) -> URL {
        config.keyFile.hasPrefix("/") ? URL(fileURLWithPath: config.keyFile) : source.appendingPathComponent(config.keyFile)
    }

    /// The site's master key, or nil when neither the environment nor the key file has one.
    /// - Throws: ``Diagnostic`` for a malformed variable, or a key file that is invalid or
    ///   readable by others.
    public static func find(source: URL, config: SiteConfig, environment: [String: String]) throws -> (MasterKey, Origin)? {
        if let text = environment[environmentVariable], !text.isEmpty {
            do {
                return (try MasterKey(base64: text), .environment)
            } catch {
                throw Diagnostic(file: nil, "\(environmentVariable) is not a master key: it must be the base64 of 32 bytes (as in the key file `tollgate keys init` writes)")
            }
        }
        let file = keyFile(source: source, config: config)
        do {
            return (try KeyFile.read(at: file.path), .file(file.path))
        } catch KeyFile.Problem.missing {
            return nil
        } catch {
            throw Diagnostic(file: nil, "\(error)")
        }
    }

    /// Writes a new master key to the site's key file and lists the file in `.gitignore`.
    /// - Throws: ``Diagnostic`` when a key file exists or cannot be written.
    @discardableResult
    public static func create(source: URL, config: SiteConfig) throws -> (MasterKey, URL) {
        let file = keyFile(source: source, config: config)
        let key = MasterKey.generate()
        do {
            try KeyFile.create(key, at: file.path)
        } catch {
            throw Diagnostic(file: nil, "\(error)")
        }
        try ignoreInGit(file, source: source)
        return (key, file)
    }

    /// The message of a premium build that has no key and may not make one.
    static func missingKeyMessage(source: URL, config: SiteConfig) -> String {
        let file = keyFile(source: source, config: config).path
        return """
            premium chapters need the site's master key, and there is none: set \(environmentVariable) to the base64 key \
            (a CI secret), or put the key file at \(file) (`tollgate keys init` makes a new one; a new key cannot open \
            what an old one sealed, and members' codes change)
            """
    }

    /// Adds `file` to the `.gitignore` of `source` unless a line already names it.
    static func ignoreInGit(_ file: URL, source: URL) throws {
        let sourcePath = source.standardizedFileURL.path
        let filePath = file.standardizedFileURL.path
        guard filePath.hasPrefix(sourcePath + "/") else { return }
        let relative = String(filePath.dropFirst(sourcePath.count + 1))
        let ignore = source.appendingPathComponent(".gitignore")
        let existing = (try? String(contentsOf: ignore, encoding: .utf8)) ?? ""
        let lines = Set(existing.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) })
        let folder = relative.split(separator: "/").first.map { "\($0)/" }
        if lines.contains(relative) || lines.contains("/" + relative) || (relative.contains("/") && folder.map { lines.contains($0) || lines.contains("/" + $0) } == true) {
            return
        }
        let addition = (existing.isEmpty || existing.hasSuffix("\n") ? "" : "\n") + "# The master key of sealed chapters: never commit it.\n/\(relative)\n"
        do {
            try (existing + addition).write(to: ignore, atomically: true, encoding: .utf8)
        } catch {
            throw Diagnostic(file: ignore.path, "cannot add the key file to .gitignore: \(error.localizedDescription)")
        }
    }
}
