/// The one rule for tier ids, shared by `site.yml`, `server.yml` and the license server:
/// lowercase ASCII letters, digits, `-` and `_`. Ids go into key derivation, licenses, URLs
/// and front matter, so `Pro` and `pro` must never be two tiers.
package enum TierID {
    /// The built-in public tier.
    package static let free = "free"

    /// Whether `id` follows the rule.
    package static func isValid(_ id: String) -> Bool {
        !id.isEmpty && id.utf8.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2D || $0 == 0x5F }
    }

    /// What is wrong with `id` and the id to write instead, or `nil` when it is valid.
    package static func problem(_ id: String) -> String? {
        guard !isValid(id) else { return nil }
        let rule = "tier id '\(id)' may use only lowercase letters a-z, digits, '-' and '_'"
        guard let fixed = suggestion(for: id), fixed != free else { return rule }
        return "\(rule): use '\(fixed)'"
    }

    /// `id` lowercased, with spaces and dots as `-`; `nil` when that is not a valid id either
    /// (letters outside a-z, say: there is no one right spelling to suggest).
    static func suggestion(for id: String) -> String? {
        let fixed = String(id.lowercased().map { $0 == " " || $0 == "." ? "-" : $0 })
        return isValid(fixed) ? fixed : nil
    }
}
