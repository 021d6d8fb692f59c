import Testing

@testable import TollgateSite

@Suite("site.yml highlight")
struct HighlightConfigTests {
    func parse(_ yaml: String) throws -> SiteConfig {
        try SiteConfig.parse("title: T\nbase_url: https://e.com\n" + yaml, file: "site.yml", stringKeys: [])
    }

    @Test("on by default; false turns it off; a mapping sets line numbers")
    func values() throws {
        #expect(try parse("").highlight == HighlightSettings(enabled: true, lineNumbers: false))
        #expect(try parse("highlight: false\n").highlight == HighlightSettings(enabled: false))
        #expect(try parse("highlight: true\n").highlight == HighlightSettings(enabled: true))
        #expect(try parse("highlight:\n  line_numbers: true\n").highlight == HighlightSettings(enabled: true, lineNumbers: true))
        #expect(try parse("highlight: {line_numbers: false}\n").highlight == HighlightSettings(enabled: true, lineNumbers: false))
    }

    @Test("a bad value is an error with its line and what to write", arguments: [
        ("highlight: sometimes\n", "site.yml:3: 'highlight' in site.yml must be true, false or a mapping such as {line_numbers: true}, not 'sometimes'"),
        ("highlight:\n  line_numbers: maybe\n", "site.yml:4: 'line_numbers' in 'highlight' of site.yml must be true or false, not 'maybe'"),
        ("highlight: [a]\n", "site.yml:3: 'highlight' in site.yml must be text"),
    ])
    func problems(_ yaml: String, _ expected: String) {
        #expect(throws: DiagnosticList.self) { try parse(yaml) }
        do {
            _ = try parse(yaml)
        } catch let list as DiagnosticList {
            #expect(list.items.map(\.description) == [expected])
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test("an unknown key under highlight is an error naming it")
    func unknownKey() {
        do {
            _ = try parse("highlight:\n  theme: dark\n")
            Issue.record("no error")
        } catch let list as DiagnosticList {
            #expect(list.items.count == 1)
            #expect(list.items.first?.description.contains("theme") == true)
            #expect(list.items.first?.description.hasPrefix("site.yml:4:") == true)
        } catch {
            Issue.record("unexpected \(error)")
        }
    }
}
