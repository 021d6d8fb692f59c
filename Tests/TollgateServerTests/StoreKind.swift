import Foundation
import Logging
import Testing

@testable import TollgateServer

/// The three implementations of ``LicenseStore``, for tests that every one must pass.
enum StoreKind: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case memory
    case sqlite
    case postgres

    var testDescription: String { rawValue }

    /// Every kind this machine can run: PostgreSQL only where a server answers (always in CI).
    static var available: [StoreKind] {
        PostgresTestServer.available ? allCases : [.memory, .sqlite]
    }

    /// A new, empty store of this kind.
    func open() async throws -> OpenedStore {
        switch self {
        case .memory:
            return OpenedStore(store: InMemoryLicenseStore(), reopen: nil, close: {})
        case .sqlite:
            let path = try temporaryDatabase()
            let store = try await SQLiteLicenseStore.open(path: path, logger: Logger(label: "test"))
            return OpenedStore(
                store: store,
                reopen: { try await SQLiteLicenseStore.open(path: path, logger: Logger(label: "test")) },
                close: { try? await store.close() }
            )
        case .postgres:
            let (store, location) = try await PostgresTestServer.openStore()
            return OpenedStore(
                store: store,
                reopen: { try await PostgresLicenseStore.open(location, password: nil, logger: Logger(label: "test")) },
                close: {
                    await store.close()
                    await PostgresTestServer.drop(location)
                }
            )
        }
    }
}

/// A store under test, how to open its data again (a new process would), and how to end it.
struct OpenedStore: Sendable {
    let store: any LicenseStore
    /// `nil` for the in-memory store, whose data lives only in its instance.
    let reopen: (@Sendable () async throws -> any LicenseStore)?
    let close: @Sendable () async -> Void
}

/// Closes a store that ``OpenedStore/reopen`` returned.
func closeReopened(_ store: any LicenseStore) async {
    if let store = store as? SQLiteLicenseStore { try? await store.close() }
    if let store = store as? PostgresLicenseStore { await store.close() }
}
