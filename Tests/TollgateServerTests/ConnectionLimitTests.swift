import Foundation
import HummingbirdTesting
import Testing

@testable import TollgateServer

/// Runs blocking socket work off Swift's cooperative pool, so the server under test keeps
/// its threads.
func offPool<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread.detachNewThread { continuation.resume(with: Result { try work() }) }
    }
}

/// Slow and hostile clients against a real server on 127.0.0.1 (built by `buildApplication`):
/// half-sent requests are capped per client address and closed after the timeouts, while
/// another client is served.
@Suite("Connections: timeouts and the per-client cap", .serialized)
struct ConnectionLimitTests {
    static let otherClient = "127.0.0.2"

    /// Short timeouts (2 s) and a cap of 20, or, for `cap: nil`, a cap out of the way; with
    /// `slow`, timeouts long enough that none fires during a test.
    static func server(cap: Int? = 20, slow: Bool = false) -> TestServer {
        TestServer { configuration in
            configuration.connections.headerTimeout = slow ? 120 : 2
            configuration.connections.bodyTimeout = slow ? 120 : 2
            configuration.connections.idleTimeout = slow ? 120 : 2
            configuration.connections.connectionsPerClient = cap ?? 10_000
        }
    }

    @Test(
        "one client holds at most 20 connections: a 21st is closed unanswered, another client is served, a freed slot is usable again",
        .enabled(if: RawConnection.canConnect(from: otherClient), "needs \(otherClient) on the loopback interface (Linux has it)")
    )
    func perClientCap() async throws {
        let server = Self.server(slow: true)
        try await server.test(.live) { client in
            let port = try #require(client.port)
            let outcome = try await offPool { try Self.hoard(port: port, count: 40, cap: 20) }
            // The test's own HTTP client may hold one of the 20 connections of 127.0.0.1.
            #expect((19...20).contains(outcome.held), "connections one client may hold: \(outcome.held)")
            #expect(outcome.sameClientHealth.isEmpty, "a further connection of the same client is closed unanswered: \(outcome.sameClientHealth)")
            #expect(outcome.otherClientHealth.hasPrefix("HTTP/1.1 200"), "\(outcome.otherClientHealth)")
            #expect(outcome.afterClosingSome.hasPrefix("HTTP/1.1 200"), "\(outcome.afterClosingSome)")
        }
    }

    @Test("connections from a trusted proxy are not capped: every member arrives through it")
    func trustedProxyNotCapped() async throws {
        var server = Self.server(cap: 5, slow: true)
        server.configuration.trustedProxies = ["127.0.0.1"]
        try await server.test(.live) { client in
            let port = try #require(client.port)
            let held = try await offPool {
                let connections = try (0..<12).map { _ in try RawConnection(port: port) }
                for connection in connections { try connection.send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-For") }
                Thread.sleep(forTimeInterval: 0.5)
                return connections.filter { !$0.closedByServer(within: 0.02) }.count
            }
            #expect(held == 12)
        }
    }

    @Test(
        "60 half-sent requests (heads and bodies cut short) are all closed after the timeouts, quietly; /healthz answers meanwhile",
        .enabled(if: RawConnection.canConnect(from: otherClient), "needs \(otherClient) on the loopback interface (Linux has it)")
    )
    func halfSentRequests() async throws {
        let server = Self.server(cap: nil)
        try await server.test(.live) { client in
            let port = try #require(client.port)
            let outcome = try await offPool { try Self.flood(port: port, count: 60) }
            #expect(outcome.openAtFirst > 30, "the half-sent connections were held at first: \(outcome.openAtFirst)")
            #expect(outcome.otherClientHealth.hasPrefix("HTTP/1.1 200"), "\(outcome.otherClientHealth)")
            #expect(outcome.stillOpenAfterTimeout == 0, "half-sent requests outlived the timeouts")
            #expect(outcome.seconds < 45)
        }
        #expect(!server.log.lines.contains { $0.contains("unexpected error") || $0.contains("status=500") }, "\(server.log.lines)")
    }

    @Test("a kept-alive connection is closed after the idle timeout; a request in time is answered")
    func idleConnection() async throws {
        let server = Self.server()
        try await server.test(.live) { client in
            let port = try #require(client.port)
            let (first, closed) = try await offPool {
                let connection = try RawConnection(port: port)
                try connection.send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                let first = connection.readUntilClosed(within: 1)
                return (first, connection.closedByServer(within: 4))
            }
            #expect(first.hasPrefix("HTTP/1.1 200"))
            #expect(closed)
        }
    }

    @Test("server.yml sets the timeouts, the cap and the admin failure rate, within their ranges; the defaults are sane")
    func settings() throws {
        let defaults = ServerConfiguration()
        #expect(defaults.connections == ConnectionLimits())
        #expect((defaults.connections.headerTimeout, defaults.connections.bodyTimeout, defaults.connections.idleTimeout) == (10, 10, 30))
        #expect(defaults.connections.connectionsPerClient == 64)
        #expect(defaults.adminFailuresPerMinute == 10)
        let text = """
        tiers: [pro]
        limits:
          header_timeout_seconds: 5
          body_timeout_seconds: 20
          idle_timeout_seconds: 120
          connections_per_client: 16
          admin_failures_per_minute: 3
        """
        let configuration = try ServerConfiguration.parse(text, file: "server.yml", folder: "")
        #expect(configuration.connections.headerTimeout == 5)
        #expect(configuration.connections.bodyTimeout == 20)
        #expect(configuration.connections.idleTimeout == 120)
        #expect(configuration.connections.connectionsPerClient == 16)
        #expect(configuration.adminFailuresPerMinute == 3)
        do {
            _ = try ServerConfiguration.parse("tiers: [pro]\nlimits:\n  header_timeout_seconds: 0\n  connections_per_client: -1\n  idle_timeout_second: 5\n", file: "server.yml", folder: "")
            Issue.record("out-of-range limits were accepted")
        } catch {
            let found = error.diagnostics.map(\.description)
            #expect(found.contains("server.yml:3: 'header_timeout_seconds' must be between 1 and 300"))
            #expect(found.contains("server.yml:4: 'connections_per_client' must be between 1 and 100000"))
            #expect(found.contains("server.yml:5: unknown key 'idle_timeout_second' in limits (did you mean 'idle_timeout_seconds'?)"))
        }
    }

    struct Hoard: Sendable {
        var held = 0
        var sameClientHealth = ""
        var otherClientHealth = ""
        var afterClosingSome = ""
    }

    /// Opens `count` connections from 127.0.0.1 that send half a request head, then asks
    /// for /healthz from 127.0.0.1 and from another address; closes five and asks again.
    static func hoard(port: Int, count: Int, cap: Int) throws -> Hoard {
        var outcome = Hoard()
        var connections: [RawConnection] = []
        for _ in 0..<count {
            let connection = try RawConnection(port: port)
            try connection.send("POST /v1/unlock HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Ty")
            connections.append(connection)
        }
        // The server closes the connections over the cap as it accepts them; on a loaded
        // machine (the whole suite runs in parallel) that can take seconds, so wait for it.
        var held = connections
        let settled = Date().addingTimeInterval(60)
        repeat {
            Thread.sleep(forTimeInterval: 0.25)
            held = held.filter { !$0.closedByServer(within: 0.02) }
        } while held.count > cap && Date() < settled
        outcome.held = held.count
        outcome.sameClientHealth = try RawConnection(port: port).get("/healthz", within: 2)
        outcome.otherClientHealth = try RawConnection(port: port, from: otherClient).get("/healthz", within: 60)
        for connection in held.prefix(5) { connection.close(reset: false) }
        held.removeFirst(min(5, held.count))
        let deadline = Date().addingTimeInterval(60)
        repeat {
            outcome.afterClosingSome = try RawConnection(port: port).get("/healthz", within: 20)
        } while !outcome.afterClosingSome.hasPrefix("HTTP/1.1 200") && Date() < deadline
        return outcome
    }

    struct Flood: Sendable {
        var openAtFirst = 0
        var otherClientHealth = ""
        var stillOpenAfterTimeout = 0
        var seconds = 0.0
    }

    /// Opens `count` connections from 127.0.0.1, half cut off in the head and half in the
    /// body, and watches what the server does with them. The waits are generous (the 2 s
    /// timeouts must have closed every connection 12 s after the first one opened; a request
    /// may take 15 s) because the whole suite runs in parallel on small machines; without the
    /// timeouts, none of these connections would ever be closed.
    static func flood(port: Int, count: Int) throws -> Flood {
        let start = Date()
        var outcome = Flood()
        var connections: [RawConnection] = []
        for index in 0..<count {
            let connection = try RawConnection(port: port)
            if index.isMultiple(of: 2) {
                try connection.send("POST /v1/unlock HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Ty")
            } else {
                try connection.send("POST /v1/unlock HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"lic")
            }
            connections.append(connection)
        }
        outcome.openAtFirst = connections.filter { !$0.closedByServer(within: 0.01) }.count
        outcome.otherClientHealth = try RawConnection(port: port, from: otherClient).get("/healthz", within: 60)
        outcome.stillOpenAfterTimeout = connections.filter { !$0.closedByServer(within: max(0.1, 12 - Date().timeIntervalSince(start))) }.count
        outcome.seconds = Date().timeIntervalSince(start)
        return outcome
    }
}
