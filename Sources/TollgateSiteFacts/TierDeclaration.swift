/// A premium tier as `site.yml` declares it.
package struct TierDeclaration: Sendable, Hashable {
    /// The id used in front matter (`tier: pro`) and in licenses.
    package var id: String
    /// The name readers see ("Pro"); the id when not given.
    package var name: String
    /// Where to buy this tier, if it is sold.
    package var checkoutURL: String?
    /// Ids of the tiers this tier also unlocks, as written.
    package var includes: [String]

    /// Makes a declaration.
    package init(id: String, name: String, checkoutURL: String? = nil, includes: [String] = []) {
        self.id = id
        self.name = name
        self.checkoutURL = checkoutURL
        self.includes = includes
    }
}
