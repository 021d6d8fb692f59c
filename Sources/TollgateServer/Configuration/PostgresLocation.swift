import Foundation

/// Where a PostgreSQL database is, as `database: postgres://user@host:port/name` in
/// `server.yml` says, with the TLS settings next to it. The password is never part of the
/// configuration file: it comes from `TOLLGATE_DATABASE_PASSWORD` or from the file
/// `database_password_file` names, and it is never logged.
public struct PostgresLocation: Sendable, Equatable {
    /// How the connection is encrypted.
    public enum TLSMode: String, Sendable, CaseIterable {
        /// Plain TCP (loopback or a private network only).
        case disable
        /// TLS when the server offers it, plain otherwise.
        case prefer
        /// TLS or no connection, with the server's certificate checked.
        case require
    }

    /// The database user.
    public var user: String
    /// Host name or address.
    public var host: String
    /// Port (5432 by default).
    public var port: Int
    /// The database name.
    public var database: String
    /// `database_tls` (default `prefer`).
    public var tls: TLSMode = .prefer
    /// `database_ca_file`: the certificate authority that signed the server's certificate
    /// (default: the system's trusted roots).
    public var caFile: String?
    /// `database_password_file`: a file holding the password (`TOLLGATE_DATABASE_PASSWORD` wins).
    public var passwordFile: String?

    /// A location with every part given.
    public init(user: String, host: String, port: Int = 5432, database: String) {
        self.user = user
        self.host = host
        self.port = port
        self.database = database
    }

    /// `postgres://user@host:port/database`, without any password.
    public var url: String { "postgres://\(user)@\(host.contains(":") ? "[\(host)]" : host):\(port)/\(database)" }

    /// Whether `text` names a PostgreSQL database rather than a SQLite file.
    static func isURL(_ text: String) -> Bool {
        text.hasPrefix("postgres://") || text.hasPrefix("postgresql://")
    }

    /// Parses `postgres://user@host[:port]/database`; a problem in words otherwise.
    static func parse(_ text: String) -> Result<PostgresLocation, LocationProblem> {
        guard let components = URLComponents(string: text), let host = components.host, !host.isEmpty else {
            return .failure(LocationProblem("'database' is not a PostgreSQL URL: write postgres://user@host:5432/name"))
        }
        if components.password != nil {
            return .failure(LocationProblem(
                "'database' must not hold a password (server.yml is not a secret): remove it and set TOLLGATE_DATABASE_PASSWORD or 'database_password_file'"
            ))
        }
        guard let user = components.user, !user.isEmpty else {
            return .failure(LocationProblem("'database' names no user: write postgres://user@\(host):\(components.port ?? 5432)/name"))
        }
        let name = String(components.path.drop { $0 == "/" })
        guard !name.isEmpty, !name.contains("/") else {
            return .failure(LocationProblem("'database' names no database: write postgres://\(user)@\(host):\(components.port ?? 5432)/name"))
        }
        if let query = components.query, !query.isEmpty {
            return .failure(LocationProblem("'database' takes no options after '?': use 'database_tls' and 'database_ca_file' in server.yml"))
        }
        return .success(PostgresLocation(user: user, host: host, port: components.port ?? 5432, database: name))
    }

    /// The password: `TOLLGATE_DATABASE_PASSWORD`, or the first line of ``passwordFile``, or none.
    /// - Throws: ``StoreError`` naming the file (never its content) when it cannot be read.
    func password(environment: [String: String]) throws -> String? {
        if let password = environment["TOLLGATE_DATABASE_PASSWORD"], !password.isEmpty { return password }
        guard let passwordFile else { return nil }
        do {
            let text = try String(contentsOfFile: passwordFile, encoding: .utf8)
            return text.split(separator: "\n", omittingEmptySubsequences: false).first.map(String.init)
        } catch {
            throw StoreError("cannot read the database password file \(passwordFile): \(ServerConfiguration.reason(error))")
        }
    }
}

/// Why a `database:` URL was refused.
struct LocationProblem: Error {
    let message: String

    init(_ message: String) {
        self.message = message
    }
}
