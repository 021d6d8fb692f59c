import Foundation
import TollgateCrypto
import TollgateSite

/// The master key of every test build: fixed, so tests can derive codes and tier keys.
package let testMasterKey = try! MasterKey(base64: "dG9sbGdhdGUgdGVzdCBtYXN0ZXIga2V5OiBwdWJsaWM=")

extension BuildOptions {
    /// Options for a test build: the test master key, and nothing read from the environment.
    package static func fixture(source: URL, output: URL? = nil, includeDrafts: Bool = false, baseURL: String? = nil) -> BuildOptions {
        var options = BuildOptions(source: source, output: output, includeDrafts: includeDrafts, baseURL: baseURL)
        options.masterKey = testMasterKey
        options.environment = [:]
        options.missingKey = .fail
        return options
    }
}
