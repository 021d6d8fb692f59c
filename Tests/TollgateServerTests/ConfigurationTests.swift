import Foundation
import Testing
import TollgateCrypto

@testable import TollgateServer

@Suite("server.yml and secrets")
struct ConfigurationTests {
    func parse(_ text: String, folder: String = "/srv/tollgate") throws(ConfigurationError) -> ServerConfiguration {
        try ServerConfiguration.parse(text, file: "server.yml", folder: folder)
    }

    func problems(_ text: String) -> [String] {
        do {
            _ = try parse(text)
            return []
        } catch {
            return error.diagnostics.map(\.description)
        }
    }

    @Test("a full configuration is read, with relative paths resolved against its folder")
    func full() throws {
        let config = try parse("""
        listen: 0.0.0.0:9000
        database: data/licenses.sqlite
        tiers: [member, pro]
        epochs: [3, 2]
        allowed_origins: [https://courses.example.com, http://127.0.0.1:8000]
        trusted_proxies: [127.0.0.1, "::1"]
        master_key_file: secrets/master.key
        default_device_limit: 5
        renew_url: https://courses.example.com/pricing/
        limits:
          body_bytes: 2048
          client_requests_per_minute: 30
          license_attempts_per_minute: 5
        stripe:
          payment_links: {plink_1: pro, plink_2: member}
          metadata_key: plan
          device_limit: 2
        log_level: debug
        """)
        #expect(config.host == "0.0.0.0" && config.port == 9000)
        #expect(config.database == "/srv/tollgate/data/licenses.sqlite")
        #expect(config.masterKeyFile == "/srv/tollgate/secrets/master.key")
        #expect(config.tiers == ["member", "pro"])
        #expect(config.epochs == [3, 2])
        #expect(config.allowedOrigins == ["https://courses.example.com", "http://127.0.0.1:8000"])
        #expect(config.trustedProxies == ["127.0.0.1", "::1"])
        #expect(config.defaultDeviceLimit == 5)
        #expect(config.bodyLimit == 2048 && config.clientRequestsPerMinute == 30 && config.licenseAttemptsPerMinute == 5)
        #expect(config.paymentLinks == ["plink_1": "pro", "plink_2": "member"])
        #expect(config.metadataKey == "plan" && config.stripeDeviceLimit == 2)
        #expect(config.logLevel == .debug)
    }

    @Test("defaults: loopback, one epoch, three devices, no origins")
    func defaults() throws {
        let config = try parse("tiers: [pro]")
        #expect(config.listen == "127.0.0.1:8787")
        #expect(config.database == "/srv/tollgate/tollgate.sqlite")
        #expect(config.epochs == [1])
        #expect(config.defaultDeviceLimit == 3)
        #expect(config.bodyLimit == 4096)
        #expect(config.metadataKey == "tier")
    }

    @Test("unknown keys get a line and a suggestion; every problem is reported at once")
    func strict() {
        let found = problems("""
        tiers: [pro]
        listen: localhost
        alowed_origins: [https://a.example]
        epochs: [0]
        allowed_origins: [https://a.example/path]
        limits:
          body_byte: 100
        stripe:
          payment_links: {plink_1: gold}
        log_level: loud
        """)
        #expect(found.contains("server.yml:2: 'listen' must be host:port, like 127.0.0.1:8787, not 'localhost'"))
        #expect(found.contains("server.yml:3: unknown key 'alowed_origins' in server.yml (did you mean 'allowed_origins'?)"))
        #expect(found.contains("server.yml:4: 'epochs' must list one or two different positive whole numbers, current first, like [3, 2]"))
        #expect(found.contains { $0.hasPrefix("server.yml:5: 'https://a.example/path' is not an origin") })
        #expect(found.contains("server.yml:7: unknown key 'body_byte' in limits (did you mean 'body_bytes'?)"))
        #expect(found.contains("server.yml:9: payment link plink_1 maps to unknown tier 'gold'"))
        #expect(found.contains { $0.hasPrefix("server.yml:10: 'log_level' must be one of") })
        #expect(found.count == 7)
        #expect(problems("listen: 127.0.0.1:8787").contains { $0.contains("no tiers") })
        #expect(problems("tiers: [Pro Plan]").contains { $0.contains("lowercase") })
        #expect(problems("tiers: [pro]\nlisten: [1, 2]").contains { $0.contains("'listen' in server.yml must be text") })
        #expect(problems("tiers: [pro\n").first?.contains("invalid YAML") == true)
    }

    @Test("site: reads tiers, epoch, key file and origin from the site's site.yml; server.yml still wins")
    func fromSite() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tollgate-config-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("site"), withIntermediateDirectories: true)
        try """
        title: A course
        base_url: https://courses.example.com/learn
        tiers:
          - id: member
            name: Member
          - id: pro
            name: Pro
            includes: [member]
        keys:
          epoch: 4
        """.write(to: folder.appendingPathComponent("site/site.yml"), atomically: true, encoding: .utf8)
        let config = try parse("site: site/site.yml", folder: folder.path)
        #expect(config.tiers == ["member", "pro"])
        #expect(config.epochs == [4])
        #expect(config.allowedOrigins == ["https://courses.example.com"])
        #expect(config.masterKeyFile == folder.path + "/site/.tollgate/master.key")
        #expect(config.siteURL == "https://courses.example.com/learn")
        let overridden = try parse("site: site/site.yml\nepochs: [4, 3]\nallowed_origins: [http://127.0.0.1:8000]", folder: folder.path)
        #expect(overridden.epochs == [4, 3])
        #expect(overridden.allowedOrigins == ["http://127.0.0.1:8000"])
        #expect(problems("site: /nonexistent/site.yml").first?.contains("cannot read the site's configuration") == true)
    }

    @Test("the example repository's server.yml is valid")
    func exampleConfiguration() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let config = try ServerConfiguration.load(from: root.appendingPathComponent("server.yml").path)
        #expect(config.tiers == ["member", "concurrency", "pro"])
        #expect(config.allowedOrigins.contains("http://127.0.0.1:8000"))
    }

    @Test("secrets come from the environment and are never echoed")
    func secrets() throws {
        let config = ServerConfiguration(tiers: ["pro"])
        let loaded = try ServerSecrets.load(
            environment: ["TOLLGATE_MASTER_KEY": serverTestMasterKey.base64EncodedSecret(), "TOLLGATE_ADMIN_TOKEN": testAdminToken, "STRIPE_WEBHOOK_SECRET": "whsec_x"],
            configuration: config
        )
        #expect(loaded.masterKey.fingerprint == serverTestMasterKey.fingerprint)
        #expect(loaded.adminToken == testAdminToken)
        #expect(loaded.stripeWebhookSecret == "whsec_x")

        #expect(throws: SecretsError.self) { try ServerSecrets.load(environment: [:], configuration: config) }
        do {
            _ = try ServerSecrets.load(environment: ["TOLLGATE_MASTER_KEY": "c2VjcmV0LWJ1dC1zaG9ydA=="], configuration: config)
            Issue.record("a malformed master key was accepted")
        } catch {
            #expect(!error.description.contains("c2VjcmV0LWJ1dC1zaG9ydA=="))
            #expect(error.description.contains("TOLLGATE_MASTER_KEY"))
        }
        do {
            _ = try ServerSecrets.load(environment: ["TOLLGATE_MASTER_KEY": serverTestMasterKey.base64EncodedSecret(), "TOLLGATE_ADMIN_TOKEN": "short-secret"], configuration: config)
            Issue.record("a short admin token was accepted")
        } catch {
            #expect(!error.description.contains("short-secret"))
            #expect(error.description.contains("at least 32"))
        }
        var withFile = config
        withFile.masterKeyFile = "/nonexistent/master.key"
        #expect(throws: SecretsError.self) { try ServerSecrets.load(environment: [:], configuration: withFile) }
    }
}
