import Foundation
import NIOSSL
import PostgresNIO

/// The TLS settings of ``PostgresLocation`` for the connection pool and for the listening connection.
struct PostgresTLS {
    let client: PostgresClient.Configuration.TLS
    let connection: PostgresConnection.Configuration.TLS

    init(_ location: PostgresLocation) throws {
        var configuration = TLSConfiguration.makeClientConfiguration()
        if let caFile = location.caFile {
            do {
                configuration.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(caFile))
            } catch {
                throw StoreError("cannot read the database CA file \(caFile): \(error)")
            }
        }
        switch location.tls {
        case .disable:
            client = .disable
            connection = .disable
        case .prefer:
            client = .prefer(configuration)
            connection = .prefer(try NIOSSLContext(configuration: configuration))
        case .require:
            client = .require(configuration)
            connection = .require(try NIOSSLContext(configuration: configuration))
        }
    }
}
