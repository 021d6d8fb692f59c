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
    /// The SQLite database file (unused when ``postgres`` is set).
    public var database = "tollgate.sqlite"
    /// The PostgreSQL database, when `database:` is a `postgres://` URL.
    public var postgres: PostgresLocation?
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
    /// Requests with a wrong admin token per minute and client address, before `429`.
    public var adminFailuresPerMinute = 10
    /// Timeouts and the per-client connection cap.
    public var connections = ConnectionLimits()
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
        "database_tls", "database_ca_file", "database_password_file",
    ]

    /// Reads the text of a `server.yml`; `folder` resolves relative paths.
    public static func parse(_ text: String, file: String, folder: String) throws(ConfigurationError) -> ServerConfiguration {
        let yaml = try readYAML(text, file: file)
        yaml.rejectUnknownKeys(allowed: keys)
        let resolve = { (relative: String) in relative.hasPrefix("/") || folder.isEmpty ? relative : folder + "/" + relative }
        var config = ServerConfiguration()
        var siteProblems: [Diagnostic] = []
        var siteEpoch: Int?
        if let site = yaml.string("site") {
            (siteEpoch, siteProblems) = config.adoptSite(at: resolve(site), from: yaml)
        }
        config.readListen(yaml)
        config.readDatabase(yaml, resolve: resolve)
        config.readTiers(yaml, siteFailed: !siteProblems.isEmpty)
        config.readEpochs(yaml, siteEpoch: siteEpoch)
        config.readOrigins(yaml)
        config.readProxies(yaml)
        if let file = yaml.string("master_key_file") { config.masterKeyFile = resolve(file) }
        config.readDeviceLimit(yaml)
        config.readURLs(yaml)
        if let limits = yaml.object("limits", what: "limits") { config.readLimits(limits) }
        let stripeProblems = yaml.object("stripe", what: "stripe").map { config.readStripe($0) } ?? []
        config.readLogLevel(yaml)
        let problems = yaml.allProblems + siteProblems + stripeProblems
        guard problems.isEmpty else { throw ConfigurationError(problems) }
        return config
    }

    private static func readYAML(_ text: String, file: String) throws(ConfigurationError) -> YAMLObject {
        do {
            return try YAMLObject.parse(text, file: file, what: "server.yml")
        } catch let diagnostic as Diagnostic {
            throw ConfigurationError([diagnostic])
        } catch {
            throw ConfigurationError([Diagnostic(file: file, "\(error)")])
        }
    }

    static func parseListen(_ text: String) -> (String, Int)? {
        guard let colon = text.lastIndex(of: ":") else { return nil }
        var host = String(text[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty, let port = Int(text[text.index(after: colon)...]), (0...65535).contains(port) else { return nil }
        return (host, port)
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
