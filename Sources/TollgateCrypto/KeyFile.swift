import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A master key file: one line of base64, mode 0600, owned by the user who builds.
public enum KeyFile {
    /// Why a key file cannot be used. Messages name the file, never its contents.
    public enum Problem: Error, Equatable, CustomStringConvertible {
        case missing(path: String)
        case exists(path: String)
        case readableByOthers(path: String, mode: String)
        case unreadable(path: String, reason: String)
        case invalid(path: String, reason: String)
        case unwritable(path: String, reason: String)

        public var description: String {
            switch self {
            case .missing(let path): "\(path): no master key file"
            case .exists(let path): "\(path): a master key file is already there; refusing to overwrite it (delete it first only if you are sure no site or server uses it)"
            case .readableByOthers(let path, let mode):
                "\(path): the master key file is readable by other users (mode \(mode)); run `chmod 600 \(path)`"
            case .unreadable(let path, let reason): "\(path): cannot read the master key file: \(reason)"
            case .invalid(let path, let reason): "\(path): \(reason)"
            case .unwritable(let path, let reason): "\(path): cannot write the master key file: \(reason)"
            }
        }
    }

    /// Reads the key at `path`, refusing a file that group or others may read.
    /// - Throws: ``Problem``.
    public static func read(at path: String) throws(Problem) -> MasterKey {
        var info = stat()
        guard stat(path, &info) == 0 else {
            if errno == ENOENT { throw .missing(path: path) }
            throw .unreadable(path: path, reason: String(cString: strerror(errno)))
        }
        let mode = Int(info.st_mode) & 0o777
        guard mode & 0o077 == 0 else { throw .readableByOthers(path: path, mode: String(mode, radix: 8)) }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .unreadable(path: path, reason: "permission denied")
        }
        var bytes = Array(data)
        defer { Sodium.wipe(&bytes) }
        do {
            return try MasterKey(base64: String(decoding: bytes, as: UTF8.self))
        } catch {
            throw .invalid(path: path, reason: "not a master key (one line of base64 of 32 bytes expected)")
        }
    }

    /// Writes `key` to a new file at `path` with mode 0600, creating its folder.
    /// - Throws: ``Problem/exists(path:)`` rather than overwrite a key.
    public static func create(_ key: MasterKey, at path: String) throws(Problem) {
        let folder = (path as NSString).deletingLastPathComponent
        if !folder.isEmpty {
            do {
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            } catch {
                throw .unwritable(path: path, reason: error.localizedDescription)
            }
        }
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard descriptor >= 0 else {
            if errno == EEXIST { throw .exists(path: path) }
            throw .unwritable(path: path, reason: String(cString: strerror(errno)))
        }
        defer { close(descriptor) }
        var line = Array((key.base64EncodedSecret() + "\n").utf8)
        defer { Sodium.wipe(&line) }
        let written = line.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        guard written == line.count, fsync(descriptor) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(path)
            throw .unwritable(path: path, reason: reason)
        }
    }
}
