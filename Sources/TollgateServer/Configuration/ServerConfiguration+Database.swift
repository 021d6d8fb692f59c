import Foundation
import TollgateYAML

extension ServerConfiguration {
    /// `database:` (a SQLite file, or a `postgres://` URL) and the PostgreSQL settings beside it.
    mutating func readDatabase(_ yaml: YAMLObject, resolve: (String) -> String) {
        let text = yaml.string("database") ?? database
        let postgresKeys = ["database_tls", "database_ca_file", "database_password_file"]
        guard PostgresLocation.isURL(text) else {
            database = resolve(text)
            for key in postgresKeys where yaml.keys.contains(key) {
                yaml.report(at: key, "'\(key)' is for a PostgreSQL database; 'database' names a SQLite file")
            }
            return
        }
        switch PostgresLocation.parse(text) {
        case .failure(let problem):
            yaml.report(at: "database", problem.message)
        case .success(var location):
            if let mode = yaml.string("database_tls") {
                if let parsed = PostgresLocation.TLSMode(rawValue: mode) {
                    location.tls = parsed
                } else {
                    yaml.report(at: "database_tls", "'database_tls' must be one of \(PostgresLocation.TLSMode.allCases.map(\.rawValue).joined(separator: ", ")), not '\(mode)'")
                }
            }
            location.caFile = yaml.string("database_ca_file").map(resolve)
            location.passwordFile = yaml.string("database_password_file").map(resolve)
            if location.caFile != nil, location.tls == .disable {
                yaml.report(at: "database_ca_file", "'database_ca_file' needs 'database_tls: require' (or prefer); it is 'disable'")
            }
            postgres = location
        }
    }
}
