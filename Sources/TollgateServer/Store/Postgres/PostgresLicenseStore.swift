import Foundation
import Logging
import NIOCore
import PostgresNIO

/// The ``LicenseStore`` of several server instances sharing one PostgreSQL database.
///
/// Every promise the single SQLite server makes is kept by the database, not by a process:
/// an activation locks its license's row, so concurrent unlocks through any number of
/// instances never exceed the device limit; a Stripe event id is inserted before its action
/// in the same transaction, so the same event delivered to two instances at once makes one
/// license. Writes that change what members see send a notification on the
/// ``changeChannel`` channel, which every instance's ``PostgresChangeListener`` turns into an
/// emptied cache.
///
/// When the database cannot be reached, every method throws ``StoreUnavailable`` within
/// ``operationTimeout``; the connection pool reconnects by itself.
public final class PostgresLicenseStore: LicenseStore {
    /// The channel of change notifications.
    public static let changeChannel = "tollgate_changes"

    /// Where the database is (no password).
    public let location: PostgresLocation
    let client: PostgresClient
    let connection: PostgresConnection.Configuration
    let logger: Logger
    /// How long one operation may take before the database counts as unreachable.
    public let operationTimeout: Duration
    private let runner: Task<Void, Never>

    private init(location: PostgresLocation, client: PostgresClient, connection: PostgresConnection.Configuration, logger: Logger, operationTimeout: Duration) {
        self.location = location
        self.client = client
        self.connection = connection
        self.logger = logger
        self.operationTimeout = operationTimeout
        runner = Task { await client.run() }
    }

    /// Connects to the database at `location` and brings its schema up to date (unless
    /// `migrate` is false: then the caller runs ``migrate()`` itself).
    /// - Parameters:
    ///   - password: the database password (from the environment or a file; never logged).
    ///   - connections: the most connections this process opens.
    public static func open(
        _ location: PostgresLocation, password: String?, connections: Int = 20, migrate: Bool = true,
        operationTimeout: Duration = .seconds(5), logger: Logger
    ) async throws -> PostgresLicenseStore {
        let tls = try PostgresTLS(location)
        var configuration = PostgresClient.Configuration(
            host: location.host, port: location.port, username: location.user, password: password, database: location.database,
            tls: tls.client
        )
        configuration.options.maximumConnections = connections
        configuration.options.connectTimeout = .seconds(3)
        configuration.options.keepAliveBehavior = .init(frequency: .seconds(15))
        let connection = PostgresConnection.Configuration(
            host: location.host, port: location.port, username: location.user, password: password, database: location.database,
            tls: tls.connection
        )
        var quiet = logger
        quiet.logLevel = max(logger.logLevel, .warning)
        let client = PostgresClient(configuration: configuration, backgroundLogger: quiet)
        let store = PostgresLicenseStore(location: location, client: client, connection: connection, logger: quiet, operationTimeout: operationTimeout)
        do {
            if migrate { try await store.migrate() }
        } catch {
            await store.close()
            throw StoreError("cannot open the database \(location.url): \(PostgresFailure.describe(error))")
        }
        return store
    }

    /// Stops the connection pool; the store cannot be used afterwards.
    public func close() async {
        runner.cancel()
        _ = await runner.value
    }

    // MARK: Running statements

    /// Runs `body` on one pooled connection within ``operationTimeout``, with errors sorted
    /// into ``StoreUnavailable`` and ``StoreError``.
    func withConnection<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        let client = self.client
        do {
            return try await PostgresFailure.withTimeout(operationTimeout) {
                try await client.withConnection { connection in try await body(connection) }
            }
        } catch {
            switch PostgresFailure.classify(error) {
            case .unavailable(let failure): throw failure
            case .failed(let failure): throw failure
            case .retry: throw StoreError("PostgreSQL: a statement lost a race with another transaction")
            }
        }
    }

    /// Runs `body` in one transaction (read committed, with the row locks each statement takes),
    /// again when it loses a serialization race, at most five times.
    func transaction<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        let client = self.client
        let logger = self.logger
        var attempt = 0
        while true {
            attempt += 1
            do {
                return try await PostgresFailure.withTimeout(operationTimeout) {
                    try await client.withConnection { connection in
                        try await connection.withTransaction(logger: logger) { connection in try await body(connection) }
                    }
                }
            } catch {
                switch PostgresFailure.classify(error) {
                case .retry where attempt < 5: continue
                case .retry: throw StoreError("PostgreSQL: a transaction lost a race five times in a row")
                case .unavailable(let failure): throw failure
                case .failed(let failure): throw failure
                }
            }
        }
    }

    /// The rows of `query` on a pooled connection.
    func rows(_ query: PostgresQuery) async throws -> [PostgresRandomAccessRow] {
        try await withConnection { connection in try await connection.rows(query, logger: Logger.silent) }
    }

    // MARK: LicenseStore

    public func insert(_ licenses: [License]) async throws {
        try await transaction { connection in
            for license in licenses { try await Self.insert(license, on: connection) }
        }
    }

    public func license(id: String) async throws -> License? {
        try await rows("SELECT * FROM licenses WHERE id = \(id)").first.map({ License(row: $0) })
    }

    public func license(checkoutSession: String) async throws -> License? {
        try await rows("SELECT * FROM licenses WHERE stripe_session = \(checkoutSession)").first.map({ License(row: $0) })
    }

    public func licenses(_ filter: LicenseFilter) async throws -> [License] {
        let now = filter.now.unixSeconds
        let status = filter.status?.rawValue
        let email = filter.email
        let limit = max(0, min(filter.limit, Int(Int32.max)))
        return try await rows(
            """
            SELECT * FROM licenses
            WHERE (\(status)::text IS NULL
                   OR (\(status) = 'active' AND status = 'active' AND (expires_at IS NULL OR expires_at > \(now)))
                   OR (\(status) = 'expired' AND (status = 'expired' OR (status = 'active' AND expires_at <= \(now))))
                   OR (\(status) = 'revoked' AND status = 'revoked'))
              AND (\(email)::text IS NULL OR lower(email) = lower(\(email)))
            ORDER BY created_at DESC, seq DESC LIMIT \(limit)
            """
        ).map({ License(row: $0) })
    }

    public func unlockLookup(keyHash: [UInt8], clientID: String) async throws -> UnlockLookup? {
        let rows = try await rows(
            """
            SELECT l.*, d.id AS d_id, d.client_id AS d_client_id, d.token_hash AS d_token_hash,
                   d.created_at AS d_created_at, d.last_seen_at AS d_last_seen_at,
                   (SELECT COUNT(*) FROM devices WHERE license_id = l.id) AS devices_in_use
            FROM licenses l LEFT JOIN devices d ON d.license_id = l.id AND d.client_id = \(clientID)
            WHERE l.key_hash = \(ByteBuffer(bytes: keyHash))
            """
        )
        guard let row = rows.first else { return nil }
        let license = License(row: row)
        let device = row.optionalString("d_id").map { id in
            Device(
                id: id, licenseID: license.id, clientID: row.string("d_client_id"), tokenHash: row.bytes("d_token_hash"),
                createdAt: row.date("d_created_at"), lastSeenAt: row.date("d_last_seen_at")
            )
        }
        return UnlockLookup(license: license, device: device, devicesInUse: row.int("devices_in_use"))
    }

    public func deviceLookup(tokenHash: [UInt8]) async throws -> DeviceLookup? {
        let rows = try await rows(
            """
            SELECT l.*, d.id AS d_id, d.client_id AS d_client_id, d.created_at AS d_created_at,
                   d.last_seen_at AS d_last_seen_at,
                   (SELECT COUNT(*) FROM devices WHERE license_id = l.id) AS devices_in_use
            FROM devices d JOIN licenses l ON l.id = d.license_id
            WHERE d.token_hash = \(ByteBuffer(bytes: tokenHash))
            """
        )
        guard let row = rows.first else { return nil }
        let license = License(row: row)
        let device = Device(
            id: row.string("d_id"), licenseID: license.id, clientID: row.string("d_client_id"), tokenHash: tokenHash,
            createdAt: row.date("d_created_at"), lastSeenAt: row.date("d_last_seen_at")
        )
        return DeviceLookup(device: device, license: license, devicesInUse: row.int("devices_in_use"))
    }

    public func activate(_ device: Device, limit: Int) async throws -> Activation {
        try await transaction { connection in
            // The license's row lock orders every activation of this license, on every instance.
            let locked = try await connection.rows("SELECT id FROM licenses WHERE id = \(device.licenseID) FOR UPDATE", logger: .silent)
            guard !locked.isEmpty else { throw StoreError("no license \(device.licenseID)") }
            let count = try await connection.rows("SELECT COUNT(*) AS n FROM devices WHERE license_id = \(device.licenseID)", logger: .silent)
                .first?.int("n") ?? 0
            let existing = try await connection.rows(
                "SELECT * FROM devices WHERE license_id = \(device.licenseID) AND client_id = \(device.clientID)", logger: .silent
            )
            if let row = existing.first { return .existing(Device(row: row), devicesInUse: count) }
            guard count < limit else { return .limitReached(devicesInUse: count) }
            try await connection.rows(
                """
                INSERT INTO devices (id, license_id, client_id, token_hash, created_at, last_seen_at)
                VALUES (\(device.id), \(device.licenseID), \(device.clientID), \(ByteBuffer(bytes: device.tokenHash)),
                        \(device.createdAt.unixSeconds), \(device.lastSeenAt.unixSeconds))
                """,
                logger: .silent
            )
            try await Self.notifyChange(on: connection)
            return .added(device, devicesInUse: count + 1)
        }
    }

    public func change(licenseID: String, _ change: LicenseChange, at now: Date) async throws -> License? {
        try await transaction { connection in try await Self.change(licenseID, change, at: now, on: connection) }
    }

    public func devices(licenseID: String) async throws -> [Device] {
        try await rows("SELECT * FROM devices WHERE license_id = \(licenseID) ORDER BY created_at, id").map({ Device(row: $0) })
    }

    public func removeDevice(id: String, licenseID: String) async throws -> Bool {
        try await transaction { connection in
            let removed = try await connection.rows("DELETE FROM devices WHERE id = \(id) AND license_id = \(licenseID) RETURNING id", logger: .silent)
            if !removed.isEmpty { try await Self.notifyChange(on: connection) }
            return removed.count == 1
        }
    }

    public func removeDevice(tokenHash: [UInt8]) async throws -> Bool {
        try await transaction { connection in
            let removed = try await connection.rows("DELETE FROM devices WHERE token_hash = \(ByteBuffer(bytes: tokenHash)) RETURNING id", logger: .silent)
            if !removed.isEmpty { try await Self.notifyChange(on: connection) }
            return removed.count == 1
        }
    }

    public func touch(deviceID: String, at now: Date) async throws {
        _ = try await rows("UPDATE devices SET last_seen_at = \(now.unixSeconds) WHERE id = \(deviceID)")
    }

    public func markDelivered(licenseID: String, at now: Date) async throws -> Bool {
        try await rows("UPDATE licenses SET delivered_at = \(now.unixSeconds) WHERE id = \(licenseID) AND delivered_at IS NULL RETURNING id").count == 1
    }

    public func apply(stripeEvent id: String, type: String, at now: Date, action: StripeAction) async throws -> StripeOutcome {
        try await transaction { connection in
            // A second delivery of `id` waits here for the first transaction, then finds the row.
            let inserted = try await connection.rows(
                "INSERT INTO stripe_events (id, type, received_at) VALUES (\(id), \(type), \(now.unixSeconds)) ON CONFLICT (id) DO NOTHING RETURNING id",
                logger: .silent
            )
            guard !inserted.isEmpty else { return .duplicate }
            let changed = try await Self.perform(action, at: now, on: connection)
            if let first = changed.first {
                try await connection.rows("UPDATE stripe_events SET license_id = \(first) WHERE id = \(id)", logger: .silent)
                try await Self.notifyChange(on: connection)
            }
            return .applied(licenseIDs: changed.sorted())
        }
    }

    public func checkHealth() async throws {
        _ = try await rows("SELECT 1 AS ok")
    }
}

extension PostgresConnection {
    /// The rows of `query`, collected.
    @discardableResult
    func rows(_ query: PostgresQuery, logger: Logger) async throws -> [PostgresRandomAccessRow] {
        try await self.query(query, logger: logger).collect().map { $0.makeRandomAccess() }
    }
}

extension Logger {
    /// A logger that drops everything: statements carry hashes and emails, never logged.
    static let silent: Logger = {
        var logger = Logger(label: "tollgate-server.postgres") { _ in SwiftLogNoOpLogHandler() }
        logger.logLevel = .critical
        return logger
    }()
}
