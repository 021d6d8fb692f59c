import Foundation
import TollgateSiteFacts
import TollgateYAML

/// The site a server serves, read from its `site.yml` with the build's own parser of site
/// facts (``SiteFacts``): tiers, epoch and key file follow the same rules and give the same
/// errors as `tollgate build`. Keys of `site.yml` that are not facts are the build's business.
struct ServedSite {
    var facts: SiteFacts
    /// The master key file, resolved against the site's folder.
    var keyFilePath: String
    /// `base_url` as written.
    var baseURL: String?
    /// Scheme, host and port of `base_url`: the origin its pages call the server from.
    var origin: String?

    /// The file cannot be read or is not YAML.
    struct Unreadable: Error, CustomStringConvertible {
        var description: String
    }

    /// The file's facts break the rules; each diagnostic names `site.yml` and its line.
    struct Invalid: Error {
        var diagnostics: [Diagnostic]
    }

    static func load(from path: String) throws -> ServedSite {
        let yaml: YAMLObject
        do {
            let text = try String(contentsOfFile: path, encoding: .utf8)
            yaml = try YAMLObject.parse(text, file: path, what: "site.yml")
        } catch let diagnostic as Diagnostic {
            throw Unreadable(description: "cannot read the site's configuration: \(diagnostic)")
        } catch {
            throw Unreadable(description: "cannot read the site's configuration \(path): \(ServerConfiguration.reason(error))")
        }
        let facts = SiteFacts.read(from: yaml)
        let baseURL = yaml.string("base_url")
        guard yaml.allProblems.isEmpty else { throw Invalid(diagnostics: yaml.allProblems) }
        return ServedSite(
            facts: facts,
            keyFilePath: facts.keyFilePath(siteFolder: (path as NSString).deletingLastPathComponent),
            baseURL: baseURL,
            origin: baseURL.flatMap(Self.origin(of:))
        )
    }

    private static func origin(of baseURL: String) -> String? {
        guard let url = URL(string: baseURL), let scheme = url.scheme, let host = url.host else { return nil }
        return "\(scheme)://\(host)" + (url.port.map { ":\($0)" } ?? "")
    }
}
