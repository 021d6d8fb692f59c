import NIOConcurrencyHelpers

/// Open connections per client address, with a cap.
final class ConnectionCounter: Sendable {
    private let counts = NIOLockedValueBox([String: Int]())
    let limit: Int

    init(limit: Int) {
        self.limit = limit
    }

    /// Counts a new connection of `address`; `false` (and not counted) when it already holds `limit`.
    func open(_ address: String) -> Bool {
        counts.withLockedValue { counts in
            let count = counts[address, default: 0]
            guard count < limit else { return false }
            counts[address] = count + 1
            return true
        }
    }

    /// Forgets a connection of `address` that ``open(_:)`` counted.
    func close(_ address: String) {
        counts.withLockedValue { counts in
            let count = counts[address, default: 0] - 1
            counts[address] = count > 0 ? count : nil
        }
    }
}
