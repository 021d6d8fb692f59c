import Foundation
import Testing
import TollgateCrypto

@testable import TollgateSite

/// The service worker's build id (`MemberFiles.buildID`): taken from digests recorded while
/// pages were written, and from the disk for everything else, it must be the id of the
/// folder as it is on disk.
@Suite("build id")
struct BuildIDTests {
    func temporaryFolder() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tollgate-build-id-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }

    /// The documented id, computed here independently with Foundation's enumerator: SHA-256
    /// over each regular file's path, size and bytes (sorted by path), first 8 bytes in hex.
    func reference(_ folder: URL) throws -> String {
        let root = folder.resolvingSymlinksInPath()
        var files: [(String, Data)] = []
        for case let url as URL in FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil)! {
            let values = try url.resourceValues(forKeys: [.isRegularFileKey, .isSymbolicLinkKey])
            guard values.isRegularFile == true, values.isSymbolicLink != true else { continue }
            files.append((String(url.path.dropFirst(root.path.count)), try Data(contentsOf: url)))
        }
        var listing: [UInt8] = []
        for (path, data) in files.sorted(by: { $0.0 < $1.0 }) {
            listing += Array("\(path)\t\(data.count)\t".utf8) + sha256(Array(data)) + [0x0A]
        }
        return Encoding.hex(sha256(listing).prefix(8))
    }

    @Test("recorded digests give the id of the folder read from disk; hidden and nested files count, symbolic links do not")
    func recordedMatchesDisk() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let staging = OutputFolder(url: folder, written: WrittenFiles())
        try staging.write("<p>index</p>", to: "index.html")
        try staging.write("<p>a chapter</p>", to: "c1/p1/ch1/index.html")
        try staging.write(Data([0, 1, 2, 255]), to: "assets/x.bin")
        try staging.write("hidden", to: ".well-known/x.txt")
        // Written beside OutputFolder: no digest recorded, read from disk.
        try Data("sealed".utf8).write(to: folder.appendingPathComponent("assets/sealed.bin"))
        try FileManager.default.createSymbolicLink(
            at: folder.appendingPathComponent("link.html"), withDestinationURL: folder.appendingPathComponent("index.html"))
        let expected = try reference(folder)
        #expect(try MemberFiles.buildID(of: folder, known: staging.written) == expected)
        #expect(try MemberFiles.buildID(of: folder) == expected)
        // Every byte counts.
        try staging.write("<p>a chapter!</p>", to: "c1/p1/ch1/index.html")
        #expect(try MemberFiles.buildID(of: folder, known: staging.written) != expected)
        #expect(try MemberFiles.buildID(of: folder, known: staging.written) == reference(folder))
    }

    @Test("a file replaced after it was written (a copy, or other bytes of another size) is read again")
    func replacedFilesAreRead() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let staging = OutputFolder(url: folder, written: WrittenFiles())
        try staging.write("<p>one</p>", to: "a/index.html")
        try staging.write("<p>two</p>", to: "b/index.html")
        let source = folder.appendingPathComponent("source.txt")
        try Data("copied bytes of the same size?".utf8).write(to: source)
        try staging.copy(source, to: "a/index.html")
        try Data("<p>longer than before</p>".utf8).write(to: folder.appendingPathComponent("b/index.html"))
        #expect(try MemberFiles.buildID(of: folder, known: staging.written) == reference(folder))
    }
}
