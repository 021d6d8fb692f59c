import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOConcurrencyHelpers
import NIOCore
import TollgateCrypto

@testable import TollgateServer

/// The master key of every server test: public, never used for a real site.
let serverTestMasterKey = try! MasterKey(base64: "dG9sbGdhdGUgdGVzdCBtYXN0ZXIga2V5OiBwdWJsaWM=")
let testAdminToken = "test-admin-token-0123456789abcdefghijklmnop"
let testStripeSecret = "whsec_test_0123456789abcdefghijklmnopqrstuv"
let testOrigin = "https://courses.example.com"

/// A clock tests move by hand.
final class TestClock: Sendable {
    private let box = NIOLockedValueBox(Date(timeIntervalSince1970: 1_800_000_000))

    var now: Date { box.withLockedValue { $0 } }

    func advance(_ seconds: TimeInterval) {
        box.withLockedValue { $0 = $0.addingTimeInterval(seconds) }
    }
}

/// Log lines kept in memory, at every level, to check what the server writes.
final class CapturedLog: Sendable {
    private let box = NIOLockedValueBox([String]())

    var lines: [String] { box.withLockedValue { $0 } }

    func logger() -> Logger {
        var logger = Logger(label: "tollgate-server-test") { label in Handler(log: self) }
        logger.logLevel = .trace
        return logger
    }

    fileprivate func append(_ line: String) { box.withLockedValue { $0.append(line) } }

    private struct Handler: LogHandler {
        let log: CapturedLog
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let all = metadata.merging(event.metadata ?? [:]) { $1 }
            let fields = all.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
            log.append("\(event.level) \(event.message) \(fields)")
        }
    }
}

/// One server under test: configuration, store, clock and log, built through the same
/// `buildApplication` as `tollgate-server serve`.
struct TestServer {
    var configuration: ServerConfiguration
    var secrets = ServerSecrets(masterKey: serverTestMasterKey, adminToken: testAdminToken, stripeWebhookSecret: testStripeSecret)
    var store: any LicenseStore = InMemoryLicenseStore()
    let clock = TestClock()
    let log = CapturedLog()

    init(_ adjust: (inout ServerConfiguration) -> Void = { _ in }) {
        var configuration = ServerConfiguration(tiers: ["member", "concurrency", "pro"])
        configuration.epochs = [2, 1]
        configuration.allowedOrigins = [testOrigin]
        configuration.renewURL = "https://courses.example.com/pricing/"
        configuration.siteURL = "https://courses.example.com/"
        configuration.paymentLinks = ["plink_pro": "pro"]
        configuration.port = 0
        // Timeouts run on the wall clock, not on `clock`: a test process starved of CPU (the whole
        // suite runs in parallel on two cores) must not see its kept-alive connection closed
        // between two requests. Tests of the timeouts themselves set their own.
        configuration.connections.headerTimeout = 300
        configuration.connections.bodyTimeout = 300
        configuration.connections.idleTimeout = 3600
        adjust(&configuration)
        self.configuration = configuration
    }

    var authority: LicenseAuthority { LicenseAuthority(master: secrets.masterKey) }

    var licensing: Licensing {
        let clock = self.clock
        return Licensing(configuration: configuration, authority: authority, store: store, now: { clock.now })
    }

    /// Issues a license directly in the store.
    func issue(_ tiers: [String] = ["pro"], deviceLimit: Int? = nil, expiresAt: Date? = nil) async throws -> (license: License, key: String) {
        let issued = try await licensing.issue(LicenseOrder(tiers: tiers, expiresAt: expiresAt, deviceLimit: deviceLimit, source: "cli"))
        return (issued[0].license, issued[0].key.text)
    }

    /// Runs `body` with a client of the router (or of a live server on 127.0.0.1).
    func test<T>(_ setup: TestingSetup = .router, _ body: @Sendable (any TestClientProtocol) async throws -> T) async throws -> T {
        let clock = self.clock
        let app = buildApplication(configuration: configuration, secrets: secrets, store: store, logger: log.logger(), now: { clock.now })
        return try await app.test(setup, body)
    }
}

extension TestClientProtocol {
    /// POSTs `json` to `path`.
    func post(_ path: String, _ json: String, headers: HTTPFields = [:]) async throws -> TestResponse {
        var all: HTTPFields = [.contentType: "application/json"]
        all.append(contentsOf: headers)
        return try await execute(uri: path, method: .post, headers: all, body: ByteBuffer(string: json))
    }

    /// `POST /v1/unlock`.
    func unlock(_ key: String, device: String = "device-0123456789abcdef", headers: HTTPFields = [:]) async throws -> TestResponse {
        try await post("/v1/unlock", #"{"license_key":\#(jsonString(key)),"device_id":\#(jsonString(device))}"#, headers: headers)
    }

    /// A request with the admin token.
    func admin(_ method: HTTPRequest.Method, _ path: String, _ json: String? = nil, token: String = testAdminToken, headers more: HTTPFields = [:]) async throws -> TestResponse {
        var headers: HTTPFields = [.authorization: "Bearer \(token)"]
        headers.append(contentsOf: more)
        if json != nil { headers[.contentType] = "application/json" }
        return try await execute(uri: path, method: method, headers: headers, body: json.map { ByteBuffer(string: $0) })
    }
}

func jsonString(_ text: String) -> String { Encoding.jsonString(text) }

extension TestResponse {
    /// The body as a JSON object.
    var json: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(body.readableBytesView))) as? [String: Any] ?? [:]
    }

    /// `error.code` of an error body.
    var errorCode: String? { (json["error"] as? [String: Any])?["code"] as? String }

    /// `error` of an error body.
    var error: [String: Any] { json["error"] as? [String: Any] ?? [:] }

    var text: String { String(buffer: body) }
}
