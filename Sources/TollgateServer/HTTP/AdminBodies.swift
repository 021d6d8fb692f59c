/// The JSON bodies the admin endpoints read. Each names its fields, so an unknown one is
/// refused (``StrictBody``).
extension AdminController {
    struct IssueBody: StrictBody {
        let tiers: [String]
        let email: String?
        let expiresAt: String?
        let deviceLimit: Int?
        let note: String?
        enum CodingKeys: String, CodingKey, CaseIterable {
            case tiers, email, note
            case expiresAt = "expires_at"
            case deviceLimit = "device_limit"
        }
        static let fields = CodingKeys.allCases.map(\.rawValue)
    }

    struct RevokeBody: StrictBody {
        let reason: String?
        static let fields = ["reason"]
    }

    /// `{"days": n}`, `{"expires_at": "2027-01-31"}` or `{"expires_at": null}` (never expires).
    /// An absent `expires_at` is not a `null` one: only the explicit `null` removes the expiry.
    struct ExtendBody: StrictBody {
        enum Expiry: Equatable {
            case date(String)
            case never
        }

        /// The new expiry, `nil` when the body does not name one.
        let expiry: Expiry?
        /// Days to add, `nil` when absent (an explicit `null` is refused while decoding).
        let days: Int?

        enum CodingKeys: String, CodingKey, CaseIterable {
            case days
            case expiresAt = "expires_at"
        }
        static let fields = CodingKeys.allCases.map(\.rawValue)

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            days = container.contains(.days) ? try container.decode(Int.self, forKey: .days) : nil
            if !container.contains(.expiresAt) {
                expiry = nil
            } else if try container.decodeNil(forKey: .expiresAt) {
                expiry = .never
            } else {
                expiry = .date(try container.decode(String.self, forKey: .expiresAt))
            }
        }
    }
}
