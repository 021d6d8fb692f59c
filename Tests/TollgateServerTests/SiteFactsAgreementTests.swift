import Foundation
import Testing
import TollgateYAML

@testable import TollgateServer
@testable import TollgateSite

/// One source of site facts: a `site.yml` that `tollgate build` accepts, the license server
/// accepts (and the other way round), with the same errors on the same lines.
@Suite("site.yml: the build and the server agree")
struct SiteFactsAgreementTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        let facts: String
        /// The errors both must report, `line: message`; empty when both accept.
        let errors: [String]
        var testDescription: String { name }
    }

    static let head = "title: T\nbase_url: https://courses.example.com\n"

    // Every case declares a tier: a site with no premium tier builds, and needs no license
    // server, which says so ("no tiers") when pointed at one.

    static let cases: [Case] = [
        Case(name: "lowercase ids, includes, an epoch and a key file", facts: "tiers:\n  - id: member\n  - id: pro-2_x\n    includes: [member]\nkeys:\n  epoch: 3\n  file: secrets/master.key\n", errors: []),
        Case(name: "no keys: the defaults", facts: "tiers:\n  - id: member\n", errors: []),
        Case(name: "Pro", facts: "tiers:\n  - id: member\n  - id: Pro\n", errors: ["5: tier id 'Pro' may use only lowercase letters a-z, digits, '-' and '_': use 'pro'"]),
        Case(name: "a space", facts: "tiers:\n  - id: Pro Tier\n", errors: ["4: tier id 'Pro Tier' may use only lowercase letters a-z, digits, '-' and '_': use 'pro-tier'"]),
        Case(name: "a letter outside a-z", facts: "tiers:\n  - id: café\n", errors: ["4: tier id 'café' may use only lowercase letters a-z, digits, '-' and '_'"]),
        Case(name: "free", facts: "tiers:\n  - id: member\n  - id: free\n", errors: ["5: 'free' is built in; do not declare it under 'tiers'"]),
        Case(name: "twice", facts: "tiers:\n  - id: member\n  - id: member\n", errors: ["5: tier 'member' is declared twice"]),
        Case(name: "an unknown include", facts: "tiers:\n  - id: member\n  - id: pro\n    includes: [membr]\n", errors: ["4: tier 'pro' includes unknown tier 'membr' (did you mean 'member'?)"]),
        Case(name: "a tier including itself", facts: "tiers:\n  - id: pro\n    includes: pro\n", errors: ["4: tier 'pro' cannot include itself"]),
        Case(name: "an unknown key of a tier", facts: "tiers:\n  - id: pro\n    nmae: Pro\n", errors: ["5: unknown key 'nmae' in a tier of site.yml (did you mean 'name'?)"]),
        Case(name: "epoch 0", facts: "tiers:\n  - id: pro\nkeys:\n  epoch: 0\n", errors: ["6: 'epoch' must be 1 or more"]),
        Case(name: "epoch not a number", facts: "tiers:\n  - id: pro\nkeys:\n  epoch: two\n", errors: ["6: 'epoch' in 'keys' of site.yml must be a whole number, not 'two'"]),
        Case(name: "an unknown key of keys", facts: "tiers:\n  - id: pro\nkeys:\n  fil: k.key\n", errors: ["6: unknown key 'fil' in 'keys' of site.yml (did you mean 'file'?)"]),
        Case(name: "a checkout URL that is not one", facts: "tiers:\n  - id: pro\n    checkout_url: buy.example.com\n", errors: ["5: 'checkout_url' of tier 'pro' must be an absolute http(s) URL"]),
    ]

    /// The build's errors, `line: message`.
    static func buildErrors(_ text: String) -> [String] {
        do {
            _ = try SiteConfig.parse(text, file: "site.yml", stringKeys: [])
            return []
        } catch let list as DiagnosticList {
            return list.items.map { "\($0.line ?? 0): \($0.message)" }.sorted()
        } catch {
            return ["\(error)"]
        }
    }

    /// The server's errors for a `server.yml` that points at this `site.yml`, `line: message`.
    static func serverErrors(_ text: String) throws -> (errors: [String], configuration: ServerConfiguration?) {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tollgate-facts-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try text.write(to: folder.appendingPathComponent("site.yml"), atomically: true, encoding: .utf8)
        do {
            let configuration = try ServerConfiguration.parse("site: site.yml\n", file: "server.yml", folder: folder.path)
            return ([], configuration)
        } catch {
            #expect(error.diagnostics.allSatisfy { $0.file == folder.appendingPathComponent("site.yml").path }, "errors name the site's file")
            return (error.diagnostics.map { "\($0.line ?? 0): \($0.message)" }.sorted(), nil)
        }
    }

    @Test("the same site.yml: both accept, or both refuse with the same errors", arguments: cases)
    func agree(_ example: Case) throws {
        let text = Self.head + example.facts
        let build = Self.buildErrors(text)
        let (server, _) = try Self.serverErrors(text)
        #expect(build == example.errors.sorted(), "build")
        #expect(server == build, "server")
    }

    @Test("what the build reads is what the server serves: tiers, epoch and key file")
    func sameFacts() throws {
        let text = Self.head + Self.cases[0].facts
        let site = try SiteConfig.parse(text, file: "site.yml", stringKeys: [])
        let (_, configuration) = try Self.serverErrors(text)
        let served = try #require(configuration)
        #expect(served.tiers == site.tiers.tiers.map(\.id))
        #expect(served.epochs == [site.epoch])
        #expect(served.masterKeyFile?.hasSuffix("/" + site.keyFile) == true)
        #expect(site.keyFile == "secrets/master.key")
    }

    @Test("server.yml's own tier list follows the same rule, with the same hint")
    func serverTiers() {
        #expect(throws: ConfigurationError.self) { try ServerConfiguration.parse("tiers: [member, Pro]\n", file: "server.yml", folder: "") }
        do {
            _ = try ServerConfiguration.parse("tiers: [member, Pro]\n", file: "server.yml", folder: "")
        } catch {
            #expect(error.description.contains("tier id 'Pro' may use only lowercase letters a-z, digits, '-' and '_': use 'pro'"))
        }
    }
}
