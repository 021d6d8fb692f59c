import Foundation

/// A rate limit on member requests: one token per request, by key.
protocol RateLimiting: Sendable {
    /// Takes one token for `key`; `nil` when allowed, or the seconds to wait.
    func take(_ key: String, now: Date) async throws -> Int?
}

extension RateLimiter: RateLimiting {}
