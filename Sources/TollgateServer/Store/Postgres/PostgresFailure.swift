import Foundation
import PostgresNIO

/// Sorts what postgres-nio throws into what the server can do about it.
enum PostgresFailure {
    /// How an error should be handled.
    enum Kind {
        /// The database is unreachable: `503`, and try again later.
        case unavailable(StoreUnavailable)
        /// The transaction lost a race (serialization failure, deadlock): run it again.
        case retry
        /// A real error of the statement or data.
        case failed(StoreError)
    }

    /// Classifies `error`; the descriptions never contain bound values.
    static func classify(_ error: any Error) -> Kind {
        if let error = error as? PostgresTransactionError {
            if let inner = error.closureError ?? error.beginError ?? error.commitError { return classify(inner) }
            return .failed(StoreError("a PostgreSQL transaction failed"))
        }
        if let error = error as? StoreUnavailable { return .unavailable(error) }
        if let error = error as? StoreError { return .failed(error) }
        if let error = error as? PSQLError {
            switch error.code {
            case .connectionError, .serverClosedConnection, .clientClosedConnection, .poolClosed, .uncleanShutdown,
                 .sslUnsupported, .failedToAddSSLHandler, .queryCancelled:
                return .unavailable(StoreUnavailable("PostgreSQL is unreachable (\(error.code))"))
            case .server:
                let state = error.serverInfo?[.sqlState] ?? ""
                let message = error.serverInfo?[.message] ?? "no message"
                if state == "40001" || state == "40P01" { return .retry }
                if state.hasPrefix("08") || state.hasPrefix("57P") || state.hasPrefix("53") || state == "55000" {
                    return .unavailable(StoreUnavailable("PostgreSQL cannot serve now (\(state): \(message))"))
                }
                return .failed(StoreError("PostgreSQL refused a statement (\(state): \(message))"))
            default:
                return .failed(StoreError("PostgreSQL client error (\(error.code))"))
            }
        }
        if error is CancellationError { return .unavailable(StoreUnavailable("the database operation was cancelled")) }
        if error is ChannelError || error is IOError { return .unavailable(StoreUnavailable("PostgreSQL is unreachable (\(error))")) }
        return .failed(StoreError("PostgreSQL: \(type(of: error))"))
    }

    /// `error` in words for an operator (no query data, no password).
    static func describe(_ error: any Error) -> String {
        switch classify(error) {
        case .unavailable(let failure): failure.description
        case .failed(let failure): failure.description
        case .retry: "a transaction lost a race with another one"
        }
    }

    /// Runs `body`, giving up with ``StoreUnavailable`` after `timeout` (a database that does
    /// not answer is treated like one that is down).
    static func withTimeout<T: Sendable>(_ timeout: Duration, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
        try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { try await body() }
            group.addTask {
                try await Task.sleep(for: timeout)
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let value = first else {
                throw StoreUnavailable("PostgreSQL did not answer within \(timeout)")
            }
            return value
        }
    }
}
