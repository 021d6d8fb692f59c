import Foundation
import TollgateTestSupport

/// A site of real courses, assembled at run time from third-party Markdown documentation
/// on this machine: the Markdown files of the Swift package mirror's bare repositories
/// (`/opt/swift-packages/OWNER/NAME.git`). Other people's text never enters the repository:
/// it is read from the mirror into a temporary folder for the test.
///
/// Each repository becomes a course; two of every three chapters are premium (tier
/// `member`) with a `<!-- more -->` teaser after their first paragraph. Relative links
/// between documents become links between chapters, and each premium part ends with a
/// link to a chapter whose URL path has eight or more words.
struct RealCorpus {
    static let mirror = URL(fileURLWithPath: "/opt/swift-packages")
    static let chaptersWanted = 300
    static let chaptersNeeded = 200

    /// True when the mirror has enough Markdown; prints why not (and throws in CI) otherwise.
    static func isAvailable() throws -> Bool {
        let count = (try? documents().count) ?? 0
        if count >= chaptersNeeded { return true }
        let reason = "the Swift package mirror \(mirror.path) has \(count) usable Markdown documents, \(chaptersNeeded) needed"
        if ExternalTool.isCI { throw ExternalTool.ToolFailure(message: "in CI, \(reason)") }
        print("skipped: \(reason)")
        return false
    }

    /// One Markdown document of a repository.
    struct Document {
        let repository: URL
        let path: String
    }

    /// Up to ``chaptersWanted`` documents, at most 40 per repository (one copy of each
    /// repository whose name differs only by case), between 300 bytes and 80 KB.
    static func documents() throws -> [Document] {
        var seen: Set<String> = []
        var documents: [Document] = []
        // swift-nio first: its docs/migration-guide-NIO1-to-NIO2.md is the issue's example.
        var repositories = [mirror.appendingPathComponent("apple/swift-nio.git")]
        for owner in (try? FileManager.default.contentsOfDirectory(atPath: mirror.path))?.sorted() ?? [] {
            let ownerFolder = mirror.appendingPathComponent(owner)
            for name in ((try? FileManager.default.contentsOfDirectory(atPath: ownerFolder.path)) ?? []).sorted() where name.hasSuffix(".git") {
                repositories.append(ownerFolder.appendingPathComponent(name))
            }
        }
        for repository in repositories {
            let owner = repository.deletingLastPathComponent().lastPathComponent
            guard seen.insert("\(owner)/\(repository.lastPathComponent)".lowercased()).inserted, documents.count < chaptersWanted else { continue }
            guard let listing = try? git(repository, ["ls-tree", "-r", "-l", "HEAD"]) else { continue }
            var taken = 0
            for line in listing.split(separator: "\n") {
                // "<mode> blob <sha> <size>\t<path>"
                let parts = line.split(separator: "\t", maxSplits: 1)
                guard parts.count == 2, parts[1].lowercased().hasSuffix(".md"), !parts[1].hasPrefix(".github"),
                    let size = Int(parts[0].split(separator: " ").last ?? ""), (300...80_000).contains(size)
                else { continue }
                documents.append(Document(repository: repository, path: String(parts[1])))
                taken += 1
                if taken == 40 || documents.count == chaptersWanted { break }
            }
        }
        return documents
    }

    /// The assembled site: its folder, and facts the test checks.
    let root: URL
    private(set) var chapters = 0
    private(set) var premiumChapters = 0
    private(set) var longLinks = 0
    /// Premium chapters, as `content/…md` paths.
    private(set) var premiumSources: [String] = []

    /// Writes the site into a temporary folder.
    init() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("tollgate-real-corpus-\(UUID().uuidString)")
        let content = root.appendingPathComponent("content")
        try FileManager.default.createDirectory(at: content, withIntermediateDirectories: true)
        try """
            title: Real Documentation
            base_url: https://docs.example.com
            tiers:
              - id: member
                name: Member
            keys:
              epoch: 1
            """.write(to: root.appendingPathComponent("site.yml"), atomically: true, encoding: .utf8)
        let byRepository = Dictionary(grouping: try Self.documents(), by: \.repository)
        for (courseNumber, repository) in byRepository.keys.sorted(by: { $0.path < $1.path }).enumerated() {
            let documents = byRepository[repository]!
            let owner = repository.deletingLastPathComponent().lastPathComponent
            let name = repository.deletingPathExtension().lastPathComponent
            let folder = content.appendingPathComponent(Self.slug("\(owner) \(name) documentation"))
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try "---\ntitle: \"\(owner)/\(name)\"\nsummary: The documentation of \(owner)/\(name).\nweight: \(courseNumber + 1)\n---\n\nDocumentation of \(owner)/\(name).\n"
                .write(to: folder.appendingPathComponent("_index.md"), atomically: true, encoding: .utf8)
            let texts = try Self.blobs(repository, documents.map(\.path))
            // Chapter file names: the document's path as words, e.g. docs-migration-guide-nio1-to-nio2.md.
            var files: [String: String] = [:]
            for document in documents {
                var file = Self.slug(document.path.replacingOccurrences(of: ".md", with: "", options: [.caseInsensitive, .anchored, .backwards]))
                while files.values.contains(file + ".md") { file += "-again" }
                files[document.path] = file + ".md"
            }
            for (number, document) in documents.enumerated() {
                let premium = number % 3 != 0
                let next = documents[(number + 1) % documents.count]
                var body = Self.rewritingLinks(of: texts[document.path] ?? "", from: document.path, chapters: files, repository: "\(owner)/\(name)")
                if premium {
                    body = Self.insertingTeaserMarker(into: body)
                    let target = files[next.path]!
                    if target.split(separator: "-").count + 4 >= 8 { longLinks += 1 }
                    // Link text naming the next chapter by its title (public: it is in the outline).
                    body += "\n\nThe next chapter of this course is [\(next.path)](\(target)).\n\n[\(Self.title(of: next, in: name))](\(target))\n"
                    premiumChapters += 1
                    premiumSources.append("content/\(folder.lastPathComponent)/\(files[document.path]!)")
                }
                let title = Self.title(of: document, in: name)
                let front = "---\ntitle: \"\(title)\"\ntier: \(premium ? "member" : "free")\nweight: \(number + 1)\n---\n\n"
                try (front + body).write(to: folder.appendingPathComponent(files[document.path]!), atomically: true, encoding: .utf8)
                chapters += 1
            }
        }
    }

    /// A chapter's title: the repository's name and the words of the document's path
    /// (`swift-nio documentation: docs migration guide NIO1 to NIO2`).
    static func title(of document: Document, in repository: String) -> String {
        let words = document.path.replacingOccurrences(of: ".md", with: "", options: [.caseInsensitive, .anchored, .backwards])
            .split(whereSeparator: { !($0.isLetter || $0.isNumber) }).joined(separator: " ")
        return "\(repository) documentation: \(words)"
    }

    /// Lowercase words of `text` joined by `-`.
    static func slug(_ text: String) -> String {
        text.lowercased().split(whereSeparator: { !($0.isASCII && ($0.isLetter || $0.isNumber)) }).joined(separator: "-")
    }

    /// Relative links to other documents of the course point at their chapters; any other
    /// relative link or image points at the repository on GitHub (the mirror has no web).
    static func rewritingLinks(of markdown: String, from path: String, chapters: [String: String], repository: String) -> String {
        let pattern = try! NSRegularExpression(pattern: #"(\]\(|^\[[^\]]+\]:\s*)<?([^)\s>]+)>?"#, options: [.anchorsMatchLines])
        let text = markdown as NSString
        var result = ""
        var last = 0
        let directory = (path as NSString).deletingLastPathComponent
        for match in pattern.matches(in: markdown, range: NSRange(location: 0, length: text.length)) {
            let target = text.substring(with: match.range(at: 2))
            result += text.substring(with: NSRange(location: last, length: match.range(at: 2).location - last))
            last = match.range(at: 2).location + match.range(at: 2).length
            if target.contains(":") || target.hasPrefix("#") || target.hasPrefix("//") {
                result += target.hasPrefix("doc:") ? "https://swiftpackageindex.com/\(repository)" : target
                continue
            }
            let (file, fragment) = target.split(separator: "#", maxSplits: 1).map(String.init).splitFirst()
            let resolved = ((directory as NSString).appendingPathComponent(file.removingPercentEncoding ?? file) as NSString).standardizingPath
            if let chapter = chapters[resolved] {
                result += chapter + (fragment.map { "#\($0)" } ?? "")
            } else {
                result += "https://github.com/\(repository)/blob/HEAD/\(resolved.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? resolved)"
            }
        }
        result += text.substring(from: last)
        return result
    }

    /// `<!-- more -->` after the first paragraph outside a code block, or after the first
    /// third of the lines when there is none.
    static func insertingTeaserMarker(into markdown: String) -> String {
        var lines = markdown.components(separatedBy: "\n")
        var inFence = false
        var inParagraph = false
        var markerLine: Int?
        for (index, line) in lines.enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("```") || trimmed.hasPrefix("~~~") { inFence.toggle(); continue }
            if inFence { continue }
            if trimmed.isEmpty {
                if inParagraph { markerLine = index; break }
            } else if let first = trimmed.first, first.isLetter, index > 0 || !trimmed.hasPrefix("#") {
                inParagraph = true
            }
        }
        let line = markerLine ?? max(1, lines.count / 3)
        lines.insert(contentsOf: ["", "<!-- more -->", ""], at: min(line, lines.count))
        return lines.joined(separator: "\n")
    }

    /// Runs git on a bare repository.
    static func git(_ repository: URL, _ arguments: [String], input: String? = nil) throws -> String {
        String(decoding: try gitData(repository, arguments, input: input), as: UTF8.self)
    }

    /// Runs git on a bare repository, returning its output's bytes.
    static func gitData(_ repository: URL, _ arguments: [String], input: String? = nil) throws -> Data {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["git", "-C", repository.path] + arguments
        let output = Pipe()
        let inputPipe = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        process.standardInput = inputPipe
        try process.run()
        if let input { inputPipe.fileHandleForWriting.write(Data(input.utf8)) }
        try inputPipe.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw ExternalTool.ToolFailure(message: "git \(arguments.joined(separator: " ")) failed in \(repository.path)") }
        return data
    }

    /// The texts of `paths` at HEAD, read with one `git cat-file --batch`.
    static func blobs(_ repository: URL, _ paths: [String]) throws -> [String: String] {
        let output = try gitData(repository, ["cat-file", "--batch"], input: paths.map { "HEAD:\($0)\n" }.joined())
        var bytes = output[...]
        var texts: [String: String] = [:]
        for path in paths {
            guard let newline = bytes.firstIndex(of: UInt8(ascii: "\n")) else { break }
            let header = String(decoding: bytes[..<newline], as: UTF8.self).split(separator: " ")
            bytes = bytes[bytes.index(after: newline)...]
            guard header.count == 3, let size = Int(header[2]) else { continue }
            guard let end = bytes.index(bytes.startIndex, offsetBy: size, limitedBy: bytes.endIndex) else { break }
            texts[path] = String(decoding: bytes[..<end], as: UTF8.self)
            bytes = bytes[min(end + 1, bytes.endIndex)...]
        }
        return texts
    }
}

extension Array where Element == String {
    fileprivate func splitFirst() -> (String, String?) { (first ?? "", count > 1 ? self[1] : nil) }
}
