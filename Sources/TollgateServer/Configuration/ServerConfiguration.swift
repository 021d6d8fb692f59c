import Foundation
import Logging
import TollgateYAML

/// What `server.yml` says: everything but secrets, which come from the environment.
///
/// The file is strict like `site.yml`: an unknown key is an error with a "did you mean",
/// and every error names its line. Relative paths are relative to the file's folder.
public struct ServerConfiguration: Sendable {
    /// Host to bind.
    public var host = "127.0.0.1"
    /// Port to bind (0: any free port).
    public var port = 8787
    /// The SQLite database file.
    public var database = "tollgate.sqlite"
    /// Tier ids a license may name.
    public var tiers: [String] = []
    /// Epochs whose tier keys are served, current first.
    public var epochs: [Int] = [1]
    /// Origins allowed to call the member endpoints from a browser.
    public var allowedOrigins: [String] = []
    /// Peers whose `X-Forwarded-For` is believed.
    public var trustedProxies: [String] = []
    /// The master key file (when `TOLLGATE_MASTER_KEY` is not set).
    public var masterKeyFile: String?
    /// Devices per license unless the license says otherwise.
    public var defaultDeviceLimit = 3
    /// Where a member whose license expired can renew.
    public var renewURL: String?
    /// The course site, linked from the checkout success page.
    public var siteURL: String?
    /// Request body cap of member and admin endpoints, in bytes.
    public var bodyLimit = 4096
    /// Request body cap of the Stripe webhook, in bytes.
    public var webhookBodyLimit = 65536
    /// Member requests per minute and client address.
    public var clientRequestsPerMinute = 120
    /// Unlock attempts per minute and license key.
    public var licenseAttemptsPerMinute = 10
    /// Stripe Payment Link id → tier.
    public var paymentLinks: [String: String] = [:]
    /// The Checkout Session metadata key that names a tier (`nil`: not used).
    public var metadataKey: String? = "tier"
    /// Device limit of licenses bought through Stripe (`nil`: the default).
    public var stripeDeviceLimit: Int?
    /// Log level.
    public var logLevel: Logger.Level = .info

    /// The defaults, with `tiers`.
    public init(tiers: [String] = []) {
        self.tiers = tiers
    }

    /// `host:port`.
    public var listen: String { "\(host):\(port)" }

    /// Reads `server.yml` at `path`.
    /// - Throws: ``ConfigurationError`` listing every problem, with file and line.
    public static func load(from path: String) throws(ConfigurationError) -> ServerConfiguration {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ConfigurationError([Diagnostic(file: path, "cannot read the configuration: \(Self.reason(error))")])
        }
        return try parse(text, file: path, folder: (path as NSString).deletingLastPathComponent)
    }

    static let keys = [
        "listen", "database", "site", "tiers", "epochs", "allowed_origins", "trusted_proxies", "master_key_file",
        "default_device_limit", "renew_url", "site_url", "limits", "stripe", "log_level",
    ]

    /// Reads the text of a `server.yml`; `folder` resolves relative paths.
    public static func parse(_ text: String, file: String, folder: String) throws(ConfigurationError) -> ServerConfiguration {
        let yaml: YAMLObject
        do {
            yaml = try YAMLObject.parse(text, file: file, what: "server.yml")
        } catch let diagnostic as Diagnostic {
            throw ConfigurationError([diagnostic])
        } catch {
            throw ConfigurationError([Diagnostic(file: file, "\(error)")])
        }
        yaml.rejectUnknownKeys(allowed: keys)
        var config = ServerConfiguration()
        var extra: [Diagnostic] = []
        let resolve = { (relative: String) in relative.hasPrefix("/") ? relative : (folder.isEmpty ? relative : folder + "/" + relative) }

        var siteEpoch: Int?
        if let site = yaml.string("site") {
            do {
                let facts = try SiteFacts.load(from: resolve(site))
                config.tiers = facts.tiers
                siteEpoch = facts.epoch
                config.masterKeyFile = facts.keyFile
                if let origin = facts.origin { config.allowedOrigins = [origin] }
                config.siteURL = facts.baseURL
            } catch {
                extra.append(Diagnostic(file: file, line: yaml.line(of: "site"), error.description))
            }
        }
        if let listen = yaml.string("listen") {
            if let (host, port) = parseListen(listen) {
                config.host = host
                config.port = port
            } else {
                yaml.report(at: "listen", "'listen' must be host:port, like 127.0.0.1:8787, not '\(listen)'")
            }
        }
        if let database = yaml.string("database") { config.database = resolve(database) } else { config.database = resolve(config.database) }
        if let tiers = yaml.strings("tiers") { config.tiers = tiers }
        if config.tiers.isEmpty {
            yaml.report("no tiers: name them with 'tiers: [member, pro]', or point 'site:' at the site's site.yml")
        }
        for tier in config.tiers where !isTierID(tier) {
            yaml.report(at: "tiers", "tier '\(tier)' must be lowercase letters, digits and hyphens")
        }
        if let epochs = yaml.strings("epochs") {
            let numbers = epochs.compactMap { Int($0) }.filter { $0 > 0 }
            if numbers.count != epochs.count || numbers.isEmpty || numbers.count > 2 || Set(numbers).count != numbers.count {
                yaml.report(at: "epochs", "'epochs' must list one or two different positive whole numbers, current first, like [3, 2]")
            } else {
                config.epochs = numbers
            }
        } else if let siteEpoch {
            config.epochs = [siteEpoch]
        }
        if let origins = yaml.strings("allowed_origins") {
            config.allowedOrigins = origins
            for origin in origins where !isOrigin(origin) {
                yaml.report(at: "allowed_origins", "'\(origin)' is not an origin: write scheme://host[:port] with no path, like https://courses.example.com")
            }
        }
        if let proxies = yaml.strings("trusted_proxies") {
            config.trustedProxies = proxies
            for proxy in proxies where !ClientAddress.isIPAddress(proxy) {
                yaml.report(at: "trusted_proxies", "'\(proxy)' in 'trusted_proxies' is not an IP address")
            }
        }
        if let file = yaml.string("master_key_file") { config.masterKeyFile = resolve(file) }
        if let limit = yaml.int("default_device_limit") {
            if (1...1000).contains(limit) { config.defaultDeviceLimit = limit } else { yaml.report(at: "default_device_limit", "'default_device_limit' must be between 1 and 1000") }
        }
        config.renewURL = yaml.string("renew_url") ?? config.renewURL
        config.siteURL = yaml.string("site_url") ?? config.siteURL
        for (key, url) in [("renew_url", config.renewURL), ("site_url", config.siteURL)] {
            if let url, !(url.hasPrefix("https://") || url.hasPrefix("http://")) {
                yaml.report(at: key, "'\(key)' must be an http(s) URL, not '\(url)'")
            }
        }
        if let limits = yaml.object("limits", what: "limits") {
            limits.rejectUnknownKeys(allowed: ["body_bytes", "client_requests_per_minute", "license_attempts_per_minute"])
            if let bytes = limits.int("body_bytes") {
                if (256...65536).contains(bytes) { config.bodyLimit = bytes } else { limits.report(at: "body_bytes", "'body_bytes' must be between 256 and 65536") }
            }
            if let rate = limits.int("client_requests_per_minute") {
                if rate > 0 { config.clientRequestsPerMinute = rate } else { limits.report(at: "client_requests_per_minute", "'client_requests_per_minute' must be positive") }
            }
            if let rate = limits.int("license_attempts_per_minute") {
                if rate > 0 { config.licenseAttemptsPerMinute = rate } else { limits.report(at: "license_attempts_per_minute", "'license_attempts_per_minute' must be positive") }
            }
        }
        if let stripe = yaml.object("stripe", what: "stripe") {
            stripe.rejectUnknownKeys(allowed: ["payment_links", "metadata_key", "device_limit"])
            for (link, tier, line) in stripe.stringMap("payment_links") ?? [] {
                config.paymentLinks[link] = tier
                if !config.tiers.isEmpty, !config.tiers.contains(tier) {
                    extra.append(Diagnostic(file: file, line: line, "payment link \(link) maps to unknown tier '\(tier)'\(Suggestion.hint(for: tier, in: config.tiers))"))
                }
            }
            if stripe.keys.contains("metadata_key") { config.metadataKey = stripe.string("metadata_key") }
            if let limit = stripe.int("device_limit") {
                if (1...1000).contains(limit) { config.stripeDeviceLimit = limit } else { stripe.report(at: "device_limit", "'device_limit' must be between 1 and 1000") }
            }
        }
        if let level = yaml.string("log_level") {
            if let parsed = Logger.Level(rawValue: level) {
                config.logLevel = parsed
            } else {
                yaml.report(at: "log_level", "'log_level' must be one of \(Logger.Level.allCases.map(\.rawValue).joined(separator: ", "))")
            }
        }
        let problems = yaml.allProblems + extra
        guard problems.isEmpty else { throw ConfigurationError(problems) }
        return config
    }

    static func parseListen(_ text: String) -> (String, Int)? {
        guard let colon = text.lastIndex(of: ":") else { return nil }
        var host = String(text[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty, let port = Int(text[text.index(after: colon)...]), (0...65535).contains(port) else { return nil }
        return (host, port)
    }

    static func isTierID(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2D || $0 == 0x5F }
    }

    static func isOrigin(_ text: String) -> Bool {
        guard let url = URL(string: text), let scheme = url.scheme, ["http", "https"].contains(scheme), url.host != nil else { return false }
        return url.path.isEmpty && url.query == nil && !text.hasSuffix("/")
    }

    static func reason(_ error: any Error) -> String {
        (error as NSError).localizedFailureReason ?? (error as NSError).localizedDescription
    }
}

/// Problems in `server.yml` (or the `site.yml` it names), each with file and line.
public struct ConfigurationError: Error, CustomStringConvertible, Sendable {
    /// Every problem found.
    public let diagnostics: [Diagnostic]

    init(_ diagnostics: [Diagnostic]) {
        self.diagnostics = diagnostics.sorted { ($0.file ?? "", $0.line ?? 0, $0.message) < ($1.file ?? "", $1.line ?? 0, $1.message) }
    }

    public var description: String { diagnostics.map { "error: \($0)" }.joined(separator: "\n") }
}

/// What the server reads from the site's `site.yml`: tier ids, the epoch, the key file and
/// the origin of `base_url`. The build validates the rest of that file; here any other key
/// is left alone.
struct SiteFacts {
    var tiers: [String]
    var epoch: Int
    var keyFile: String
    var baseURL: String?
    var origin: String?

    struct Problem: Error, CustomStringConvertible {
        var description: String
    }

    static func load(from path: String) throws(Problem) -> SiteFacts {
        let yaml: YAMLObject
        do {
            let text = try String(contentsOfFile: path, encoding: .utf8)
            yaml = try YAMLObject.parse(text, file: path, what: "site.yml")
        } catch let diagnostic as Diagnostic {
            throw Problem(description: "cannot read the site's configuration: \(diagnostic)")
        } catch {
            throw Problem(description: "cannot read the site's configuration \(path): \(ServerConfiguration.reason(error))")
        }
        let folder = (path as NSString).deletingLastPathComponent
        let tiers = (yaml.objects("tiers", what: "tier") ?? []).compactMap { $0.string("id") }
        let keys = yaml.object("keys", what: "keys")
        let epoch = keys?.int("epoch") ?? 1
        let keyFile = keys?.string("file") ?? ".tollgate/master.key"
        let baseURL = yaml.string("base_url")
        let origin = baseURL.flatMap { URL(string: $0) }.flatMap { url -> String? in
            guard let scheme = url.scheme, let host = url.host else { return nil }
            return "\(scheme)://\(host)" + (url.port.map { ":\($0)" } ?? "")
        }
        return SiteFacts(
            tiers: tiers, epoch: epoch, keyFile: keyFile.hasPrefix("/") ? keyFile : (folder.isEmpty ? keyFile : folder + "/" + keyFile),
            baseURL: baseURL, origin: origin
        )
    }
}
