import Foundation
import Hummingbird
import TollgateYAML

/// A request body that names every field it may have, so that a field it does not know
/// (a typo such as `day` for `days`) is refused instead of silently ignored.
protocol StrictBody: Decodable {
    /// Every field the body may have, as written in JSON.
    static var fields: [String] { get }
}

/// Reads a body of at most `limit` bytes and decodes it as `T`, refusing unknown fields.
func decodeStrictBody<T: StrictBody>(_ type: T.Type, from request: Request, limit: Int) async throws -> T {
    let buffer = try await collectBody(of: request, limit: limit)
    return try decodeStrictJSON(type, from: Data(buffer.readableBytesView))
}

/// Like ``decodeStrictBody(_:from:limit:)``, but an empty body is no body (`nil`).
func decodeOptionalStrictBody<T: StrictBody>(_ type: T.Type, from request: Request, limit: Int) async throws -> T? {
    let buffer = try await collectBody(of: request, limit: limit)
    guard buffer.readableBytes > 0 else { return nil }
    return try decodeStrictJSON(type, from: Data(buffer.readableBytesView))
}

/// Decodes a JSON object as `T` after checking that every field of it is one of `T.fields`.
func decodeStrictJSON<T: StrictBody>(_ type: T.Type, from data: Data) throws -> T {
    guard let object = try? JSONSerialization.jsonObject(with: data) else {
        throw APIError.invalidJSON("The body is not valid JSON.")
    }
    guard let fields = object as? [String: Any] else {
        throw APIError.invalidJSON("The body must be a JSON object.")
    }
    try rejectUnknownFields(fields.keys, allowed: T.fields)
    return try decodeJSON(type, from: data)
}

/// Throws `400 invalid_field` for the first name (in sorted order) that is not in `allowed`,
/// with a "did you mean" and the names the endpoint takes.
func rejectUnknownFields(_ names: some Sequence<String>, allowed: [String], kind: String = "field") throws {
    for name in names.sorted() where !allowed.contains(name) {
        let hint = Suggestion.hint(for: name, in: allowed)
        throw APIError.invalidField(name, "Unknown \(kind) '\(name)'\(hint); this endpoint takes: \(allowed.sorted().joined(separator: ", ")).")
    }
}
