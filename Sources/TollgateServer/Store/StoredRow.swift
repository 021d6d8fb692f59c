import Foundation

/// A row of either database, read by column name; a missing or null value reads as empty.
/// Licenses and devices are read from SQLite and PostgreSQL rows by the same code.
protocol StoredRow {
    func optionalString(_ name: String) -> String?
    func optionalInt(_ name: String) -> Int?
    func bytes(_ name: String) -> [UInt8]
}

extension StoredRow {
    func string(_ name: String) -> String { optionalString(name) ?? "" }
    func int(_ name: String) -> Int { optionalInt(name) ?? 0 }
    func date(_ name: String) -> Date { Date(timeIntervalSince1970: TimeInterval(int(name))) }
    func optionalDate(_ name: String) -> Date? { optionalInt(name).map { Date(timeIntervalSince1970: TimeInterval($0)) } }
}

extension License {
    init(row: some StoredRow) {
        self.init(
            id: row.string("id"), keyHash: row.bytes("key_hash"), email: row.optionalString("email"),
            tiers: row.string("tiers").split(separator: " ").map(String.init),
            status: LicenseStatus(rawValue: row.string("status")) ?? .revoked, reason: row.optionalString("reason"),
            expiresAt: row.optionalDate("expires_at"), deviceLimit: row.int("device_limit"), createdAt: row.date("created_at"),
            updatedAt: row.date("updated_at"), source: row.string("source"), note: row.optionalString("note"),
            stripe: StripeReferences(
                session: row.optionalString("stripe_session"), customer: row.optionalString("stripe_customer"),
                subscription: row.optionalString("stripe_subscription"), paymentIntent: row.optionalString("stripe_payment_intent"),
                invoice: row.optionalString("stripe_invoice")
            ),
            deliveredAt: row.optionalDate("delivered_at")
        )
    }
}

extension Device {
    init(row: some StoredRow) {
        self.init(
            id: row.string("id"), licenseID: row.string("license_id"), clientID: row.string("client_id"),
            tokenHash: row.bytes("token_hash"), createdAt: row.date("created_at"), lastSeenAt: row.date("last_seen_at")
        )
    }
}
