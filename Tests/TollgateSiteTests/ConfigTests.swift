import Testing

@testable import TollgateSite

@Suite("site.yml")
struct ConfigTests {
    func parse(_ yaml: String) throws -> SiteConfig {
        try SiteConfig.parse(yaml, file: "site.yml", stringKeys: ["buy"])
    }

    @Test("defaults, and the base path of a base_url with a path")
    func defaults() throws {
        let config = try parse("title: T\nbase_url: https://example.com/courses/\n")
        #expect(config.baseURL == "https://example.com/courses")
        #expect(config.basePath == "/courses")
        #expect(config.language == "en")
        #expect(config.feedLimit == 20)
        #expect(config.epoch == 1)
        #expect(config.markdownOptions == [.smartPunctuation])
        #expect(try parse("title: T\nbase_url: https://example.com\n").basePath == "")
    }

    @Test("tier inclusion is transitive: readers of a tier are it and every tier that includes it")
    func tierReaders() throws {
        let config = try parse("""
            title: T
            base_url: https://example.com
            tiers:
              - {id: member, name: Member}
              - {id: solo, name: Solo}
              - {id: pro, name: Pro, includes: [member, solo]}
              - {id: team, name: Team, includes: [pro]}
            """)
        let member = try #require(config.tiers.tier("member"))
        #expect(config.tiers.readers(of: member).map(\.id) == ["member", "pro", "team"])
        let solo = try #require(config.tiers.tier("solo"))
        #expect(config.tiers.readers(of: solo).map(\.id) == ["solo", "pro", "team"])
        #expect(config.tiers.tier("free")?.isFree == true)
    }

    @Test("raw HTML is opt-in")
    func rawHTML() throws {
        let config = try parse("title: T\nbase_url: https://example.com\nmarkdown:\n  raw_html: true\n")
        #expect(config.markdownOptions.contains(.rawHTML))
    }

    @Test("problems are all reported, with lines", arguments: [
        ("title: T\nbase_url: example.com\n", ["site.yml:2: 'base_url' must be an absolute http(s) URL, not 'example.com'"]),
        ("title: T\nbase_url: https://e.com\ntiers:\n  - id: free\n", ["site.yml:4: 'free' is built in; do not declare it under 'tiers'"]),
        ("title: T\nbase_url: https://e.com\ntiers:\n  - id: a\n  - id: a\n", ["site.yml:5: tier 'a' is declared twice"]),
        ("title: T\nbase_url: https://e.com\nfeed_limit: lots\n", ["site.yml:3: 'feed_limit' in site.yml must be a whole number, not 'lots'"]),
        ("title: T\nbase_url: https://e.com\nkeys:\n  epoch: 0\n", ["site.yml:4: 'epoch' must be 1 or more"]),
        ("- a\n- b\n", ["site.yml:1: site.yml must be a mapping of keys to values"]),
    ])
    func problems(_ yaml: String, _ expected: [String]) {
        do {
            _ = try parse(yaml)
            Issue.record("no error for \(yaml)")
        } catch let list as DiagnosticList {
            #expect(list.items.map(\.description) == expected)
        } catch let diagnostic as Diagnostic {
            #expect([diagnostic.description] == expected)
        } catch {
            Issue.record("unexpected \(error)")
        }
    }
}
