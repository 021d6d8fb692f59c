import Dispatch

/// Maps `items` on every core, keeping their order.
///
/// Items are handed out one at a time as threads become free, so a few large items (a tag
/// page listing thousands of chapters) do not hold up one thread while the others idle.
func parallelMap<Element: Sendable, Result: Sendable>(
    _ items: [Element], _ transform: @Sendable (Element) -> Result
) -> [Result] {
    guard items.count > 1 else { return items.map(transform) }
    let results = ResultSlots<Result>(count: items.count)
    items.withUnsafeBufferPointer { buffer in
        let source = UncheckedBox(buffer)
        DispatchQueue.concurrentPerform(iterations: source.value.count) { index in
            results.set(index, transform(source.value[index]))
        }
    }
    return results.values()
}

/// Write-once slots filled by concurrent workers, each slot by exactly one worker.
private final class ResultSlots<Value>: @unchecked Sendable {
    private let storage: UnsafeMutablePointer<Value?>
    private let count: Int

    init(count: Int) {
        self.count = count
        storage = .allocate(capacity: count)
        storage.initialize(repeating: nil, count: count)
    }

    deinit {
        storage.deinitialize(count: count)
        storage.deallocate()
    }

    func set(_ index: Int, _ value: Value) { storage[index] = value }

    func values() -> [Value] { (0..<count).map { storage[$0]! } }
}

private struct UncheckedBox<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
