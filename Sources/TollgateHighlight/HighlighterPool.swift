import Foundation

/// Engines for the threads of a build: a worker borrows one, uses it alone, and gives it
/// back, so there are never more engines than threads highlighting at once.
final class HighlighterPool: @unchecked Sendable {
    private let lock = NSLock()
    private var idle: [SyntaxEngine] = []
    private var resolved: [String: String?] = [:]

    /// The definition `name` resolves to, looked up once per name.
    func definitionName(for name: String) -> String? {
        lock.lock()
        let known = resolved[name]
        lock.unlock()
        if let known { return known }
        let found = withEngine { $0.definitionName(for: name) } ?? nil
        lock.lock()
        resolved[name] = found
        lock.unlock()
        return found
    }

    /// Runs `body` with an engine no other thread is using; nil when none could be made.
    func withEngine<Result>(_ body: (SyntaxEngine) -> Result) -> Result? {
        guard let engine = borrow() else { return nil }
        defer { giveBack(engine) }
        return body(engine)
    }

    private func borrow() -> SyntaxEngine? {
        lock.lock()
        let engine = idle.popLast()
        lock.unlock()
        return engine ?? SyntaxEngine()
    }

    private func giveBack(_ engine: SyntaxEngine) {
        lock.lock()
        idle.append(engine)
        lock.unlock()
    }
}
