import Foundation
import Logging
import PostgresNIO
import TollgateTestSupport

@testable import TollgateServer

/// The PostgreSQL server of the tests: `TOLLGATE_TEST_POSTGRES_URL` (`.ci/run` starts a
/// private cluster and sets it), or `postgres://tollgate@127.0.0.1:5432/tollgate_test`.
/// Each test makes its own database in it, so tests running in parallel never meet.
enum PostgresTestServer {
    static let url = ProcessInfo.processInfo.environment["TOLLGATE_TEST_POSTGRES_URL"] ?? "postgres://tollgate@127.0.0.1:5432/tollgate_test"

    /// Where the base database is; the URL must be valid and on 127.0.0.1.
    static var base: PostgresLocation {
        guard case .success(var location) = PostgresLocation.parse(url), location.host == "127.0.0.1" else {
            fatalError("TOLLGATE_TEST_POSTGRES_URL must be postgres://user@127.0.0.1:port/database, not \(url)")
        }
        location.tls = .disable
        return location
    }

    /// Whether the tests can use the server: always true in CI (where a test then fails if
    /// it is not there); elsewhere, whether something answers at the URL's port, with the
    /// reason printed when not.
    static let available: Bool = {
        if ExternalTool.isCI { return true }
        if (try? RawConnection(port: base.port)) != nil { return true }
        print("skipped: no PostgreSQL server answers at \(base.url) (set TOLLGATE_TEST_POSTGRES_URL, or start one with .ci/postgres start DIR 5432)")
        return false
    }()

    /// A new, empty database of its own; dropped by ``drop(_:)``.
    static func makeDatabase() async throws -> PostgresLocation {
        var location = base
        location.database = "tollgate_t_" + String(UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(20))
        try await administer("CREATE DATABASE \(location.database)")
        return location
    }

    /// Drops a database of ``makeDatabase()`` (its connections are ended first).
    static func drop(_ location: PostgresLocation) async {
        try? await administer("DROP DATABASE IF EXISTS \(location.database) WITH (FORCE)")
    }

    /// Ends every connection to `location`'s database from outside, as a restart of
    /// PostgreSQL or a network cut would.
    static func terminateConnections(to location: PostgresLocation) async throws {
        try await administer("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '\(location.database)' AND pid <> pg_backend_pid()")
    }

    /// Runs `sql` on the base database.
    static func administer(_ sql: String) async throws {
        let base = self.base
        let configuration = PostgresConnection.Configuration(
            host: base.host, port: base.port, username: base.user, password: nil, database: base.database, tls: .disable
        )
        let connection: PostgresConnection
        do {
            connection = try await PostgresConnection.connect(configuration: configuration, id: 1, logger: Logger(label: "test-admin"))
        } catch {
            throw ExternalTool.ToolFailure(
                message: "no PostgreSQL server answers at \(base.url) (\(String(reflecting: error).prefix(200))); .ci/run starts one and sets TOLLGATE_TEST_POSTGRES_URL"
            )
        }
        do {
            _ = try await connection.query(PostgresQuery(unsafeSQL: sql), logger: Logger(label: "test-admin")).collect()
        } catch {
            try? await connection.close()
            throw error
        }
        try await connection.close()
    }

    /// A store on a new database of its own.
    static func openStore(operationTimeout: Duration = .seconds(10)) async throws -> (PostgresLicenseStore, PostgresLocation) {
        let location = try await makeDatabase()
        return (try await PostgresLicenseStore.open(location, password: nil, operationTimeout: operationTimeout, logger: Logger(label: "test")), location)
    }
}
