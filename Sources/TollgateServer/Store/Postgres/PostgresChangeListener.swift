import Foundation
import Logging
import PostgresNIO

/// Keeps one connection listening on ``PostgresLicenseStore/changeChannel`` and calls
/// `onChange` for every notification, so an instance's cached lookups are emptied when any
/// instance revokes, extends, signs out or applies a Stripe event.
///
/// Notifications sent while the connection is down are lost, so `onChange` is also called
/// every ``blindInterval`` until it is back (a cache older than that is never served), and
/// once when it is. The connection is checked every ``pingInterval``: a cut that the
/// operating system has not noticed yet is found within that.
struct PostgresChangeListener: Sendable {
    let configuration: PostgresConnection.Configuration
    let logger: Logger
    var blindInterval: Duration = .milliseconds(250)
    var pingInterval: Duration = .seconds(2)

    init(store: PostgresLicenseStore) {
        configuration = store.connection
        logger = store.logger
    }

    /// Listens until the task is cancelled.
    func run(onChange: @escaping @Sendable () -> Void) async {
        var connectionID = 0
        var wasListening = true
        while !Task.isCancelled {
            connectionID += 1
            do {
                let connection = try await PostgresFailure.withTimeout(.seconds(3)) { [configuration, logger, connectionID] in
                    try await PostgresConnection.connect(configuration: configuration, id: connectionID, logger: logger)
                }
                if !wasListening { logger.notice("listening for changes of other instances again") }
                wasListening = true
                do {
                    try await listen(on: connection, onChange: onChange)
                } catch {
                    try? await connection.close()
                    throw error
                }
                try? await connection.close()
            } catch {
                if wasListening, !Task.isCancelled {
                    logger.warning("not listening for changes of other instances; the cache is emptied every \(blindInterval) until then", metadata: [
                        "error": "\(String(describing: PostgresFailure.classify(error)))",
                    ])
                }
                wasListening = false
            }
            onChange()
            try? await Task.sleep(for: blindInterval)
        }
    }

    /// Forwards notifications until the connection fails a ping or the task is cancelled.
    private func listen(on connection: PostgresConnection, onChange: @escaping @Sendable () -> Void) async throws {
        try await connection.listen(on: PostgresLicenseStore.changeChannel) { notifications in
            // Changes made before LISTEN took effect were not announced.
            onChange()
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    for try await _ in notifications { onChange() }
                    throw StoreUnavailable("the listening connection ended")
                }
                group.addTask { [pingInterval] in
                    while true {
                        try await Task.sleep(for: pingInterval)
                        try await PostgresFailure.withTimeout(.seconds(2)) {
                            try await connection.rows("SELECT 1 AS ok", logger: .silent)
                        }
                    }
                }
                defer { group.cancelAll() }
                _ = try await group.next()
            }
        }
    }
}
