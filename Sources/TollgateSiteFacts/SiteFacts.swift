import TollgateYAML

/// The facts of a site that both the build and the license server read from `site.yml`:
/// its premium tiers, its key epoch and where its master key file is.
///
/// One parser, used by both, so that a site that builds also serves: the same rules, the same
/// errors (with the same lines), the same defaults.
package struct SiteFacts: Sendable, Equatable {
    /// The premium tiers, in `site.yml` order.
    package var tiers: [TierDeclaration]
    /// The key epoch (`keys.epoch`, bumped by key rotation).
    package var epoch: Int
    /// The master key file as written (`keys.file`): relative to the site's folder, or absolute.
    package var keyFile: String

    /// The default master key file, relative to the site's folder.
    package static let defaultKeyFile = ".tollgate/master.key"
    /// The keys of one entry of `tiers:`.
    package static let tierKeys = ["id", "name", "checkout_url", "includes"]
    /// The keys of `keys:`.
    package static let keysKeys = ["epoch", "file"]

    /// Reads the facts from the top mapping of a `site.yml`, recording every problem on it
    /// (read them with `yaml.allProblems`). Other keys of the mapping are left alone.
    package static func read(from yaml: YAMLObject) -> SiteFacts {
        let tiers = readTiers(from: yaml)
        checkIncludes(of: tiers, in: yaml)
        let (epoch, keyFile) = readKeys(from: yaml)
        return SiteFacts(tiers: tiers, epoch: epoch, keyFile: keyFile)
    }

    /// The master key file's path: ``keyFile`` resolved against the site's folder.
    package func keyFilePath(siteFolder folder: String) -> String {
        if keyFile.hasPrefix("/") || folder.isEmpty { return keyFile }
        return folder.hasSuffix("/") ? folder + keyFile : folder + "/" + keyFile
    }

    private static func readTiers(from yaml: YAMLObject) -> [TierDeclaration] {
        var tiers: [TierDeclaration] = []
        for entry in yaml.objects("tiers", what: "a tier of site.yml") ?? [] {
            if let tier = readTier(entry, after: tiers) { tiers.append(tier) }
        }
        return tiers
    }

    /// One entry of `tiers:`, or `nil` when it cannot be a tier at all.
    private static func readTier(_ entry: YAMLObject, after earlier: [TierDeclaration]) -> TierDeclaration? {
        entry.rejectUnknownKeys(allowed: tierKeys)
        guard let id = entry.string("id"), !id.isEmpty else {
            entry.report("every tier needs an 'id'")
            return nil
        }
        if id == TierID.free {
            entry.report(at: "id", "'free' is built in; do not declare it under 'tiers'")
            return nil
        }
        if let problem = TierID.problem(id) { entry.report(at: "id", problem) }
        if earlier.contains(where: { $0.id == id }) {
            entry.report(at: "id", "tier '\(id)' is declared twice")
            return nil
        }
        let checkout = entry.string("checkout_url")
        if let checkout, !(checkout.hasPrefix("https://") || checkout.hasPrefix("http://")) {
            entry.report(at: "checkout_url", "'checkout_url' of tier '\(id)' must be an absolute http(s) URL")
        }
        return TierDeclaration(id: id, name: entry.string("name") ?? id, checkoutURL: checkout, includes: entry.strings("includes") ?? [])
    }

    private static func checkIncludes(of tiers: [TierDeclaration], in yaml: YAMLObject) {
        let ids = tiers.map(\.id)
        for tier in tiers {
            for included in tier.includes where !ids.contains(included) || included == tier.id {
                let reason = included == tier.id ? "cannot include itself" : "includes unknown tier '\(included)'\(Suggestion.hint(for: included, in: ids))"
                yaml.report(at: "tiers", "tier '\(tier.id)' \(reason)")
            }
        }
    }

    private static func readKeys(from yaml: YAMLObject) -> (epoch: Int, keyFile: String) {
        guard let keys = yaml.object("keys", what: "'keys' of site.yml") else { return (1, defaultKeyFile) }
        keys.rejectUnknownKeys(allowed: keysKeys)
        let epoch = keys.int("epoch") ?? 1
        if epoch < 1 { keys.report(at: "epoch", "'epoch' must be 1 or more") }
        let file = keys.string("file") ?? defaultKeyFile
        if file.isEmpty { keys.report(at: "file", "'file' of 'keys' must name the master key file, like \(defaultKeyFile)") }
        return (max(1, epoch), file.isEmpty ? defaultKeyFile : file)
    }
}
