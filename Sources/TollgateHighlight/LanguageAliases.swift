/// The short names authors write in fences, and the definitions they stand for.
///
/// A name not listed here is looked up in the library as a definition name in any case
/// (`swift`, `python`, `c++`) and then as a file extension a definition claims (`rs`, `go`).
enum LanguageAliases {
    /// Alias → KSyntaxHighlighting definition name.
    static let definitions: [String: String] = [
        "js": "JavaScript", "mjs": "JavaScript", "cjs": "JavaScript", "node": "JavaScript",
        "jsx": "JavaScript React (JSX)", "ts": "TypeScript", "tsx": "TypeScript React (TSX)",
        "sh": "Bash", "shell": "Bash", "bash": "Bash", "zsh": "Zsh",
        "yml": "YAML", "py": "Python", "python3": "Python", "rb": "Ruby", "kt": "Kotlin", "kts": "Kotlin",
        "rs": "Rust", "golang": "Go", "cpp": "C++", "cc": "C++", "cxx": "C++", "hpp": "C++", "h": "C",
        "objc": "Objective-C", "objective-c": "Objective-C", "cs": "C#", "csharp": "C#",
        "md": "Markdown", "docker": "Dockerfile", "make": "Makefile", "ps1": "PowerShell",
        "psql": "SQL (PostgreSQL)", "postgres": "SQL (PostgreSQL)", "postgresql": "SQL (PostgreSQL)",
        "mysql": "SQL (MySQL)", "patch": "Diff", "ini": "INI Files", "proto": "Protobuf",
        "html": "HTML", "xml": "XML", "svg": "XML", "jsonc": "JSON", "hs": "Haskell", "ex": "Elixir",
        "exs": "Elixir", "erl": "Erlang", "pl": "Perl", "tex": "LaTeX", "vim": "Vim Scripting",
    ]

    /// Languages shown as plain text on purpose: no highlighting and no warning.
    /// Value: the label shown above the block.
    static let plain: [String: String] = [
        "text": "Text", "txt": "Text", "plain": "Text", "plaintext": "Text", "none": "Text",
        "console": "Console", "output": "Output", "log": "Log",
    ]
}
