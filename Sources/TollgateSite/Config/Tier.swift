/// A level of access that members buy. `free` is built in; premium tiers come from `site.yml`.
public struct Tier: Sendable, Hashable {
    /// The id used in front matter (`tier: pro`).
    public let id: String
    /// The name readers see ("Pro").
    public let name: String
    /// Where to buy this tier, if it is sold.
    public let checkoutURL: String?
    /// Ids of the tiers this tier also unlocks, as written in `site.yml`.
    public let includes: [String]

    /// The built-in public tier.
    public static let free = Tier(id: "free", name: "Free", checkoutURL: nil, includes: [])

    /// True for `free`.
    public var isFree: Bool { id == Tier.free.id }
}

/// The tiers of a site, with inheritance resolved.
public struct TierCatalog: Sendable {
    /// Premium tiers in `site.yml` order.
    public let tiers: [Tier]
    private let byID: [String: Tier]
    private let closures: [String: Set<String>]

    init(tiers: [Tier]) {
        self.tiers = tiers
        byID = Dictionary(tiers.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        var closures: [String: Set<String>] = [:]
        for tier in tiers {
            var seen: Set<String> = [tier.id]
            var pending = tier.includes
            while let next = pending.popLast() {
                if seen.insert(next).inserted { pending += byID[next]?.includes ?? [] }
            }
            closures[tier.id] = seen
        }
        self.closures = closures
    }

    /// The tier with `id`; `free` always exists.
    public func tier(_ id: String) -> Tier? {
        id == Tier.free.id ? .free : byID[id]
    }

    /// Every tier id, `free` first.
    public var ids: [String] { [Tier.free.id] + tiers.map(\.id) }

    /// The tiers whose members may read content of `tier`: itself and every tier that
    /// includes it, directly or through another tier, in `site.yml` order.
    public func readers(of tier: Tier) -> [Tier] {
        tiers.filter { closures[$0.id]?.contains(tier.id) == true }
    }
}
