import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import SQLiteNIO

/// The ``LicenseStore`` of a running server: one SQLite file in WAL mode.
///
/// Writes go through one connection, one transaction at a time (`BEGIN IMMEDIATE`, so the
/// command line writing the same file waits its turn), with `synchronous=FULL`: a write
/// that returned is on disk. Reads use their own connections and never wait for writes.
public final class SQLiteLicenseStore: LicenseStore {
    /// The database file.
    public let path: String
    private let threadPool: NIOThreadPool
    private let writer: SQLiteConnection
    private let writes: WriteQueue
    private let readers: [SQLiteConnection]
    private let nextReader = NIOLockedValueBox(0)

    private init(path: String, threadPool: NIOThreadPool, writer: SQLiteConnection, readers: [SQLiteConnection]) {
        self.path = path
        self.threadPool = threadPool
        self.writer = writer
        self.writes = WriteQueue()
        self.readers = readers
    }

    /// Opens (and creates, if there is none) the database at `path` and brings its schema up
    /// to date.
    /// - Parameter readers: read connections; one per core by default.
    public static func open(path: String, readers readerCount: Int = System.coreCount, logger: Logger) async throws -> SQLiteLicenseStore {
        // Emails and Stripe ids are personal data: a new database is readable by its owner only
        // (SQLite gives the -wal and -shm files the same mode).
        let folder = (path as NSString).deletingLastPathComponent
        if !folder.isEmpty, !FileManager.default.fileExists(atPath: folder) {
            try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        }
        if !FileManager.default.fileExists(atPath: path) {
            FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600])
        }
        let threadPool = NIOThreadPool(numberOfThreads: max(2, readerCount + 1))
        threadPool.start()
        let eventLoop = MultiThreadedEventLoopGroup.singleton.any()
        var opened: [SQLiteConnection] = []
        do {
            let writer = try await SQLiteConnection.open(storage: .file(path: path), threadPool: threadPool, logger: logger, on: eventLoop)
            opened.append(writer)
            _ = try await writer.rows("PRAGMA journal_mode=WAL")
            _ = try await writer.rows("PRAGMA synchronous=FULL")
            _ = try await writer.rows("PRAGMA foreign_keys=ON")
            try await Migrations.run(on: writer)
            var readers: [SQLiteConnection] = []
            for _ in 0..<max(1, readerCount) {
                let reader = try await SQLiteConnection.open(storage: .file(path: path), threadPool: threadPool, logger: logger, on: eventLoop)
                opened.append(reader)
                _ = try await reader.rows("PRAGMA query_only=1")
                readers.append(reader)
            }
            return SQLiteLicenseStore(path: path, threadPool: threadPool, writer: writer, readers: readers)
        } catch {
            for connection in opened { try? await connection.close() }
            try? await threadPool.shutdownGracefully()
            throw StoreError("cannot open the database \(path): \(error)")
        }
    }

    /// Closes every connection; the store cannot be used afterwards.
    public func close() async throws {
        writes.finish()
        for reader in readers { try await reader.close() }
        try await writer.close()
        try await threadPool.shutdownGracefully()
    }

    /// SQLite's `PRAGMA data_version` on one connection: it changes whenever another
    /// connection, of this process or another, commits (see ``CachingLicenseStore/watch(every:changeCounter:)``).
    public func dataVersion() async throws -> Int {
        try await readers[0].rows("PRAGMA data_version").first?.columns.first?.data.integer ?? 0
    }

    /// `PRAGMA integrity_check`: `"ok"` for a sound file.
    public func integrityCheck() async throws -> String {
        try await read("PRAGMA integrity_check").compactMap { $0.columns.first?.data.string }.joined(separator: "\n")
    }

    private func read(_ sql: String, _ binds: [SQLiteData] = []) async throws -> [SQLiteRow] {
        let index = nextReader.withLockedValue { value in
            value = (value + 1) % readers.count
            return value
        }
        return try await readers[index].rows(sql, binds)
    }

    /// Runs `body` in one write transaction, after every write before it.
    private func write<T: Sendable>(_ body: @escaping @Sendable (SQLiteConnection) async throws -> T) async throws -> T {
        let writer = self.writer
        return try await writes.perform {
            _ = try await writer.rows("BEGIN IMMEDIATE")
            do {
                let value = try await body(writer)
                _ = try await writer.rows("COMMIT")
                return value
            } catch {
                _ = try? await writer.rows("ROLLBACK")
                throw error
            }
        }
    }

    // MARK: LicenseStore

    public func insert(_ licenses: [License]) async throws {
        try await write { connection in
            for license in licenses { try await Self.insert(license, on: connection) }
        }
    }

    public func license(id: String) async throws -> License? {
        try await read("SELECT * FROM licenses WHERE id = ?", [.text(id)]).first.map({ License(row: $0) })
    }

    public func license(checkoutSession: String) async throws -> License? {
        try await read("SELECT * FROM licenses WHERE stripe_session = ?", [.text(checkoutSession)]).first.map({ License(row: $0) })
    }

    public func licenses(_ filter: LicenseFilter) async throws -> [License] {
        var sql = "SELECT * FROM licenses WHERE 1"
        var binds: [SQLiteData] = []
        switch filter.status {
        case .active?:
            sql += " AND status = 'active' AND (expires_at IS NULL OR expires_at > ?)"
            binds.append(.integer(filter.now.unixSeconds))
        case .expired?:
            sql += " AND (status = 'expired' OR (status = 'active' AND expires_at <= ?))"
            binds.append(.integer(filter.now.unixSeconds))
        case .revoked?:
            sql += " AND status = 'revoked'"
        case nil:
            break
        }
        if let email = filter.email {
            sql += " AND email = ? COLLATE NOCASE"
            binds.append(.text(email))
        }
        sql += " ORDER BY created_at DESC, rowid DESC LIMIT ?"
        binds.append(.integer(filter.limit))
        return try await read(sql, binds).map({ License(row: $0) })
    }

    public func unlockLookup(keyHash: [UInt8], clientID: String) async throws -> UnlockLookup? {
        let rows = try await read(
            """
            SELECT l.*, d.id AS d_id, d.client_id AS d_client_id, d.token_hash AS d_token_hash,
                   d.created_at AS d_created_at, d.last_seen_at AS d_last_seen_at,
                   (SELECT COUNT(*) FROM devices WHERE license_id = l.id) AS devices_in_use
            FROM licenses l LEFT JOIN devices d ON d.license_id = l.id AND d.client_id = ?
            WHERE l.key_hash = ?
            """,
            [.text(clientID), .blob(ByteBuffer(bytes: keyHash))]
        )
        guard let row = rows.first else { return nil }
        let license = License(row: row)
        let device = row.column("d_id")?.string.map { id in
            Device(
                id: id, licenseID: license.id, clientID: row.string("d_client_id"), tokenHash: row.bytes("d_token_hash"),
                createdAt: row.date("d_created_at"), lastSeenAt: row.date("d_last_seen_at")
            )
        }
        return UnlockLookup(license: license, device: device, devicesInUse: row.int("devices_in_use"))
    }

    public func deviceLookup(tokenHash: [UInt8]) async throws -> DeviceLookup? {
        let rows = try await read(
            """
            SELECT l.*, d.id AS d_id, d.client_id AS d_client_id, d.created_at AS d_created_at,
                   d.last_seen_at AS d_last_seen_at,
                   (SELECT COUNT(*) FROM devices WHERE license_id = l.id) AS devices_in_use
            FROM devices d JOIN licenses l ON l.id = d.license_id
            WHERE d.token_hash = ?
            """,
            [.blob(ByteBuffer(bytes: tokenHash))]
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
        try await write { connection in
            let count = try await connection.rows("SELECT COUNT(*) AS n FROM devices WHERE license_id = ?", [.text(device.licenseID)])
                .first?.int("n") ?? 0
            let existing = try await connection.rows(
                "SELECT * FROM devices WHERE license_id = ? AND client_id = ?", [.text(device.licenseID), .text(device.clientID)]
            )
            if let row = existing.first { return .existing(Device(row: row), devicesInUse: count) }
            guard count < limit else { return .limitReached(devicesInUse: count) }
            _ = try await connection.rows(
                "INSERT INTO devices (id, license_id, client_id, token_hash, created_at, last_seen_at) VALUES (?, ?, ?, ?, ?, ?)",
                [
                    .text(device.id), .text(device.licenseID), .text(device.clientID), .blob(ByteBuffer(bytes: device.tokenHash)),
                    .integer(device.createdAt.unixSeconds), .integer(device.lastSeenAt.unixSeconds),
                ]
            )
            return .added(device, devicesInUse: count + 1)
        }
    }

    public func change(licenseID: String, _ change: LicenseChange, at now: Date) async throws -> License? {
        try await write { connection in try await Self.change(licenseID, change, at: now, on: connection) }
    }

    public func devices(licenseID: String) async throws -> [Device] {
        try await read("SELECT * FROM devices WHERE license_id = ? ORDER BY created_at, id", [.text(licenseID)]).map({ Device(row: $0) })
    }

    public func removeDevice(id: String, licenseID: String) async throws -> Bool {
        try await write { connection in
            try await connection.rows(
                "DELETE FROM devices WHERE id = ? AND license_id = ? RETURNING id", [.text(id), .text(licenseID)]
            ).count == 1
        }
    }

    public func removeDevice(tokenHash: [UInt8]) async throws -> Bool {
        try await write { connection in
            try await connection.rows("DELETE FROM devices WHERE token_hash = ? RETURNING id", [.blob(ByteBuffer(bytes: tokenHash))]).count == 1
        }
    }

    public func touch(deviceID: String, at now: Date) async throws {
        try await write { connection in
            _ = try await connection.rows("UPDATE devices SET last_seen_at = ? WHERE id = ?", [.integer(now.unixSeconds), .text(deviceID)])
        }
    }

    public func markDelivered(licenseID: String, at now: Date) async throws -> Bool {
        try await write { connection in
            try await connection.rows(
                "UPDATE licenses SET delivered_at = ? WHERE id = ? AND delivered_at IS NULL RETURNING id",
                [.integer(now.unixSeconds), .text(licenseID)]
            ).count == 1
        }
    }

    public func apply(stripeEvent id: String, type: String, at now: Date, action: StripeAction) async throws -> StripeOutcome {
        try await write { connection in
            let inserted = try await connection.rows(
                "INSERT INTO stripe_events (id, type, received_at) VALUES (?, ?, ?) ON CONFLICT (id) DO NOTHING RETURNING id",
                [.text(id), .text(type), .integer(now.unixSeconds)]
            )
            guard !inserted.isEmpty else { return .duplicate }
            var changed: [String] = []
            switch action {
            case .issue(let license):
                let existing = try await connection.rows("SELECT id FROM licenses WHERE stripe_session = ?", [.text(license.stripe.session ?? "")])
                if let row = existing.first {
                    changed = [row.string("id")]
                } else {
                    try await Self.insert(license, on: connection)
                    changed = [license.id]
                }
            case .expire(let subscription, let reason):
                let ids = try await connection.rows("SELECT id FROM licenses WHERE stripe_subscription = ?", [.text(subscription)])
                for row in ids {
                    changed.append(row.string("id"))
                    _ = try await Self.change(row.string("id"), .expire(reason: reason), at: now, on: connection)
                }
            case .revoke(let paymentIntent, let invoice, let reason):
                let ids = try await connection.rows(
                    "SELECT id FROM licenses WHERE (stripe_payment_intent IS NOT NULL AND stripe_payment_intent = ?) OR (stripe_invoice IS NOT NULL AND stripe_invoice = ?)",
                    [paymentIntent.map(SQLiteData.text) ?? .null, invoice.map(SQLiteData.text) ?? .null]
                )
                for row in ids {
                    changed.append(row.string("id"))
                    _ = try await Self.change(row.string("id"), .revoke(reason: reason), at: now, on: connection)
                }
            case .none:
                break
            }
            if let first = changed.first {
                _ = try await connection.rows("UPDATE stripe_events SET license_id = ? WHERE id = ?", [.text(first), .text(id)])
            }
            return .applied(licenseIDs: changed.sorted())
        }
    }

    public func checkHealth() async throws {
        _ = try await read("SELECT 1")
    }

    // MARK: Statements shared by several writes

    private static func insert(_ license: License, on connection: SQLiteConnection) async throws {
        _ = try await connection.rows(
            """
            INSERT INTO licenses (id, key_hash, email, tiers, status, reason, expires_at, device_limit, created_at, updated_at,
                                  source, note, stripe_session, stripe_customer, stripe_subscription, stripe_payment_intent,
                                  stripe_invoice, delivered_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [
                .text(license.id), .blob(ByteBuffer(bytes: license.keyHash)), .optional(license.email),
                .text(license.tiers.joined(separator: " ")), .text(license.status.rawValue), .optional(license.reason),
                license.expiresAt.map { .integer($0.unixSeconds) } ?? .null, .integer(license.deviceLimit),
                .integer(license.createdAt.unixSeconds), .integer(license.updatedAt.unixSeconds), .text(license.source),
                .optional(license.note), .optional(license.stripe.session), .optional(license.stripe.customer),
                .optional(license.stripe.subscription), .optional(license.stripe.paymentIntent), .optional(license.stripe.invoice),
                license.deliveredAt.map { .integer($0.unixSeconds) } ?? .null,
            ]
        )
    }

    private static func change(_ id: String, _ change: LicenseChange, at now: Date, on connection: SQLiteConnection) async throws -> License? {
        guard var license = try await connection.rows("SELECT * FROM licenses WHERE id = ?", [.text(id)]).first.map({ License(row: $0) }) else {
            return nil
        }
        license.apply(change, at: now)
        _ = try await connection.rows(
            "UPDATE licenses SET status = ?, reason = ?, expires_at = ?, updated_at = ? WHERE id = ?",
            [
                .text(license.status.rawValue), .optional(license.reason), license.expiresAt.map { .integer($0.unixSeconds) } ?? .null,
                .integer(license.updatedAt.unixSeconds), .text(id),
            ]
        )
        return license
    }
}

/// The schema, one numbered step at a time; each step runs once, in a transaction.
enum Migrations {
    static let steps: [[String]] = [
        [
            """
            CREATE TABLE licenses (
                id TEXT PRIMARY KEY,
                key_hash BLOB NOT NULL UNIQUE,
                email TEXT,
                tiers TEXT NOT NULL,
                status TEXT NOT NULL CHECK (status IN ('active', 'expired', 'revoked')),
                reason TEXT,
                expires_at INTEGER,
                device_limit INTEGER NOT NULL CHECK (device_limit > 0),
                created_at INTEGER NOT NULL,
                updated_at INTEGER NOT NULL,
                source TEXT NOT NULL,
                note TEXT,
                stripe_session TEXT UNIQUE,
                stripe_customer TEXT,
                stripe_subscription TEXT,
                stripe_payment_intent TEXT,
                stripe_invoice TEXT,
                delivered_at INTEGER
            )
            """,
            "CREATE INDEX licenses_email ON licenses (email COLLATE NOCASE)",
            "CREATE INDEX licenses_created ON licenses (created_at)",
            "CREATE INDEX licenses_subscription ON licenses (stripe_subscription)",
            "CREATE INDEX licenses_payment_intent ON licenses (stripe_payment_intent)",
            "CREATE INDEX licenses_invoice ON licenses (stripe_invoice)",
            """
            CREATE TABLE devices (
                id TEXT PRIMARY KEY,
                license_id TEXT NOT NULL REFERENCES licenses (id) ON DELETE CASCADE,
                client_id TEXT NOT NULL,
                token_hash BLOB NOT NULL UNIQUE,
                created_at INTEGER NOT NULL,
                last_seen_at INTEGER NOT NULL,
                UNIQUE (license_id, client_id)
            )
            """,
            """
            CREATE TABLE stripe_events (
                id TEXT PRIMARY KEY,
                type TEXT NOT NULL,
                received_at INTEGER NOT NULL,
                license_id TEXT
            )
            """,
        ],
    ]

    static func run(on connection: SQLiteConnection) async throws {
        _ = try await connection.rows("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)")
        let applied = try await connection.rows("SELECT COALESCE(MAX(version), 0) AS v FROM schema_migrations").first?.int("v") ?? 0
        guard applied <= steps.count else {
            throw StoreError("the database has schema version \(applied), newer than this tollgate-server knows (\(steps.count)); upgrade tollgate-server")
        }
        for (index, statements) in steps.enumerated() where index + 1 > applied {
            _ = try await connection.rows("BEGIN IMMEDIATE")
            do {
                for statement in statements { _ = try await connection.rows(statement) }
                _ = try await connection.rows(
                    "INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)", [.integer(index + 1), .integer(Date().unixSeconds)]
                )
                _ = try await connection.rows("COMMIT")
            } catch {
                _ = try? await connection.rows("ROLLBACK")
                throw error
            }
        }
    }
}

/// Runs jobs one after another, in the order they were queued.
final class WriteQueue: Sendable {
    private struct Job: Sendable {
        let run: @Sendable () async -> Void
    }

    private let continuation: AsyncStream<Job>.Continuation

    init() {
        let (stream, continuation) = AsyncStream.makeStream(of: Job.self)
        self.continuation = continuation
        Task {
            for await job in stream { await job.run() }
        }
    }

    func perform<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (result: CheckedContinuation<T, any Error>) in
            let job = Job {
                do { result.resume(returning: try await body()) } catch { result.resume(throwing: error) }
            }
            if case .terminated = continuation.yield(job) {
                result.resume(throwing: StoreError("the database is closed"))
            }
        }
    }

    func finish() { continuation.finish() }
}

/// Collects the rows of one query (the closure runs on one thread, before `query` returns).
private final class RowCollector: @unchecked Sendable {
    var rows: [SQLiteRow] = []
}

extension SQLiteConnection {
    /// The rows of `sql`, read on the connection's thread pool.
    func rows(_ sql: String, _ binds: [SQLiteData] = []) async throws -> [SQLiteRow] {
        let collector = RowCollector()
        try await query(sql, binds) { collector.rows.append($0) }
        return collector.rows
    }
}

extension SQLiteData {
    static func optional(_ text: String?) -> SQLiteData { text.map { .text($0) } ?? .null }
}

extension SQLiteRow: StoredRow {
    func optionalString(_ name: String) -> String? { column(name)?.string }
    func optionalInt(_ name: String) -> Int? { column(name)?.integer }
    func bytes(_ name: String) -> [UInt8] { column(name)?.blob.map { Array($0.readableBytesView) } ?? [] }
}

extension Date {
    var unixSeconds: Int { Int(timeIntervalSince1970.rounded(.down)) }
}

