import Foundation
import PostgresNIO

/// The PostgreSQL schema, one numbered step at a time. All pending steps run in one
/// transaction that first takes a transaction-level advisory lock: when several instances
/// start at once, one migrates and the others wait, then find nothing left to do.
enum PostgresMigrations {
    /// `pg_advisory_xact_lock` key of the migrations (any fixed number; "tollgate" in ASCII).
    static let lockKey = 0x746F_6C6C_6761_7465

    static let steps: [[String]] = [
        [
            """
            CREATE TABLE licenses (
                seq BIGSERIAL NOT NULL UNIQUE,
                id TEXT PRIMARY KEY,
                key_hash BYTEA NOT NULL UNIQUE,
                email TEXT,
                tiers TEXT NOT NULL,
                status TEXT NOT NULL CHECK (status IN ('active', 'expired', 'revoked')),
                reason TEXT,
                expires_at BIGINT,
                device_limit INTEGER NOT NULL CHECK (device_limit > 0),
                created_at BIGINT NOT NULL,
                updated_at BIGINT NOT NULL,
                source TEXT NOT NULL,
                note TEXT,
                stripe_session TEXT UNIQUE,
                stripe_customer TEXT,
                stripe_subscription TEXT,
                stripe_payment_intent TEXT,
                stripe_invoice TEXT,
                delivered_at BIGINT
            )
            """,
            "CREATE INDEX licenses_email ON licenses (lower(email))",
            "CREATE INDEX licenses_created ON licenses (created_at)",
            "CREATE INDEX licenses_subscription ON licenses (stripe_subscription)",
            "CREATE INDEX licenses_payment_intent ON licenses (stripe_payment_intent)",
            "CREATE INDEX licenses_invoice ON licenses (stripe_invoice)",
            """
            CREATE TABLE devices (
                id TEXT PRIMARY KEY,
                license_id TEXT NOT NULL REFERENCES licenses (id) ON DELETE CASCADE,
                client_id TEXT NOT NULL,
                token_hash BYTEA NOT NULL UNIQUE,
                created_at BIGINT NOT NULL,
                last_seen_at BIGINT NOT NULL,
                UNIQUE (license_id, client_id)
            )
            """,
            """
            CREATE TABLE stripe_events (
                id TEXT PRIMARY KEY,
                type TEXT NOT NULL,
                received_at BIGINT NOT NULL,
                license_id TEXT
            )
            """,
            // Rate limits need no durability: unlogged, so taking a token costs no WAL flush.
            // After a crash of PostgreSQL they start full, as they do when one server restarts.
            """
            CREATE UNLOGGED TABLE rate_buckets (
                key TEXT PRIMARY KEY,
                tokens DOUBLE PRECISION NOT NULL,
                updated_at DOUBLE PRECISION NOT NULL,
                granted INTEGER NOT NULL
            )
            """,
        ],
    ]

    /// Brings the schema up to date; the number of steps applied now.
    @discardableResult
    static func run(on connection: PostgresConnection) async throws -> Int {
        try await connection.withTransaction(logger: .silent) { connection in
            try await connection.rows("SELECT pg_advisory_xact_lock(\(lockKey))", logger: .silent)
            try await connection.rows(
                "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)", logger: .silent
            )
            let applied = try await version(on: connection)
            guard applied <= steps.count else { throw newerSchema(applied) }
            for (index, statements) in steps.enumerated() where index + 1 > applied {
                for statement in statements { try await connection.rows(PostgresQuery(unsafeSQL: statement), logger: .silent) }
                try await connection.rows(
                    "INSERT INTO schema_migrations (version, applied_at) VALUES (\(index + 1), \(Date().unixSeconds))", logger: .silent
                )
            }
            return steps.count - applied
        }
    }

    /// The schema version of the database (0 when it has none).
    static func version(on connection: PostgresConnection) async throws -> Int {
        let exists = try await connection.rows("SELECT to_regclass('schema_migrations') IS NOT NULL AS present", logger: .silent)
        guard (try? exists.first?["present"].decode(Bool.self)) == true else { return 0 }
        return try await connection.rows("SELECT COALESCE(MAX(version), 0) AS v FROM schema_migrations", logger: .silent).first?.int("v") ?? 0
    }

    static func newerSchema(_ version: Int) -> StoreError {
        StoreError("the database has schema version \(version), newer than this tollgate-server knows (\(steps.count)); upgrade tollgate-server")
    }
}

extension PostgresLicenseStore {
    /// Runs the pending migrations (safe while other instances start); how many ran.
    @discardableResult
    public func migrate() async throws -> Int {
        let client = self.client
        do {
            return try await PostgresFailure.withTimeout(.seconds(30)) {
                try await client.withConnection { connection in try await PostgresMigrations.run(on: connection) }
            }
        } catch {
            throw StoreError("cannot bring the schema of \(location.url) up to date: \(PostgresFailure.describe(error))")
        }
    }
}
