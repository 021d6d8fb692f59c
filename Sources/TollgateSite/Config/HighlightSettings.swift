import TollgateYAML

/// How fenced code is highlighted, from `highlight` in `site.yml`: `highlight: false` turns
/// highlighting off; `highlight: {line_numbers: true}` sets the defaults of every fence.
public struct HighlightSettings: Sendable, Hashable {
    /// Whether code blocks are highlighted (default: on).
    public var enabled: Bool = true
    /// Whether code blocks show line numbers unless their fence says `no-numbers`.
    public var lineNumbers: Bool = false

    /// Highlighting on, without line numbers.
    public init(enabled: Bool = true, lineNumbers: Bool = false) {
        self.enabled = enabled
        self.lineNumbers = lineNumbers
    }

    static let keys = ["line_numbers"]

    /// Reads `highlight` of `site.yml`: true, false, or a mapping of ``keys``.
    static func read(from yaml: YAMLObject) -> HighlightSettings {
        var settings = HighlightSettings()
        if yaml.hasMapping("highlight") {
            guard let mapping = yaml.object("highlight", what: "'highlight' of site.yml") else { return settings }
            mapping.rejectUnknownKeys(allowed: keys)
            settings.lineNumbers = mapping.bool("line_numbers") ?? false
        } else if let text = yaml.string("highlight") {
            switch text.lowercased() {
            case "true", "yes", "on": settings.enabled = true
            case "false", "no", "off": settings.enabled = false
            default:
                yaml.report(at: "highlight", "'highlight' in site.yml must be true, false or a mapping such as {line_numbers: true}, not '\(text)'")
            }
        }
        return settings
    }
}
