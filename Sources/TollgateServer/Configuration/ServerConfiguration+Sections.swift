import Foundation
import Logging
import TollgateSiteFacts
import TollgateYAML

/// The parts of `server.yml`, one reader each; problems are recorded on the YAML object
/// (or returned, when they belong to another file or line).
extension ServerConfiguration {
    /// Takes tiers, epoch, key file, origin and URL from the site's `site.yml` at `path`.
    /// - Returns: the site's epoch and the problems of `site.yml` (file and line of that file).
    mutating func adoptSite(at path: String, from yaml: YAMLObject) -> (epoch: Int?, problems: [Diagnostic]) {
        do {
            let site = try ServedSite.load(from: path)
            tiers = site.facts.tiers.map(\.id)
            masterKeyFile = site.keyFilePath
            if let origin = site.origin { allowedOrigins = [origin] }
            siteURL = site.baseURL
            return (site.facts.epoch, [])
        } catch let error as ServedSite.Unreadable {
            return (nil, [Diagnostic(file: yaml.file, line: yaml.line(of: "site"), error.description)])
        } catch let error as ServedSite.Invalid {
            return (nil, error.diagnostics)
        } catch {
            return (nil, [Diagnostic(file: yaml.file, line: yaml.line(of: "site"), "\(error)")])
        }
    }

    mutating func readListen(_ yaml: YAMLObject) {
        guard let listen = yaml.string("listen") else { return }
        if let (host, port) = Self.parseListen(listen) {
            self.host = host
            self.port = port
        } else {
            yaml.report(at: "listen", "'listen' must be host:port, like 127.0.0.1:8787, not '\(listen)'")
        }
    }

    /// `tiers:` of `server.yml`, checked by the same rule as `site.yml`'s. When the site's
    /// file failed, its errors say enough: no tiers is then not a problem of its own.
    mutating func readTiers(_ yaml: YAMLObject, siteFailed: Bool) {
        if let listed = yaml.strings("tiers") {
            tiers = listed
            for tier in listed {
                if tier == TierID.free {
                    yaml.report(at: "tiers", "'free' is built in; do not declare it under 'tiers'")
                } else if let problem = TierID.problem(tier) {
                    yaml.report(at: "tiers", problem)
                }
            }
        }
        if tiers.isEmpty, !siteFailed {
            yaml.report("no tiers: name them with 'tiers: [member, pro]', or point 'site:' at the site's site.yml")
        }
    }

    mutating func readEpochs(_ yaml: YAMLObject, siteEpoch: Int?) {
        guard let listed = yaml.strings("epochs") else {
            if let siteEpoch { epochs = [siteEpoch] }
            return
        }
        let numbers = listed.compactMap { Int($0) }.filter { $0 > 0 }
        if numbers.count != listed.count || numbers.isEmpty || numbers.count > 2 || Set(numbers).count != numbers.count {
            yaml.report(at: "epochs", "'epochs' must list one or two different positive whole numbers, current first, like [3, 2]")
        } else {
            epochs = numbers
        }
    }

    mutating func readOrigins(_ yaml: YAMLObject) {
        guard let origins = yaml.strings("allowed_origins") else { return }
        allowedOrigins = origins
        for origin in origins where !Self.isOrigin(origin) {
            yaml.report(at: "allowed_origins", "'\(origin)' is not an origin: write scheme://host[:port] with no path, like https://courses.example.com")
        }
    }

    mutating func readProxies(_ yaml: YAMLObject) {
        guard let proxies = yaml.strings("trusted_proxies") else { return }
        trustedProxies = proxies
        for proxy in proxies where !ClientAddress.isIPAddress(proxy) {
            yaml.report(at: "trusted_proxies", "'\(proxy)' in 'trusted_proxies' is not an IP address")
        }
    }

    mutating func readDeviceLimit(_ yaml: YAMLObject) {
        guard let limit = yaml.int("default_device_limit") else { return }
        if (1...1000).contains(limit) { defaultDeviceLimit = limit } else { yaml.report(at: "default_device_limit", "'default_device_limit' must be between 1 and 1000") }
    }

    mutating func readURLs(_ yaml: YAMLObject) {
        renewURL = yaml.string("renew_url") ?? renewURL
        siteURL = yaml.string("site_url") ?? siteURL
        for (key, url) in [("renew_url", renewURL), ("site_url", siteURL)] {
            if let url, !(url.hasPrefix("https://") || url.hasPrefix("http://")) {
                yaml.report(at: key, "'\(key)' must be an http(s) URL, not '\(url)'")
            }
        }
    }

    static let limitKeys = [
        "body_bytes", "client_requests_per_minute", "license_attempts_per_minute", "admin_failures_per_minute",
        "header_timeout_seconds", "body_timeout_seconds", "idle_timeout_seconds", "connections_per_client",
    ]

    /// `limits:`: body size, rate limits, timeouts and the connection cap.
    mutating func readLimits(_ limits: YAMLObject) {
        limits.rejectUnknownKeys(allowed: Self.limitKeys)
        bodyLimit = Self.number(limits, "body_bytes", in: 256...65536) ?? bodyLimit
        clientRequestsPerMinute = Self.number(limits, "client_requests_per_minute", in: 1...1_000_000) ?? clientRequestsPerMinute
        licenseAttemptsPerMinute = Self.number(limits, "license_attempts_per_minute", in: 1...1_000_000) ?? licenseAttemptsPerMinute
        adminFailuresPerMinute = Self.number(limits, "admin_failures_per_minute", in: 1...1_000_000) ?? adminFailuresPerMinute
        connections.headerTimeout = Self.number(limits, "header_timeout_seconds", in: 1...300) ?? connections.headerTimeout
        connections.bodyTimeout = Self.number(limits, "body_timeout_seconds", in: 1...300) ?? connections.bodyTimeout
        connections.idleTimeout = Self.number(limits, "idle_timeout_seconds", in: 1...3600) ?? connections.idleTimeout
        connections.connectionsPerClient = Self.number(limits, "connections_per_client", in: 1...100_000) ?? connections.connectionsPerClient
    }

    /// `stripe:`; returns the problems of payment links, which name their own lines.
    mutating func readStripe(_ stripe: YAMLObject) -> [Diagnostic] {
        stripe.rejectUnknownKeys(allowed: ["payment_links", "metadata_key", "device_limit"])
        var problems: [Diagnostic] = []
        for (link, tier, line) in stripe.stringMap("payment_links") ?? [] {
            paymentLinks[link] = tier
            if !tiers.isEmpty, !tiers.contains(tier) {
                problems.append(Diagnostic(file: stripe.file, line: line, "payment link \(link) maps to unknown tier '\(tier)'\(Suggestion.hint(for: tier, in: tiers))"))
            }
        }
        if stripe.keys.contains("metadata_key") { metadataKey = stripe.string("metadata_key") }
        if let limit = stripe.int("device_limit") {
            if (1...1000).contains(limit) { stripeDeviceLimit = limit } else { stripe.report(at: "device_limit", "'device_limit' must be between 1 and 1000") }
        }
        return problems
    }

    mutating func readLogLevel(_ yaml: YAMLObject) {
        guard let level = yaml.string("log_level") else { return }
        if let parsed = Logger.Level(rawValue: level) {
            logLevel = parsed
        } else {
            yaml.report(at: "log_level", "'log_level' must be one of \(Logger.Level.allCases.map(\.rawValue).joined(separator: ", "))")
        }
    }

    /// The whole number at `key` if it is within `range`; otherwise a problem, and `nil`.
    private static func number(_ yaml: YAMLObject, _ key: String, in range: ClosedRange<Int>) -> Int? {
        guard let value = yaml.int(key) else { return nil }
        guard range.contains(value) else {
            yaml.report(at: key, "'\(key)' must be between \(range.lowerBound) and \(range.upperBound)")
            return nil
        }
        return value
    }
}
