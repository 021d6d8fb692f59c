import Foundation

/// The build, as one ordered list of named steps.
public enum Pipeline {
    /// The steps of `tollgate build`, in order.
    static let steps: [BuildStep] = [
        .loadConfiguration,  // site.yml, strings, layouts
        .loadContent,  // courses, parts, chapters, assets
        .splitPremium,  // teaser | premium part of each premium chapter
        .renderMarkdown,  // cmark-gfm, on every core
        .sealAssets,  // assets only premium parts use leave the build sealed (or not at all)
        .sealPremium,  // premium parts leave the build sealed (or not at all)
        .applyLayouts,  // every page through Mustache, into a staging folder
        .writeSite,  // assets, static files, sitemap, feed, robots.txt
        .verify,  // no premium text anywhere in the output
    ]

    /// The names of the steps, in order.
    public static var stepNames: [String] { steps.map(\.name) }

    /// Builds a site.
    ///
    /// The site is written to a staging folder next to the output and moved into place only
    /// when every step succeeded, so a failed build never leaves a half-written site.
    ///
    /// - Parameter progress: receives one line per step, e.g. `[4/8] render Markdown (12 chapters) 0.03 s`.
    /// - Throws: ``BuildFailure`` with every problem the failing step found.
    public static func build(_ options: BuildOptions, progress: (String) -> Void = { _ in }) throws -> BuildReport {
        let start = ContinuousClock.now
        var context = BuildContext(options: options)
        defer {
            if let staging = context.staging { try? FileManager.default.removeItem(at: staging) }
        }
        for (number, step) in steps.enumerated() {
            let stepStart = ContinuousClock.now
            let detail = try step.perform(&context)
            let seconds = (ContinuousClock.now - stepStart).seconds
            progress("[\(number + 1)/\(steps.count)] \(step.name)\(detail.map { " (\($0))" } ?? "") \(Format.seconds(seconds))")
        }
        try publish(context.staging, to: options.output)
        context.staging = nil
        return BuildReport(
            files: context.files, pages: context.pages, chapters: context.content.chapters.count,
            premiumChapters: context.published.filter(\.isLocked).count,
            seconds: (ContinuousClock.now - start).seconds, output: options.output, notices: context.notices)
    }

    /// The steps `tollgate check --leaks` runs before scanning a folder: what the build knows
    /// about premium text, without writing anything or needing the master key.
    static let leakCheckSteps: [BuildStep] = [.loadConfiguration, .loadContent, .splitPremium, .renderMarkdown, .sealAssets, .sealPremium]

    /// Scans a built site for premium plaintext of the site at `options.source`: every
    /// sentence of eight words or more of each premium part, and its headings unless
    /// `premium.public_headings` is on.
    ///
    /// - Returns: the number of text files scanned.
    /// - Throws: ``BuildFailure`` with one diagnostic per premium sentence or heading found:
    ///   at its line in the chapter's source, quoting it, naming the files it is in.
    public static func checkLeaks(_ options: BuildOptions, folder: URL, progress: (String) -> Void = { _ in }) throws -> Int {
        let context = try analyse(options, progress: progress)
        guard FileManager.default.fileExists(atPath: folder.path) else {
            throw BuildFailure(step: "check leaks", diagnostics: [Diagnostic(file: folder.path, "no such folder")])
        }
        let (report, files) = LeakScanner(fingerprints: context.fingerprints).scan(folder: folder, label: folder.path)
        progress("[\(leakCheckSteps.count + 1)/\(leakCheckSteps.count + 1)] scan \(Format.count(files, "file"))")
        var leaks = PremiumAssetCheck(assets: context.premiumAssets, source: options.source).findings(in: folder, label: folder.path)
        if !report.isEmpty {
            leaks += report.diagnostics(
                fingerprints: context.fingerprints, chapterSources: context.content.chapters.map(\.source), source: options.source, building: false)
        }
        if !leaks.isEmpty { throw BuildFailure(step: "check leaks", diagnostics: leaks) }
        return files
    }

    /// Runs the build up to sealing without writing anything or needing a key: problems of
    /// `site.yml`, front matter, Markdown and links.
    /// - Throws: ``BuildFailure`` with every problem of the first failing step.
    public static func check(_ options: BuildOptions) throws {
        _ = try analyse(options)
    }

    /// Runs ``leakCheckSteps`` with premium parts withheld: what the build knows, without
    /// writing anything or needing a key.
    private static func analyse(_ options: BuildOptions, progress: (String) -> Void = { _ in }) throws -> BuildContext {
        var options = options
        options.premium = .withhold
        var context = BuildContext(options: options)
        for (number, step) in leakCheckSteps.enumerated() {
            _ = try step.perform(&context)
            progress("[\(number + 1)/\(leakCheckSteps.count + 1)] \(step.name)")
        }
        return context
    }

    /// Replaces `output` by `staging` with two renames, so readers of `output` see the old
    /// site or the new one, never a mix.
    private static func publish(_ staging: URL, to output: URL) throws {
        let manager = FileManager.default
        let old = output.deletingLastPathComponent().appendingPathComponent(".\(output.lastPathComponent).old-\(ProcessInfo.processInfo.processIdentifier)")
        if manager.fileExists(atPath: output.path) {
            try manager.moveItem(at: output, to: old)
        }
        do {
            try manager.moveItem(at: staging, to: output)
        } catch {
            if manager.fileExists(atPath: old.path) { try? manager.moveItem(at: old, to: output) }
            throw BuildFailure(step: "publish", diagnostics: [Diagnostic(file: output.path, "cannot move the new site into place: \(error.localizedDescription)")])
        }
        try? manager.removeItem(at: old)
    }
}

extension Duration {
    var seconds: Double {
        let parts = components
        return Double(parts.seconds) + Double(parts.attoseconds) / 1e18
    }
}
