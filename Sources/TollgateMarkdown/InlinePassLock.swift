#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Guards libcmark-gfm's global table of the inline pass's special characters.
///
/// A parse whose extensions add characters to the table (strikethrough's `~`, autolink's
/// `:` and `w`) writes it when it finishes: it adds them before its inline pass and removes
/// them after, so it holds the lock alone. A parse whose extensions add none (tables only)
/// just reads the table: such parses share the lock.
final class InlinePassLock: @unchecked Sendable {
    private let lock: UnsafeMutablePointer<pthread_rwlock_t>

    init() {
        lock = .allocate(capacity: 1)
        lock.initialize(to: pthread_rwlock_t())
        pthread_rwlock_init(lock, nil)
    }

    deinit {
        pthread_rwlock_destroy(lock)
        lock.deallocate()
    }

    /// Runs `body` while no other parse changes the table; `writes` when `body` changes it.
    func run<T>(writes: Bool, _ body: () -> T) -> T {
        if writes { pthread_rwlock_wrlock(lock) } else { pthread_rwlock_rdlock(lock) }
        defer { pthread_rwlock_unlock(lock) }
        return body()
    }
}
