import Foundation
import HummingbirdTesting
import Testing

@testable import TollgateServer

/// A client that goes away in the middle of its request is the client's business: the server
/// logs it quietly (debug), never as a 500 or an "unexpected error", and carries on.
@Suite("Clients that abort a request", .serialized)
struct ClientAbortTests {
    static let abortLine = "closed the connection before the whole request"
    static let paths = ["/v1/unlock", "/v1/admin/licenses", "/v1/admin/licenses/lic_x/extend", "/v1/webhooks/stripe"]

    @Test("a request whose connection closes (FIN or RST) before its body ends is not logged as a 500", arguments: [false, true])
    func abortedBody(reset: Bool) async throws {
        let server = TestServer()
        try await server.test(.live) { client in
            let port = try #require(client.port)
            try await offPool {
                for path in Self.paths {
                    let connection = try RawConnection(port: port)
                    try connection.send(
                        "POST \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \(testAdminToken)\r\n"
                            + "Content-Type: application/json\r\nContent-Length: 200\r\n\r\n{\"license_key\": \"K"
                    )
                    Thread.sleep(forTimeInterval: 0.2)
                    connection.close(reset: reset)
                }
            }
            // Give a loaded machine time to notice every abort.
            let deadline = Date().addingTimeInterval(15)
            while Date() < deadline, server.log.lines.filter({ $0.contains(Self.abortLine) }).count < Self.paths.count {
                try await Task.sleep(for: .milliseconds(100))
            }
            let health = try await offPool { try RawConnection(port: port).get("/healthz", within: 15) }
            #expect(health.hasPrefix("HTTP/1.1 200"), "\(health)")
        }
        let lines = server.log.lines
        #expect(!lines.contains { $0.contains("unexpected error") || $0.contains("status=500") }, "\(lines.filter { $0.contains("500") || $0.contains("error") })")
        #expect(lines.filter { $0.contains(Self.abortLine) }.count == Self.paths.count, "\(lines)")
        #expect(!lines.contains { $0.contains(testAdminToken) })
    }
}
