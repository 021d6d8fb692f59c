import Foundation

extension BuildStep {
    /// Last step: no premium sentence or heading, and no premium asset's bytes, anywhere in
    /// the output. Pages were checked as they were written (apply layouts); every other text
    /// file is read now. One diagnostic per premium text found, at its line in the chapter's
    /// source, naming the files it is in.
    static let verify = BuildStep(name: "verify") { context in
        let label = context.options.output.lastPathComponent
        var (leaks, _) = LeakScanner(fingerprints: context.fingerprints).scan(folder: context.staging, label: label, skipping: context.scannedFiles)
        if let pages = context.pageLeaks { leaks.merge(pages) }
        var findings = PremiumAssetCheck(assets: context.premiumAssets, source: context.options.source).findings(in: context.staging, label: label)
        if !leaks.isEmpty {
            findings += leaks.diagnostics(
                fingerprints: context.fingerprints, chapterSources: context.content.chapters.map(\.source), source: context.options.source,
                building: true)
        }
        if !findings.isEmpty { throw DiagnosticList(items: findings) }
        return "no premium text in \(Format.count(context.files, "file"))"
    }
}
