import TollgateCrypto

/// `assets/tollgate-site.js`: what `tollgate.js` needs on every sealed page of a site,
/// published once so browsers cache it (docs/FORMAT.md, "The site module").
enum UnlockModule {
    /// The browser module, copied from the theme.
    static let script = "tollgate.js"
    /// The site module, next to it.
    static let file = "assets/tollgate-site.js"

    /// `export default {…};` with the site id, epoch, language, license server, tiers, the
    /// `unlock_*` strings and the access code envelopes.
    static func text(config: SiteConfig, strings: StringsTable, codes: [AccessCodeEnvelope]) -> String {
        let json = Encoding.jsonString
        let tiers = config.tiers.tiers.map { tier in
            "{\"id\":\(json(tier.id)),\"name\":\(json(tier.name)),\"checkout_url\":\(tier.checkoutURL.map(json) ?? "null"),"
                + "\"includes\":[\(tier.includes.map(json).joined(separator: ","))]}"
        }
        let unlockStrings = strings.values.filter { $0.key.hasPrefix("unlock_") || $0.key.hasPrefix("member_") }.sorted { $0.key < $1.key }
            .map { "\(json($0.key)):\(json($0.value))" }
        return "export default {\"v\":\(SealedChapter.version),\"site\":\(json(config.siteID)),\"epoch\":\(config.epoch),"
            + "\"lang\":\(json(config.language)),\"license_server\":\(config.licenseServer.map(json) ?? "null"),"
            + "\"tiers\":[\(tiers.joined(separator: ","))],\"strings\":{\(unlockStrings.joined(separator: ","))},"
            + "\"codes\":[\(codes.map(\.json).joined(separator: ","))]};\n"
    }
}
