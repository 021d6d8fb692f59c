import TollgateYAML

/// One problem found in a site's input, with the place an author can fix it (file and line).
public typealias Diagnostic = TollgateYAML.Diagnostic

/// A build that stopped because of problems in its input.
public struct BuildFailure: Error, Sendable, CustomStringConvertible {
    /// The step that stopped the build, e.g. `load content`.
    public let step: String
    /// Every problem found, sorted by file and line.
    public let diagnostics: [Diagnostic]

    /// Makes a failure; the diagnostics are sorted so that output is stable.
    public init(step: String, diagnostics: [Diagnostic]) {
        self.step = step
        self.diagnostics = diagnostics.sorted {
            ($0.file ?? "", $0.line ?? 0, $0.message) < ($1.file ?? "", $1.line ?? 0, $1.message)
        }
    }

    /// Every diagnostic on its own line, then a summary naming the step.
    public var description: String {
        let count = diagnostics.count
        let lines = diagnostics.map { "error: \($0)" }
        return (lines + ["build failed in step '\(step)' with \(count) error\(count == 1 ? "" : "s")"])
            .joined(separator: "\n")
    }
}

/// Collects diagnostics while a step goes on, so that one build reports all of them.
struct DiagnosticBag: Sendable {
    private(set) var items: [Diagnostic] = []

    var isEmpty: Bool { items.isEmpty }

    mutating func add(_ diagnostic: Diagnostic) { items.append(diagnostic) }

    mutating func add(contentsOf diagnostics: [Diagnostic]) { items.append(contentsOf: diagnostics) }

    /// Runs `body`, recording a thrown ``Diagnostic`` instead of propagating it.
    mutating func collect<T>(_ body: () throws -> T) -> T? {
        do {
            return try body()
        } catch let diagnostic as Diagnostic {
            items.append(diagnostic)
        } catch let diagnostics as DiagnosticList {
            items.append(contentsOf: diagnostics.items)
        } catch {
            items.append(Diagnostic(file: nil, "\(error)"))
        }
        return nil
    }
}

/// Several diagnostics thrown together.
struct DiagnosticList: Error, Sendable {
    let items: [Diagnostic]
}
