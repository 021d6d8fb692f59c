import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The staging folder a build writes into, next to the output folder.
struct OutputFolder: Sendable {
    let url: URL

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
        return OutputFolder(url: url)
    }

    /// Writes `text` to `path` (relative, `/`-separated), creating folders.
    func write(_ text: String, to path: String) throws {
        try write(Data(text.utf8), to: path)
    }

    func write(_ data: Data, to path: String) throws {
        let file = url.appendingPathComponent(path)
        do {
            try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        } catch {
            throw Diagnostic(file: nil, "cannot write \(path): \(error.localizedDescription)")
        }
        // Plain POSIX writes: Foundation's Data.write syncs every file to disk, which a
        // staging folder that is renamed into place at the end does not need.
        let descriptor = open(file.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw Diagnostic(file: nil, "cannot write \(path): \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }
        try data.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = Glibc.write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    throw Diagnostic(file: nil, "cannot write \(path): \(String(cString: strerror(errno)))")
                }
                offset += written
            }
        }
    }

    /// Copies the file at `source` to `path`.
    func copy(_ source: URL, to path: String) throws {
        let file = url.appendingPathComponent(path)
        do {
            try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
            if FileManager.default.fileExists(atPath: file.path) { try FileManager.default.removeItem(at: file) }
            try FileManager.default.copyItem(at: source, to: file)
        } catch {
            throw Diagnostic(file: nil, "cannot copy \(source.path) to \(path): \(error.localizedDescription)")
        }
    }
}
