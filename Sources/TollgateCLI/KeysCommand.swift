import ArgumentParser
import Foundation
import TollgateSite

/// `tollgate keys`: the master key, epochs and access codes.
public struct KeysCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "keys",
        abstract: "Manage the master key that seals premium chapters.",
        discussion: """
            The master key is 32 random bytes in a file outside the site (default \
            .tollgate/master.key, mode 0600, listed in .gitignore) or, in CI, the base64 \
            variable TOLLGATE_MASTER_KEY. Tier keys and access codes derive from it and the \
            epoch in site.yml. Back the key up: a lost key means new codes for every member.
            """,
        subcommands: [Init.self, Rotate.self, Show.self, Codes.self]
    )

    public init() {}

    struct SiteOption: ParsableArguments {
        @Argument(help: "The site's folder (with site.yml).", completion: .directory)
        var source: String = "."

        var url: URL { URL(fileURLWithPath: source).standardizedFileURL }
    }

    struct Init: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create the site's master key file (never overwrites one).")

        @OptionGroup var site: SiteOption

        func run() throws {
            try reportingFailures {
                let (file, fingerprint) = try SiteKeys.initialize(source: site.url)
                let inSite = file.path.hasPrefix(site.url.path + "/")
                print("Created the master key in \(file.path) (mode 0600\(inSite ? ", listed in .gitignore" : ", outside the site folder")).")
                print("Fingerprint: \(fingerprint)")
                print("Back this file up somewhere safe. For CI, store its contents as the secret TOLLGATE_MASTER_KEY.")
            }
        }
    }

    struct Rotate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Start a new key epoch: bump keys.epoch in site.yml.",
            discussion: """
                The next build seals every chapter under the new epoch's tier keys. Members \
                of a license server get the new keys on their next visit; access codes of the \
                old epoch stop working, so send the new ones (tollgate keys codes).
                """)

        @OptionGroup var site: SiteOption

        func run() throws {
            try reportingFailures {
                let (old, new) = try SiteKeys.rotate(source: site.url)
                print("keys.epoch: \(old) → \(new) in site.yml. Rebuild and deploy the site; then send members the new access codes (tollgate keys codes).")
            }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print tiers, the epoch and public key ids (never a key).")

        @OptionGroup var site: SiteOption

        func run() throws {
            try reportingFailures {
                let (origin, fingerprint, tiers) = try SiteKeys.show(source: site.url, environment: ProcessInfo.processInfo.environment)
                print("Master key: \(origin.description), fingerprint \(fingerprint)")
                let width = max(4, tiers.map(\.tier.count).max() ?? 0)
                print("tier".padding(toLength: width, withPad: " ", startingAt: 0) + "  epoch  key id            name")
                for tier in tiers {
                    print(tier.tier.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + String(tier.epoch).padding(toLength: 5, withPad: " ", startingAt: 0) + "  \(tier.keyID)  \(tier.name)")
                }
            }
        }
    }

    struct Codes: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print an access code per tier for the current epoch (static sites without a server).",
            discussion: """
                Output: one line per tier, TIER<TAB>EPOCH<TAB>CODE. A code unlocks its tier (and \
                the tiers it includes) in any browser, with no server: give it to buyers, e.g. in \
                the e-mail your shop sends. Trade-off: a shared code works for everyone who has it \
                until the next `tollgate keys rotate`; for per-member keys, device limits and \
                revocation, use tollgate-server.
                """)

        @OptionGroup var site: SiteOption

        @Option(help: "Print the codes of this epoch instead of the current one.")
        var epoch: Int?

        func run() throws {
            try reportingFailures {
                let codes = try SiteKeys.accessCodes(source: site.url, environment: ProcessInfo.processInfo.environment, epoch: epoch)
                for code in codes { print("\(code.tier)\t\(code.epoch)\t\(code.text)") }
            }
        }
    }
}
