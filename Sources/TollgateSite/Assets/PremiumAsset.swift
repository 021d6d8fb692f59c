import Foundation
import TollgateCrypto

/// A content asset that only premium parts of chapters use: sealed for every tier that can
/// read one of those chapters and published under an opaque name, never copied in clear.
struct PremiumAsset: Sendable {
    /// The file under `content/`.
    var asset: Asset
    /// Ids of the tiers that may open it, in `site.yml` order.
    var readers: [String]
    /// Chapters (indices) whose premium part uses it.
    var chapters: [Int]
    /// The opaque id it is published under; nil when premium parts are withheld.
    var id: String?

    /// `assets/sealed/<id>.bin`, relative to the site root.
    var outputPath: String? { id.map(Self.outputPath) }

    /// Where the asset with opaque id `id` is published, relative to the site root.
    static func outputPath(id: String) -> String { "assets/sealed/\(id).bin" }

    /// Seals `assets` into `folder` (the staging folder), each distinct id once, for the
    /// readers of every asset with that id (two files with the same bytes share one); `tiers`
    /// are the site's premium tier ids in order.
    ///
    /// - Returns: the number of files written.
    /// - Throws: ``DiagnosticList`` naming each asset that could not be sealed.
    static func writeSealed(_ assets: [PremiumAsset], tiers: [String], with sealer: AssetSealer, from source: URL, into folder: URL) throws -> Int {
        var byID: [String: (asset: PremiumAsset, readers: Set<String>)] = [:]
        var order: [String] = []
        for asset in assets {
            guard let id = asset.id else { continue }
            if byID[id] == nil { order.append(id) }
            byID[id, default: (asset, [])].readers.formUnion(asset.readers)
        }
        guard !order.isEmpty else { return 0 }
        let sealedFolder = folder.appendingPathComponent("assets/sealed")
        do {
            try FileManager.default.createDirectory(at: sealedFolder, withIntermediateDirectories: true)
        } catch {
            throw Diagnostic(file: nil, "cannot create \(sealedFolder.path): \(error.localizedDescription)")
        }
        let groups = byID
        let failures: [Diagnostic?] = parallelMap(order) { id in
            let (asset, readers) = groups[id]!
            let ordered = tiers.filter(readers.contains)
            do throws(CryptoError) {
                _ = try sealer.seal(
                    file: source.appendingPathComponent(asset.asset.source), readers: ordered,
                    to: folder.appendingPathComponent(outputPath(id: id)))
                return nil
            } catch {
                return Diagnostic(file: asset.asset.source, "cannot seal this premium asset: \(error)")
            }
        }
        let problems = failures.compactMap { $0 }
        if !problems.isEmpty { throw DiagnosticList(items: problems) }
        return order.count
    }
}
