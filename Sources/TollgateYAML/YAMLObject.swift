import Foundation
import Yams

/// A strict reader over one YAML mapping that records every problem with its file and line.
///
/// Yams decodes `Codable` types but ignores unknown keys; Tollgate rejects them, with a
/// "did you mean" for typos, and names the line of every value of the wrong type.
package final class YAMLObject {
    package let file: String
    private let mapping: Node.Mapping
    private let lineOffset: Int
    package private(set) var problems: [Diagnostic] = []
    private let what: String

    /// Parses `text` as a YAML mapping. An empty document is an empty mapping.
    ///
    /// - Parameters:
    ///   - lineOffset: added to YAML line numbers (front matter starts after the `---` line).
    ///   - what: how messages name this mapping, e.g. "front matter".
    /// - Throws: a ``Diagnostic`` when the YAML is invalid or not a mapping.
    package static func parse(_ text: String, file: String, lineOffset: Int = 0, what: String) throws -> YAMLObject {
        let node: Node?
        do {
            // Every value is read as text and typed here (`int`, `bool`), so Yams's default
            // resolver, which runs several regular expressions on every scalar, keys included,
            // would only cost time. Naming the encoding spares Yams reading the environment.
            node = try Yams.compose(yaml: text, .basic, .default, .utf8)
        } catch let error as YamlError {
            let line = Self.line(of: error)
            let hint = line.flatMap { text.split(separator: "\n", omittingEmptySubsequences: false).dropFirst(max(0, $0 - 1)).first }.map(QuotingHint.hint) ?? ""
            throw Diagnostic(file: file, line: line.map { $0 + lineOffset }, "invalid YAML in \(what): \(Self.problem(of: error))\(hint)")
        } catch {
            throw Diagnostic(file: file, line: lineOffset + 1, "invalid YAML in \(what): \(error)")
        }
        switch node {
        case nil:
            return YAMLObject(mapping: Node.Mapping([]), file: file, lineOffset: lineOffset, what: what)
        case .mapping(let mapping)?:
            return YAMLObject(mapping: mapping, file: file, lineOffset: lineOffset, what: what)
        case let other?:
            throw Diagnostic(file: file, line: (other.mark?.line ?? 1) + lineOffset, "\(what) must be a mapping of keys to values")
        }
    }

    private init(mapping: Node.Mapping, file: String, lineOffset: Int, what: String) {
        self.mapping = mapping
        self.file = file
        self.lineOffset = lineOffset
        self.what = what
    }

    /// The line of the mapping itself.
    package var line: Int { (mapping.mark?.line ?? 1) + lineOffset }

    /// The keys present, in document order.
    package var keys: [String] { mapping.keys.compactMap(\.string) }

    /// Records an error for every key that is not in `allowed`.
    package func rejectUnknownKeys(allowed: [String]) {
        for key in mapping.keys {
            let name = key.string ?? "\(key)"
            if !allowed.contains(name) {
                report(key, "unknown key '\(name)' in \(what)\(Suggestion.hint(for: name, in: allowed))")
            }
        }
    }

    /// Records an error at `key`'s line (or the mapping's).
    package func report(at key: String? = nil, _ message: String) {
        let line = key.flatMap { self.node(for: $0)?.mark?.line }.map { $0 + lineOffset } ?? line
        problems.append(Diagnostic(file: file, line: line, message))
    }

    /// The line of `key`'s value, or of the mapping.
    package func line(of key: String) -> Int {
        node(for: key)?.mark.map { $0.line + lineOffset } ?? line
    }

    package func string(_ key: String) -> String? {
        guard let node = value(key) else { return nil }
        guard case .scalar(let scalar) = node else {
            report(node, "'\(key)' in \(what) must be text")
            return nil
        }
        return scalar.string
    }

    package func int(_ key: String) -> Int? {
        guard let text = string(key) else { return nil }
        guard let number = Int(text.trimmingCharacters(in: .whitespaces)) else {
            report(at: key, "'\(key)' in \(what) must be a whole number, not '\(text)'")
            return nil
        }
        return number
    }

    package func bool(_ key: String) -> Bool? {
        guard let text = string(key) else { return nil }
        switch text.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default:
            report(at: key, "'\(key)' in \(what) must be true or false, not '\(text)'")
            return nil
        }
    }

    /// A list of strings; a single string is a list of one.
    package func strings(_ key: String) -> [String]? {
        guard let node = value(key) else { return nil }
        switch node {
        case .scalar(let scalar):
            return [scalar.string]
        case .sequence(let sequence):
            var result: [String] = []
            for item in sequence {
                if case .scalar(let scalar) = item { result.append(scalar.string) } else { report(item, "'\(key)' in \(what) must be a list of text") }
            }
            return result
        default:
            report(node, "'\(key)' in \(what) must be a list of text")
            return nil
        }
    }

    /// Whether the value of `key` is a nested mapping (for a key that takes either a switch
    /// or a mapping, such as `highlight` of site.yml).
    package func hasMapping(_ key: String) -> Bool {
        if case .mapping? = value(key) { return true }
        return false
    }

    /// A nested mapping, read with the same strictness.
    package func object(_ key: String, what nestedWhat: String) -> YAMLObject? {
        guard let node = value(key) else { return nil }
        guard case .mapping(let nested) = node else {
            report(node, "'\(key)' in \(what) must be a mapping of keys to values")
            return nil
        }
        return child(nested, what: nestedWhat)
    }

    /// A list of nested mappings.
    package func objects(_ key: String, what nestedWhat: String) -> [YAMLObject]? {
        guard let node = value(key) else { return nil }
        guard case .sequence(let sequence) = node else {
            report(node, "'\(key)' in \(what) must be a list")
            return nil
        }
        var result: [YAMLObject] = []
        for item in sequence {
            if case .mapping(let nested) = item { result.append(child(nested, what: nestedWhat)) } else { report(item, "each entry of '\(key)' in \(what) must be a mapping of keys to values") }
        }
        return result
    }

    /// Every key of a mapping of strings to strings.
    package func stringMap(_ key: String) -> [(key: String, value: String, line: Int)]? {
        guard let node = value(key) else { return nil }
        guard case .mapping(let nested) = node else {
            report(node, "'\(key)' in \(what) must be a mapping of keys to text")
            return nil
        }
        var result: [(String, String, Int)] = []
        for (name, value) in nested {
            guard let name = name.string, case .scalar(let scalar) = value else {
                report(value, "'\(key)' in \(what) must be a mapping of keys to text")
                continue
            }
            result.append((name, scalar.string, (value.mark?.line ?? 1) + lineOffset))
        }
        return result
    }

    /// Problems of this mapping and every mapping read from it.
    package var allProblems: [Diagnostic] { problems + children.flatMap(\.allProblems) }

    private var children: [YAMLObject] = []

    private func child(_ mapping: Node.Mapping, what: String) -> YAMLObject {
        let object = YAMLObject(mapping: mapping, file: file, lineOffset: lineOffset, what: what)
        children.append(object)
        return object
    }

    private func node(for key: String) -> Node? {
        mapping.first { $0.key.string == key }?.value
    }

    /// The value of `key`, or nil when it is absent or null.
    private func value(_ key: String) -> Node? {
        guard let node = node(for: key) else { return nil }
        if case .scalar(let scalar) = node, scalar.style == .plain, ["", "~", "null", "Null", "NULL"].contains(scalar.string) {
            return nil
        }
        return node
    }

    private func report(_ node: Node, _ message: String) {
        problems.append(Diagnostic(file: file, line: (node.mark?.line ?? 1) + lineOffset, message))
    }

    private static func line(of error: YamlError) -> Int? {
        switch error {
        case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _): mark.line
        case .duplicatedKeysInMapping(_, let context): context.mark.line
        default: nil
        }
    }

    private static func problem(of error: YamlError) -> String {
        switch error {
        case .scanner(let context, let problem, _, _), .parser(let context, let problem, _, _), .composer(let context, let problem, _, _):
            [context?.text, problem].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: ": ")
        case .duplicatedKeysInMapping(let duplicates, _):
            "duplicate key\(duplicates.count == 1 ? "" : "s") \(duplicates.map { "'\($0)'" }.joined(separator: ", "))"
        default:
            "\(error)"
        }
    }
}
