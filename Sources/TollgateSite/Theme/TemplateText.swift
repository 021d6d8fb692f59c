import Mustache

/// Text in a page's context: renders like a `String` (escaped by `{{name}}`, as is by
/// `{{{name}}}`, truthy in sections, same transforms).
///
/// swift-mustache prints a value it does not know with `String(describing:)`, after casting
/// it to several protocols, each a lookup in the Swift runtime's conformance cache that the
/// build's threads share. A `MustacheCustomRenderable` is printed after one. Layouts look
/// up about 150 values per page, so this is a measurable part of a build.
struct TemplateText: MustacheCustomRenderable, MustacheTransformable, CustomStringConvertible, Sendable {
    let string: String

    init(_ string: String) { self.string = string }

    var renderText: String { string }
    var isNull: Bool { false }
    var description: String { string }
    func transform(_ name: String) -> Any? { string.transform(name) }

    /// `value` with every `String` in it (in dictionaries and arrays, at any depth) made
    /// ``TemplateText``.
    static func wrapping(_ value: Any) -> Any {
        switch value {
        case let text as String: TemplateText(text)
        case let dictionary as [String: Any]: dictionary.mapValues(wrapping)
        case let list as [Any]: list.map(wrapping)
        default: value
        }
    }

    /// ``wrapping(_:)`` of a dictionary.
    static func wrapping(_ dictionary: [String: Any]) -> [String: Any] { dictionary.mapValues(wrapping) }
}
