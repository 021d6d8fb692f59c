/// Walks Mustache templates against real page contexts and reports every name a template
/// uses that the context cannot resolve.
///
/// swift-mustache renders a missing name as empty text without any error; this checker is
/// how the test suite notices a layout that names a key the build does not provide. It
/// follows Mustache's lookup rules: names are looked up through the section stack from the
/// innermost context outwards, dotted names walk into dictionaries, sections over lists
/// are checked for every element, partials and parent layouts are followed.
package struct TemplateChecker {
    indirect enum Node {
        case variable(String)
        case section(String, inverted: Bool, [Node])
        case partial(String)
        case parent(String, blocks: [String: [Node]])
        case block(String, [Node])
    }

    private var templates: [String: [Node]] = [:]

    /// Parses `sources` (template name → text).
    package init(sources: [String: String]) throws {
        for (name, text) in sources { templates[name] = try Self.parse(text, name: name) }
    }

    /// The problems of rendering `template` with `context`, as "template: name" lines.
    package func problems(rendering template: String, with context: [String: Any]) -> [String] {
        var problems: Set<String> = []
        walk(templates[template] ?? [], stack: [context], blocks: [:], template: template, problems: &problems, depth: 0)
        return problems.sorted()
    }

    private func walk(_ nodes: [Node], stack: [Any], blocks: [String: [Node]], template: String, problems: inout Set<String>, depth: Int) {
        guard depth < 40 else { return }
        for node in nodes {
            switch node {
            case .variable(let name):
                if resolve(name, in: stack) == nil { problems.insert("\(template): {{\(name)}} resolves to nothing") }
            case .section(let name, let inverted, let children):
                guard let value = resolve(name, in: stack) else {
                    problems.insert("\(template): section {{\(inverted ? "^" : "#")\(name)}} resolves to nothing")
                    continue
                }
                if inverted {
                    if !Self.isTruthy(value) { walk(children, stack: stack, blocks: blocks, template: template, problems: &problems, depth: depth + 1) }
                } else if let list = value as? [Any] {
                    for element in list { walk(children, stack: stack + [element], blocks: blocks, template: template, problems: &problems, depth: depth + 1) }
                } else if let bool = value as? Bool {
                    if bool { walk(children, stack: stack, blocks: blocks, template: template, problems: &problems, depth: depth + 1) }
                } else {
                    walk(children, stack: stack + [value], blocks: blocks, template: template, problems: &problems, depth: depth + 1)
                }
            case .partial(let name):
                guard let partial = templates[name] else {
                    problems.insert("\(template): partial \(name) does not exist")
                    continue
                }
                walk(partial, stack: stack, blocks: blocks, template: name, problems: &problems, depth: depth + 1)
            case .parent(let name, let overrides):
                guard let parent = templates[name] else {
                    problems.insert("\(template): parent \(name) does not exist")
                    continue
                }
                walk(parent, stack: stack, blocks: blocks.merging(overrides) { outer, _ in outer }, template: name, problems: &problems, depth: depth + 1)
            case .block(let name, let defaults):
                walk(blocks[name] ?? defaults, stack: stack, blocks: blocks, template: template, problems: &problems, depth: depth + 1)
            }
        }
    }

    private func resolve(_ name: String, in stack: [Any]) -> Any? {
        if name == "." { return stack.last }
        let parts = name.split(separator: ".").map(String.init)
        for context in stack.reversed() {
            guard let dictionary = context as? [String: Any], var value = dictionary[parts[0]] else { continue }
            for part in parts.dropFirst() {
                guard let next = (value as? [String: Any])?[part] else { return nil }
                value = next
            }
            return value
        }
        return nil
    }

    private static func isTruthy(_ value: Any) -> Bool {
        if let bool = value as? Bool { return bool }
        if let list = value as? [Any] { return !list.isEmpty }
        return true
    }

    struct ParseError: Error, CustomStringConvertible {
        let description: String
    }

    static func parse(_ text: String, name: String) throws -> [Node] {
        var tags: [(kind: Character?, name: String, text: Bool)] = []
        var rest = Substring(text)
        while let open = rest.range(of: "{{") {
            let afterOpen = rest[open.upperBound...]
            let triple = afterOpen.hasPrefix("{")
            guard let close = afterOpen.range(of: triple ? "}}}" : "}}") else { throw ParseError(description: "\(name): unclosed tag") }
            var body = afterOpen[..<close.lowerBound].trimmingCharacters(in: .whitespaces)
            var kind: Character? = nil
            if triple {
                body = String(body.dropFirst()).trimmingCharacters(in: .whitespaces)
            } else if let first = body.first, "#^/>!<$&".contains(first) {
                kind = first
                body = String(body.dropFirst()).trimmingCharacters(in: .whitespaces)
            }
            if kind != "!" { tags.append((kind == "&" ? nil : kind, body, false)) }
            rest = afterOpen[close.upperBound...]
        }
        var index = 0
        func nodes(until closing: String?) throws -> [Node] {
            var result: [Node] = []
            while index < tags.count {
                let tag = tags[index]
                index += 1
                switch tag.kind {
                case nil: result.append(.variable(tag.name))
                case "#", "^": result.append(.section(tag.name, inverted: tag.kind == "^", try nodes(until: tag.name)))
                case "$": result.append(.block(tag.name, try nodes(until: tag.name)))
                case ">": result.append(.partial(tag.name))
                case "<":
                    var blocks: [String: [Node]] = [:]
                    for case .block(let blockName, let children) in try nodes(until: tag.name) { blocks[blockName] = children }
                    result.append(.parent(tag.name, blocks: blocks))
                case "/":
                    guard tag.name == closing else { throw ParseError(description: "\(name): {{/\(tag.name)}} closes \(closing ?? "nothing")") }
                    return result
                default: break
                }
            }
            if let closing { throw ParseError(description: "\(name): {{#\(closing)}} is never closed") }
            return result
        }
        return try nodes(until: nil)
    }
}
