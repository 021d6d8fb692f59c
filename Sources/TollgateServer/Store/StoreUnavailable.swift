/// The database cannot be reached now (down, restarting, network cut, too slow to answer).
/// The request did nothing: the server answers `503` with `Retry-After`, and a Stripe
/// webhook is delivered again later.
public struct StoreUnavailable: Error, CustomStringConvertible, Sendable {
    /// What happened, without any query data.
    public var description: String

    init(_ description: String) {
        self.description = description
    }
}
