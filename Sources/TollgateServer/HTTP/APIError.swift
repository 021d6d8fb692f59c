import Foundation
import Hummingbird
import NIOCore

/// An error a client is told about: `{"error": {"code", "message", …}}` with an HTTP status.
///
/// Messages name what is wrong and what to do; they never contain a key, token or secret.
public struct APIError: Error, HTTPResponseError, Sendable {
    /// The HTTP status.
    public let status: HTTPResponse.Status
    /// A stable machine-readable code, e.g. `device_limit`.
    public let code: String
    /// A sentence for people.
    public let message: String
    /// More fields of the error object.
    public let details: [String: JSONValue]
    /// More response headers (`Retry-After`).
    public let headers: HTTPFields

    init(_ status: HTTPResponse.Status, _ code: String, _ message: String, details: [String: JSONValue] = [:], headers: HTTPFields = [:]) {
        self.status = status
        self.code = code
        self.message = message
        self.details = details
        self.headers = headers
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        responseWithoutRequest()
    }

    static func invalidJSON(_ message: String) -> APIError { APIError(.badRequest, "invalid_json", message) }
    static func invalidField(_ field: String, _ message: String) -> APIError {
        APIError(.badRequest, "invalid_field", message, details: ["field": .string(field)])
    }
    static func bodyTooLarge(_ limit: Int) -> APIError {
        APIError(.contentTooLarge, "body_too_large", "The request body is larger than \(limit) bytes.")
    }
    static let internalError = APIError(.internalServerError, "internal", "The server could not complete the request; it was logged.")
    /// Seconds a client should wait when the database is unreachable.
    static let storeRetrySeconds = 5
    /// The database is unreachable: nothing was done, try again (Stripe does by itself).
    static let storeUnavailable = APIError(
        .serviceUnavailable, "unavailable", "The license server cannot reach its database just now. Nothing was changed; try again in a few seconds.",
        details: ["retry_after": .int(storeRetrySeconds)], headers: [.retryAfter: String(storeRetrySeconds)]
    )
}

/// A JSON value, for bodies built by hand (error details, small responses).
public enum JSONValue: Sendable, Equatable, Encodable, ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral {
    case string(String)
    case int(Int)
    case bool(Bool)
    case null
    case array([JSONValue])
    case object([String: JSONValue])

    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int) { self = .int(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }

    /// `.string` of `text`, or `.null`.
    static func optional(_ text: String?) -> JSONValue { text.map { .string($0) } ?? .null }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .string(let value): try container.encode(value)
        case .int(let value): try container.encode(value)
        case .bool(let value): try container.encode(value)
        case .null: try container.encodeNil()
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }

    /// A JSON response with this value as its body.
    func response(status: HTTPResponse.Status = .ok) -> Response {
        jsonResponse(self, status: status)
    }
}

/// Encodes `value` as the JSON body of a response with `status`.
func jsonResponse(_ value: some Encodable, status: HTTPResponse.Status = .ok) -> Response {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    // Every value encoded here is made of strings, numbers and arrays: encoding cannot fail.
    let data = (try? encoder.encode(value)) ?? Data("{}".utf8)
    return Response(
        status: status,
        headers: [.contentType: "application/json; charset=utf-8", .cacheControl: "no-store"],
        body: .init(byteBuffer: ByteBuffer(bytes: data))
    )
}

/// Reads a request body of at most `limit` bytes and decodes it as `T`, turning every
/// problem into the ``APIError`` a client should see.
func decodeBody<T: Decodable>(_ type: T.Type, from request: Request, limit: Int) async throws -> T {
    let buffer = try await collectBody(of: request, limit: limit)
    return try decodeJSON(type, from: Data(buffer.readableBytesView))
}

/// The raw body of at most `limit` bytes; `413 body_too_large` beyond, and
/// ``IncompleteRequest`` when the connection fails or ends before the body does.
func collectBody(of request: Request, limit: Int) async throws -> ByteBuffer {
    if let length = request.headers[.contentLength].flatMap(Int.init), length > limit { throw APIError.bodyTooLarge(limit) }
    do {
        return try await request.body.collect(upTo: limit)
    } catch is NIOTooManyBytesError {
        throw APIError.bodyTooLarge(limit)
    } catch {
        throw IncompleteRequest(reason: "\(error)")
    }
}

/// The client closed (or reset) its connection, or a timeout did, before the request's body
/// arrived whole: the client's doing, not the server's, so it is no 500.
struct IncompleteRequest: Error {
    /// What the connection reported (no request data).
    let reason: String
}

/// Decodes JSON, with messages that name the field of the wrong type.
func decodeJSON<T: Decodable>(_ type: T.Type, from data: Data) throws -> T {
    do {
        return try JSONDecoder().decode(type, from: data)
    } catch let error as DecodingError {
        switch error {
        case .typeMismatch(let expected, let context):
            let field = fieldName(context.codingPath)
            if field.isEmpty { throw APIError.invalidJSON("The body must be a JSON object.") }
            throw APIError.invalidField(field, "'\(field)' must be \(typeName(expected)).")
        case .valueNotFound(let expected, let context):
            let field = fieldName(context.codingPath)
            throw APIError.invalidField(field, "'\(field)' must be \(typeName(expected)), not null.")
        case .keyNotFound(let key, let context):
            let field = fieldName(context.codingPath + [key])
            throw APIError.invalidField(field, "'\(field)' is missing.")
        case .dataCorrupted(let context):
            if let field = Optional(fieldName(context.codingPath)), !field.isEmpty {
                throw APIError.invalidField(field, "'\(field)' is not valid: \(context.debugDescription)")
            }
            throw APIError.invalidJSON("The body is not valid JSON.")
        @unknown default:
            throw APIError.invalidJSON("The body is not valid JSON.")
        }
    } catch let error as APIError {
        throw error
    } catch {
        throw APIError.invalidJSON("The body is not valid JSON.")
    }
}

private func fieldName(_ path: [any CodingKey]) -> String {
    path.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".").replacingOccurrences(of: ".[", with: "[")
}

private func typeName(_ type: Any.Type) -> String {
    switch type {
    case is String.Type: "a string"
    case is Int.Type: "a whole number"
    case is Bool.Type: "true or false"
    case is [String].Type: "a list of strings"
    default: type is any Collection.Type ? "a list" : "an object"
    }
}
