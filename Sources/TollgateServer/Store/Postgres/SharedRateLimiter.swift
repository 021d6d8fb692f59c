import Foundation
import NIOConcurrencyHelpers
import PostgresNIO

/// Token buckets kept in PostgreSQL (`rate_buckets`), so a brute force spread over several
/// instances meets the same limit as against one: `perMinute` a minute, in bursts of up to
/// `perMinute`, the same arithmetic as ``RateLimiter``.
///
/// To spare the database a write per request, an instance takes up to ``batch`` tokens at once
/// and spends them locally for up to ``leaseDuration``. The batch is a sixty-fourth of the
/// limit (one for the default limits, so those are exact): across instances no more requests
/// pass than the limit allows, and at most a batch per instance is held back unused.
final class SharedRateLimiter: RateLimiting {
    private struct Lease {
        var tokens: Int
        var expires: Date
    }

    private let store: PostgresLicenseStore
    private let name: String
    private let perMinute: Int
    let batch: Int
    let leaseDuration: TimeInterval = 2
    private let leases = NIOLockedValueBox([String: Lease]())

    /// A limit named `name` (the key prefix in the table) over `store`'s database.
    init(store: PostgresLicenseStore, name: String, perMinute: Int) {
        self.store = store
        self.name = name
        self.perMinute = perMinute
        batch = max(1, min(256, perMinute / 64))
    }

    func take(_ key: String, now: Date) async throws -> Int? {
        let fromLease = leases.withLockedValue { leases -> Bool in
            guard var lease = leases[key], lease.tokens > 0, lease.expires > now else { return false }
            lease.tokens -= 1
            leases[key] = lease
            return true
        }
        if fromLease { return nil }
        let (granted, tokens) = try await takeFromDatabase(key, now: now)
        guard granted > 0 else {
            return max(1, Int(((1 - tokens) * 60 / Double(perMinute)).rounded(.up)))
        }
        if granted > 1 {
            leases.withLockedValue { leases in
                if leases.count > 50_000 { leases = leases.filter { $0.value.expires > now } }
                let current = leases[key].flatMap { $0.expires > now ? $0.tokens : nil } ?? 0
                leases[key] = Lease(tokens: current + granted - 1, expires: now.addingTimeInterval(leaseDuration))
            }
        }
        return nil
    }

    /// Refills the bucket for the time passed and takes up to ``batch`` whole tokens, in one
    /// statement (the row lock of the upsert orders concurrent takers on every instance).
    private func takeFromDatabase(_ key: String, now: Date) async throws -> (granted: Int, tokens: Double) {
        let bucket = name + ":" + key
        let capacity = Double(perMinute)
        let time = now.timeIntervalSince1970
        let want = batch
        let rows = try await store.rows(
            """
            INSERT INTO rate_buckets AS b (key, tokens, updated_at, granted)
            VALUES (\(bucket), \(capacity) - LEAST(\(want), FLOOR(\(capacity))), \(time), LEAST(\(want), FLOOR(\(capacity))))
            ON CONFLICT (key) DO UPDATE SET
                granted = LEAST(\(want), FLOOR(LEAST(\(capacity), b.tokens + GREATEST(0, \(time) - b.updated_at) * \(capacity) / 60))),
                tokens = LEAST(\(capacity), b.tokens + GREATEST(0, \(time) - b.updated_at) * \(capacity) / 60)
                         - LEAST(\(want), FLOOR(LEAST(\(capacity), b.tokens + GREATEST(0, \(time) - b.updated_at) * \(capacity) / 60))),
                updated_at = GREATEST(b.updated_at, \(time))
            RETURNING granted, tokens
            """
        )
        guard let row = rows.first else { return (0, 0) }
        let granted = (try? row["granted"].decode(Int32.self)).map(Int.init) ?? 0
        let tokens = (try? row["tokens"].decode(Double.self)) ?? 0
        return (granted, tokens)
    }

    /// Deletes buckets that have been full again for a while (called now and then).
    static func prune(_ store: PostgresLicenseStore, now: Date) async throws {
        _ = try await store.rows("DELETE FROM rate_buckets WHERE updated_at < \(now.timeIntervalSince1970 - 3600)")
    }
}
