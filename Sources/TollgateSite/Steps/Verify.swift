import Foundation

extension BuildStep {
    /// Step 8: no premium sentence or heading anywhere in the output. Pages were checked as
    /// they were written (step 6); every other text file is read now. One diagnostic per
    /// premium text found, at its line in the chapter's source, naming the files it is in.
    static let verify = BuildStep(name: "verify") { context in
        let label = context.options.output.lastPathComponent
        var (leaks, _) = LeakScanner(fingerprints: context.fingerprints).scan(folder: context.staging, label: label, skipping: context.scannedFiles)
        if let pages = context.pageLeaks { leaks.merge(pages) }
        if !leaks.isEmpty {
            throw DiagnosticList(
                items: leaks.diagnostics(
                    fingerprints: context.fingerprints, chapterSources: context.content.chapters.map(\.source), source: context.options.source,
                    building: true))
        }
        return "no premium text in \(Format.count(context.files, "file"))"
    }
}
