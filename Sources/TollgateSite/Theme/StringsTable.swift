import Foundation
import Yams

/// The text the theme and generated pages show, by key, in the site's language.
struct StringsTable: Sendable {
    private(set) var values: [String: String]

    /// The keys every table has: those of the English table.
    static func keys() throws -> Set<String> { Set(try load("en").keys) }

    /// The table for `language`, with `overrides` from `site.yml` applied.
    static func make(language: String, overrides: [String: String]) throws -> StringsTable {
        var values = try load("en")
        if language != "en" { values.merge(try load(language)) { _, translated in translated } }
        values.merge(overrides) { _, override in override }
        return StringsTable(values: values)
    }

    subscript(key: String) -> String { values[key] ?? key }

    private static func load(_ language: String) throws -> [String: String] {
        let url = BundledResources.stringsURL.appendingPathComponent("\(language).yml")
        guard let text = try? String(contentsOf: url, encoding: .utf8),
            let table = try Yams.load(yaml: text) as? [String: Any]
        else {
            throw Diagnostic(file: nil, "the built-in strings table for '\(language)' is missing or invalid (reinstall Tollgate)")
        }
        return table.mapValues { "\($0)" }
    }
}
