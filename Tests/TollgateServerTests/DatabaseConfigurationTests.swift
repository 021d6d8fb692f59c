import Foundation
import Testing

@testable import TollgateServer

@Suite("server.yml: the database")
struct DatabaseConfigurationTests {
    func parse(_ text: String) throws(ConfigurationError) -> ServerConfiguration {
        try ServerConfiguration.parse("tiers: [pro]\n" + text, file: "server.yml", folder: "/srv/tollgate")
    }

    func problems(_ text: String) -> String {
        do {
            _ = try parse(text)
            return ""
        } catch {
            return error.description
        }
    }

    @Test("a SQLite file stays the default; a postgres:// URL with its TLS settings and password file is read")
    func postgresLocation() throws {
        let sqlite = try parse("database: data/licenses.sqlite\n")
        #expect(sqlite.postgres == nil)
        #expect(sqlite.database == "/srv/tollgate/data/licenses.sqlite")

        let config = try parse("""
        database: postgres://tollgate@db.internal:6543/licenses
        database_tls: require
        database_ca_file: ca.pem
        database_password_file: secrets/db
        """)
        let location = try #require(config.postgres)
        #expect(location == {
            var expected = PostgresLocation(user: "tollgate", host: "db.internal", port: 6543, database: "licenses")
            expected.tls = .require
            expected.caFile = "/srv/tollgate/ca.pem"
            expected.passwordFile = "/srv/tollgate/secrets/db"
            return expected
        }())
        #expect(location.url == "postgres://tollgate@db.internal:6543/licenses")
        #expect(try parse("database: postgresql://app@127.0.0.1/db\n").postgres?.port == 5432)
        #expect(try parse("database: postgresql://app@127.0.0.1/db\n").postgres?.tls == .prefer)
    }

    @Test("a password in the URL, a missing user or database, options, a bad TLS mode and PostgreSQL keys with SQLite are refused at their line")
    func refusals() {
        #expect(problems("database: postgres://tollgate:hunter2@db/licenses\n").contains("server.yml:2"))
        #expect(problems("database: postgres://tollgate:hunter2@db/licenses\n").contains("must not hold a password"))
        #expect(!problems("database: postgres://tollgate:hunter2@db/licenses\n").contains("hunter2"))
        #expect(problems("database: postgres://db.internal/licenses\n").contains("names no user"))
        #expect(problems("database: postgres://tollgate@db.internal\n").contains("names no database"))
        #expect(problems("database: postgres://tollgate@db/x?sslmode=require\n").contains("database_tls"))
        #expect(problems("database: postgres://tollgate@db/x\ndatabase_tls: verify-full\n").contains("must be one of disable, prefer, require"))
        #expect(problems("database: licenses.sqlite\ndatabase_tls: require\n").contains("is for a PostgreSQL database"))
        #expect(problems("database: postgres://tollgate@db/x\ndatabase_tls: disable\ndatabase_ca_file: ca.pem\n").contains("needs 'database_tls: require'"))
    }

    @Test("the password comes from TOLLGATE_DATABASE_PASSWORD, else from the first line of the file")
    func password() throws {
        var location = PostgresLocation(user: "u", host: "127.0.0.1", database: "d")
        #expect(try location.password(environment: [:]) == nil)
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("tollgate-db-password-\(UUID().uuidString)")
        try "from-file\n".write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        location.passwordFile = file.path
        #expect(try location.password(environment: [:]) == "from-file")
        #expect(try location.password(environment: ["TOLLGATE_DATABASE_PASSWORD": "from-env"]) == "from-env")
        location.passwordFile = "/nonexistent/tollgate-password"
        #expect(throws: StoreError.self) { try location.password(environment: [:]) }
    }
}
