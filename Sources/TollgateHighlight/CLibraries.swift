import CHighlight

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

// Every call into the KSyntaxHighlighting wrapper (Sources/CHighlight) lives in this file.
// Nothing here returns a pointer: results are copied into Swift strings and the C buffers
// freed at once.

/// One KSyntaxHighlighting repository and highlighter, for one thread at a time.
///
/// Making one loads the index of syntax definitions (a few milliseconds); definitions load
/// on first use. ``HighlighterPool`` hands them out so that each worker thread has its own.
final class SyntaxEngine {
    private let handle: OpaquePointer

    /// A new engine, or nil when out of memory.
    init?() {
        guard let handle = tg_highlighter_create() else { return nil }
        self.handle = handle
    }

    deinit { tg_highlighter_destroy(handle) }

    /// The version of the KSyntaxHighlighting library ("5.103.0").
    static let libraryVersion = String(cString: tg_highlight_library_version())

    /// The name of the definition `name` stands for (any case, or a file extension), if any.
    func definitionName(for name: String) -> String? {
        var name = name
        let result = name.withUTF8 { bytes in
            bytes.withMemoryRebound(to: CChar.self) { tg_highlighter_resolve(handle, $0.baseAddress, $0.count) }
        }
        guard let result else { return nil }
        defer { tg_highlight_free(result) }
        return String(cString: result)
    }

    /// `code` as HTML with `hl-*` spans, lines separated by "\n"; nil for an unknown definition.
    func highlight(_ code: String, definition: String) -> String? {
        var code = code
        var definition = definition
        var length = 0
        let result = definition.withUTF8 { name in
            code.withUTF8 { text in
                name.withMemoryRebound(to: CChar.self) { name in
                    text.withMemoryRebound(to: CChar.self) { text in
                        tg_highlighter_highlight(handle, name.baseAddress, name.count, text.baseAddress, text.count, &length)
                    }
                }
            }
        }
        guard let result else { return nil }
        defer { tg_highlight_free(result) }
        return String(decoding: UnsafeRawBufferPointer(start: result, count: length), as: UTF8.self)
    }

    /// The names of every syntax definition, sorted.
    func definitionNames() -> [String] {
        guard let result = tg_highlighter_definition_names(handle) else { return [] }
        defer { tg_highlight_free(result) }
        return String(cString: result).split(separator: "\n").map(String.init)
    }
}
