import Foundation

/// Reads `content/` into courses, parts, chapters and assets, reporting every problem found.
struct ContentLoader {
    let root: URL
    let config: SiteConfig
    let includeDrafts: Bool

    /// Top-level names the site itself uses; a course may not take them.
    static let reservedSlugs: Set<String> = ["assets", "tags", "404", "feed.xml", "sitemap.xml", "robots.txt", HelpPage.slug]

    /// - Throws: ``DiagnosticList`` with every problem in `content/`.
    func load() throws -> SiteContent {
        let scan = try ContentScan(root: root)
        var bag = DiagnosticBag()
        bag.add(contentsOf: scan.problems)

        let files = scan.markdownFiles
        let tierIDs = config.tiers.ids
        let parsed: [Result<FrontMatter, DiagnosticList>] = parallelMap(files) { [root] file in
            do {
                let text = try ContentScan.read(scan.diskPath(file.path), in: root)
                return .success(try FrontMatter(file: file.path, text: text, kind: file.kind, tierIDs: tierIDs))
            } catch let diagnostic as Diagnostic {
                return .failure(DiagnosticList(items: [diagnostic]))
            } catch let list as DiagnosticList {
                return .failure(list)
            } catch {
                return .failure(DiagnosticList(items: [Diagnostic(file: file.path, "\(error)")]))
            }
        }
        var matter: [String: FrontMatter] = [:]
        for (file, result) in zip(files, parsed) {
            switch result {
            case .success(let value): matter[file.path] = value
            case .failure(let list): bag.add(contentsOf: list.items)
            }
        }

        var content = SiteContent()
        var courseSlugs: [String: String] = [:]
        let orderedCourses = scan.courses.sorted {
            (matter[$0.index]?.weight ?? 0, $0.index) < (matter[$1.index]?.weight ?? 0, $1.index)
        }
        for courseScan in orderedCourses {
            guard let index = matter[courseScan.index] else { continue }
            if index.draft, !includeDrafts {
                content.skippedDrafts.formUnion(courseScan.allMarkdown)
                continue
            }
            let slug = index.slug ?? Slug.make(courseScan.folder, dropOrderPrefix: true)
            if slug.isEmpty || Self.reservedSlugs.contains(slug) {
                bag.add(Diagnostic(file: courseScan.index, line: 1, "course folder '\(courseScan.folder)' gives the slug '\(slug)', which the site uses itself: rename the folder or set 'slug'"))
                continue
            }
            if let other = courseSlugs[slug] {
                bag.add(Diagnostic(file: courseScan.index, line: 1, "duplicate slug '\(slug)': \(other) has it too; rename a folder or set 'slug'"))
                continue
            }
            courseSlugs[slug] = courseScan.index
            let courseTier = tier(index.tier, inherited: .free)
            let courseIndex = content.courses.count
            var course = Course(
                slug: slug, title: index.title, summary: index.summary ?? "", tier: courseTier,
                weight: index.weight, tags: index.tags, date: index.date, source: courseScan.index,
                body: index.body, bodyLine: index.bodyLine, urlPath: urlPath([slug]), outputFolder: slug,
                sections: [], chapterIndices: [])
            content.pagesBySource[courseScan.index] = course.urlPath

            // Entries of the course level: chapters and parts, ordered by weight then file name.
            enum Entry { case chapter(String), part(ContentScan.PartScan) }
            var entries: [(weight: Int, name: String, entry: Entry)] = []
            for file in courseScan.chapters {
                guard let chapter = matter[file] else { continue }
                entries.append((chapter.weight, file, .chapter(file)))
            }
            for part in courseScan.parts {
                guard let partMatter = matter[part.index] else { continue }
                if partMatter.draft, !includeDrafts {
                    content.skippedDrafts.formUnion([part.index] + part.chapters)
                    continue
                }
                entries.append((partMatter.weight, part.index, .part(part)))
            }
            entries.sort { ($0.weight, $0.name) < ($1.weight, $1.name) }

            var levelSlugs: [String: String] = Dictionary(courseScan.assetFolders.map { ($0, "content/\(courseScan.folder)/\($0)/") }, uniquingKeysWith: { a, _ in a })
            func claim(_ slug: String, _ file: String, in slugs: inout [String: String]) -> Bool {
                if let other = slugs[slug] {
                    bag.add(Diagnostic(file: file, line: 1, "duplicate slug '\(slug)': \(other) has it too; rename a file or set 'slug'"))
                    return false
                }
                slugs[slug] = file
                return true
            }
            func addChapter(_ file: String, inherited: Tier, segments: [String], partTitle: String?, slugs: inout [String: String]) -> Int? {
                guard let fields = matter[file] else { return nil }
                if fields.draft, !includeDrafts {
                    content.skippedDrafts.insert(file)
                    return nil
                }
                let name = (file as NSString).lastPathComponent
                let chapterSlug = fields.slug ?? {
                    let fromName = Slug.make(String(name.dropLast(3)), dropOrderPrefix: true)
                    return fromName.isEmpty || fromName.allSatisfy(\.isNumber) ? Slug.make(fields.title) : fromName
                }()
                guard claim(chapterSlug, file, in: &slugs) else { return nil }
                let chapterTier = tier(fields.tier, inherited: inherited)
                let path = segments + [chapterSlug]
                let chapter = Chapter(
                    slug: chapterSlug, title: fields.title, summary: fields.summary, tier: chapterTier,
                    freePreview: fields.freePreview, weight: fields.weight, tags: fields.tags, date: fields.date,
                    source: file, body: fields.body, bodyLine: fields.bodyLine, urlPath: urlPath(path),
                    outputFolder: path.joined(separator: "/"), courseIndex: courseIndex, partTitle: partTitle,
                    number: course.chapterIndices.count + 1)
                content.pagesBySource[file] = chapter.urlPath
                content.chapters.append(chapter)
                course.chapterIndices.append(content.chapters.count - 1)
                return content.chapters.count - 1
            }

            for (_, _, entry) in entries {
                switch entry {
                case .chapter(let file):
                    if let index = addChapter(file, inherited: courseTier, segments: [slug], partTitle: nil, slugs: &levelSlugs) {
                        if course.sections.last.map({ $0.part == nil }) == true {
                            course.sections[course.sections.count - 1].chapterIndices.append(index)
                        } else {
                            course.sections.append(OutlineSection(part: nil, chapterIndices: [index]))
                        }
                    }
                case .part(let partScan):
                    guard let fields = matter[partScan.index] else { continue }
                    let partSlug = fields.slug ?? Slug.make(partScan.folder, dropOrderPrefix: true)
                    guard claim(partSlug, partScan.index, in: &levelSlugs) else { continue }
                    let partTier = tier(fields.tier, inherited: courseTier)
                    content.pagesBySource[partScan.index] = course.urlPath + "#" + Slug.encode(Part.anchor(partSlug))
                    var partSlugs: [String: String] = Dictionary(partScan.assetFolders.map { ($0, "content/\(courseScan.folder)/\(partScan.folder)/\($0)/") }, uniquingKeysWith: { a, _ in a })
                    let ordered = partScan.chapters.compactMap { file in matter[file].map { (file, $0.weight) } }
                        .sorted { ($0.1, $0.0) < ($1.1, $1.0) }.map(\.0)
                    var indices: [Int] = []
                    for file in ordered {
                        if let index = addChapter(file, inherited: partTier, segments: [slug, partSlug], partTitle: fields.title, slugs: &partSlugs) {
                            indices.append(index)
                        }
                    }
                    let part = Part(slug: partSlug, title: fields.title, summary: fields.summary ?? "", source: partScan.index)
                    course.sections.append(OutlineSection(part: part, chapterIndices: indices))
                }
            }
            content.courses.append(course)
            for asset in courseScan.assets {
                let output = outputPath(forAsset: asset, course: courseScan, courseSlug: slug, partSlugs: partSlugMap(course))
                content.assets.append(Asset(source: scan.diskPath(asset), output: output))
                content.assetsBySource[asset] = output
            }
        }
        for asset in scan.rootAssets {
            let output = String(asset.dropFirst("content/".count))
            content.assets.append(Asset(source: scan.diskPath(asset), output: output))
            content.assetsBySource[asset] = output
        }
        if !bag.isEmpty { throw DiagnosticList(items: bag.items) }
        return content
    }

    /// The tier named by `id` (checked when front matter was read), or `inherited`.
    private func tier(_ id: String?, inherited: Tier) -> Tier {
        id.flatMap(config.tiers.tier) ?? inherited
    }

    /// The root-relative URL of a page made of `segments`: base path, percent-encoded segments, trailing `/`.
    private func urlPath(_ segments: [String]) -> String {
        config.basePath + "/" + segments.map(Slug.encode).joined(separator: "/") + "/"
    }

    private func partSlugMap(_ course: Course) -> [String: String] {
        var map: [String: String] = [:]
        for section in course.sections {
            if let part = section.part {
                let folder = ((part.source as NSString).deletingLastPathComponent as NSString).lastPathComponent
                map[folder] = part.slug
            }
        }
        return map
    }

    private func outputPath(forAsset source: String, course: ContentScan.CourseScan, courseSlug: String, partSlugs: [String: String]) -> String {
        var components = source.split(separator: "/").map(String.init)
        components.removeFirst(2)  // "content", course folder
        if components.count > 1, let partSlug = partSlugs[components[0]] { components[0] = partSlug }
        return ([courseSlug] + components).joined(separator: "/")
    }
}
