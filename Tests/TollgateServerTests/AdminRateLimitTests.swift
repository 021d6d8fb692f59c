import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@testable import TollgateServer

/// Wrong admin tokens are rate-limited per client address: guessing the token is slow, and a
/// client that is limited gets `429` without its token being compared.
@Suite("Admin API: wrong tokens are rate-limited")
struct AdminRateLimitTests {
    @Test("after 3 wrong tokens a client gets 429 with Retry-After, even with the right token; other clients and the next minute are not affected")
    func wrongTokens() async throws {
        let server = TestServer { configuration in
            configuration.adminFailuresPerMinute = 3
            configuration.trustedProxies = ["127.0.0.1"]
        }
        try await server.test(.live) { client in
            let attacker: HTTPFields = [.xForwardedFor: "203.0.113.7"]
            let other: HTTPFields = [.xForwardedFor: "198.51.100.9"]
            #expect(try await client.admin(.get, "/v1/admin/licenses", headers: attacker).status == .ok)
            for _ in 0..<3 {
                #expect(try await client.admin(.get, "/v1/admin/licenses", token: "guess", headers: attacker).status == .unauthorized)
            }
            let limited = try await client.admin(.get, "/v1/admin/licenses", token: "guess", headers: attacker)
            #expect(limited.status == .tooManyRequests)
            #expect(limited.errorCode == "rate_limited")
            let retry = try #require(limited.headers[.retryAfter].flatMap { Int($0) })
            #expect((1...60).contains(retry))
            let right = try await client.admin(.get, "/v1/admin/licenses", headers: attacker)
            #expect(right.status == .tooManyRequests, "a limited client's token is not compared")
            #expect(try await client.admin(.get, "/v1/admin/licenses", headers: other).status == .ok)
            server.clock.advance(Double(retry))
            #expect(try await client.admin(.get, "/v1/admin/licenses", headers: attacker).status == .ok)
        }
        #expect(server.log.lines.contains { $0.contains("wrong token") && $0.contains("203.0.113.7") })
        #expect(!server.log.lines.contains { $0.contains("guess") })
    }
}
