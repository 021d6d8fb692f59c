import Foundation
import Logging

/// The database `server.yml` names, opened: a SQLite file (the default) or PostgreSQL.
public enum ServerDatabase: Sendable {
    /// One SQLite file on this machine.
    case sqlite(SQLiteLicenseStore)
    /// A PostgreSQL database that several instances may share.
    case postgres(PostgresLicenseStore)

    /// Opens the configured database; PostgreSQL's password comes from `environment`
    /// (`TOLLGATE_DATABASE_PASSWORD`) or the configured password file.
    /// - Parameters:
    ///   - migrate: bring the schema up to date; `false` leaves a PostgreSQL schema as it is
    ///     (the `migrate` command runs the steps itself). SQLite always migrates, as before.
    ///   - readers: SQLite read connections (`nil`: one per core).
    public static func open(
        _ configuration: ServerConfiguration, environment: [String: String], migrate: Bool = true, readers: Int? = nil, logger: Logger
    ) async throws -> ServerDatabase {
        if let location = configuration.postgres {
            let password = try location.password(environment: environment)
            return .postgres(try await PostgresLicenseStore.open(location, password: password, migrate: migrate, logger: logger))
        }
        if let readers {
            return .sqlite(try await SQLiteLicenseStore.open(path: configuration.database, readers: readers, logger: logger))
        }
        return .sqlite(try await SQLiteLicenseStore.open(path: configuration.database, logger: logger))
    }

    /// The store.
    public var store: any LicenseStore {
        switch self {
        case .sqlite(let store): store
        case .postgres(let store): store
        }
    }

    /// Where it is, for messages (no password).
    public var name: String {
        switch self {
        case .sqlite(let store): store.path
        case .postgres(let store): store.location.url
        }
    }

    /// Empties `cache` whenever another process (the command line, another instance)
    /// changes the database, until the task is cancelled: SQLite's data version is polled
    /// every second; PostgreSQL notifies at once.
    public func watchChanges(for cache: CachingLicenseStore) async {
        switch self {
        case .sqlite(let store):
            await cache.watch(every: .seconds(1)) { try await store.dataVersion() }
        case .postgres(let store):
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await PostgresChangeListener(store: store).run { cache.invalidate() } }
                group.addTask {
                    // Buckets of clients long gone are deleted now and then.
                    while !Task.isCancelled {
                        try? await Task.sleep(for: .seconds(600))
                        try? await SharedRateLimiter.prune(store, now: Date())
                    }
                }
            }
        }
    }

    /// Closes every connection.
    public func close() async throws {
        switch self {
        case .sqlite(let store): try await store.close()
        case .postgres(let store): await store.close()
        }
    }
}
