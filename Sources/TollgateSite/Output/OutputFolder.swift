import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `write(2)`, named apart from the methods below.
private func systemWrite(_ descriptor: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int {
    write(descriptor, buffer, count)
}

/// The staging folder a build writes into, next to the output folder.
struct OutputFolder: Sendable {
    let url: URL
    /// What ``write(_:to:)`` wrote, with digests for the build id; nil records nothing.
    var written: WrittenFiles? = nil

    /// Makes a fresh staging folder beside `output` (same file system, so it can be renamed).
    static func staging(for output: URL) throws -> OutputFolder {
        let parent = output.deletingLastPathComponent()
        let url = parent.appendingPathComponent(".\(output.lastPathComponent).tmp-\(ProcessInfo.processInfo.processIdentifier)")
        let manager = FileManager.default
        try? manager.removeItem(at: url)
        do {
            try manager.createDirectory(at: url, withIntermediateDirectories: true)
        } catch {
            throw Diagnostic(file: nil, "cannot create \(url.path): \(error.localizedDescription)")
        }
        return OutputFolder(url: url, written: WrittenFiles())
    }

    /// Writes `text` to `path` (relative, `/`-separated), creating folders.
    func write(_ text: String, to path: String) throws {
        var text = text
        try text.withUTF8 { try write(UnsafeRawBufferPointer($0), to: path) }
    }

    func write(_ data: Data, to path: String) throws {
        try data.withUnsafeBytes { try write($0, to: path) }
    }

    /// Plain POSIX calls: Foundation's `Data.write` syncs every file to disk, which a staging
    /// folder that is renamed into place at the end does not need, and a page's folder is
    /// usually one `mkdir` away from an existing one.
    private func write(_ bytes: UnsafeRawBufferPointer, to path: String) throws {
        let file = url.appendingPathComponent(path)
        let folder = file.deletingLastPathComponent()
        if mkdir(folder.path, 0o755) != 0, errno != EEXIST {
            do {
                try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            } catch {
                throw Diagnostic(file: nil, "cannot write \(path): \(error.localizedDescription)")
            }
        }
        let descriptor = open(file.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw Diagnostic(file: nil, "cannot write \(path): \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }
        var offset = 0
        while offset < bytes.count {
            let written = systemWrite(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                throw Diagnostic(file: nil, "cannot write \(path): \(String(cString: strerror(errno)))")
            }
            offset += written
        }
        self.written?.record(bytes, path: path)
    }

    /// Copies the file at `source` to `path`.
    func copy(_ source: URL, to path: String) throws {
        let file = url.appendingPathComponent(path)
        written?.forget(path: path)
        do {
            try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
            if FileManager.default.fileExists(atPath: file.path) { try FileManager.default.removeItem(at: file) }
            try FileManager.default.copyItem(at: source, to: file)
        } catch {
            throw Diagnostic(file: nil, "cannot copy \(source.path) to \(path): \(error.localizedDescription)")
        }
    }
}
