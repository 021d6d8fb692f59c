import Foundation
import Logging
import NIOCore
import PostgresNIO

/// Statements that several writes of ``PostgresLicenseStore`` share, each inside the caller's transaction.
extension PostgresLicenseStore {
    static func insert(_ license: License, on connection: PostgresConnection) async throws {
        try await connection.rows(insertion(of: license, onConflict: ""), logger: .silent)
    }

    /// `INSERT INTO licenses …` of every field, followed by `suffix`.
    static func insertion(of license: License, onConflict suffix: String) -> PostgresQuery {
        """
        INSERT INTO licenses (id, key_hash, email, tiers, status, reason, expires_at, device_limit, created_at, updated_at,
                              source, note, stripe_session, stripe_customer, stripe_subscription, stripe_payment_intent,
                              stripe_invoice, delivered_at)
        VALUES (\(license.id), \(ByteBuffer(bytes: license.keyHash)), \(license.email), \(license.tiers.joined(separator: " ")),
                \(license.status.rawValue), \(license.reason), \(license.expiresAt?.unixSeconds), \(license.deviceLimit),
                \(license.createdAt.unixSeconds), \(license.updatedAt.unixSeconds), \(license.source), \(license.note),
                \(license.stripe.session), \(license.stripe.customer), \(license.stripe.subscription), \(license.stripe.paymentIntent),
                \(license.stripe.invoice), \(license.deliveredAt?.unixSeconds))
        \(unescaped: suffix)
        """
    }

    /// Applies `change` to the license `id`, holding its row lock, so two extensions at once both count.
    static func change(_ id: String, _ change: LicenseChange, at now: Date, on connection: PostgresConnection) async throws -> License? {
        guard var license = try await connection.rows("SELECT * FROM licenses WHERE id = \(id) FOR UPDATE", logger: .silent)
            .first.map({ License(row: $0) })
        else { return nil }
        license.apply(change, at: now)
        try await connection.rows(
            """
            UPDATE licenses SET status = \(license.status.rawValue), reason = \(license.reason),
                   expires_at = \(license.expiresAt?.unixSeconds), updated_at = \(license.updatedAt.unixSeconds)
            WHERE id = \(id)
            """,
            logger: .silent
        )
        try await notifyChange(on: connection)
        return license
    }

    /// Carries out a Stripe event's action; the ids of the licenses it made or changed.
    static func perform(_ action: StripeAction, at now: Date, on connection: PostgresConnection) async throws -> [String] {
        switch action {
        case .issue(let license):
            // Two events of one Checkout Session (completed, async_payment_succeeded) may race:
            // the unique session makes the second insert a no-op, and it finds the first's license.
            let inserted = try await connection.rows(insertion(of: license, onConflict: "ON CONFLICT DO NOTHING RETURNING id"), logger: .silent)
            if !inserted.isEmpty { return [license.id] }
            let existing = try await connection.rows("SELECT id FROM licenses WHERE stripe_session = \(license.stripe.session ?? "")", logger: .silent)
            guard let row = existing.first else {
                throw StoreError("license \(license.id) clashes with a stored license (same id or key hash)")
            }
            return [row.string("id")]
        case .expire(let subscription, let reason):
            var changed: [String] = []
            for row in try await connection.rows("SELECT id FROM licenses WHERE stripe_subscription = \(subscription) ORDER BY id", logger: .silent) {
                changed.append(row.string("id"))
                _ = try await change(row.string("id"), .expire(reason: reason), at: now, on: connection)
            }
            return changed
        case .revoke(let paymentIntent, let invoice, let reason):
            var changed: [String] = []
            let rows = try await connection.rows(
                """
                SELECT id FROM licenses
                WHERE (stripe_payment_intent IS NOT NULL AND stripe_payment_intent = \(paymentIntent))
                   OR (stripe_invoice IS NOT NULL AND stripe_invoice = \(invoice))
                ORDER BY id
                """,
                logger: .silent
            )
            for row in rows {
                changed.append(row.string("id"))
                _ = try await change(row.string("id"), .revoke(reason: reason), at: now, on: connection)
            }
            return changed
        case .none:
            return []
        }
    }

    /// Tells every instance, when this transaction commits, to forget its cached lookups.
    static func notifyChange(on connection: PostgresConnection) async throws {
        try await connection.rows("SELECT pg_notify(\(changeChannel), '')", logger: .silent)
    }
}

extension PostgresRandomAccessRow: StoredRow {
    func optionalString(_ name: String) -> String? {
        guard contains(name) else { return nil }
        return try? self[name].decode(String?.self)
    }
    func optionalInt(_ name: String) -> Int? { (try? self[name].decode(Int?.self)).flatMap { $0 } }
    func bytes(_ name: String) -> [UInt8] {
        (try? self[name].decode(ByteBuffer?.self)).flatMap { $0 }.map { Array($0.readableBytesView) } ?? []
    }
}

