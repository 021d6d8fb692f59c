import Foundation
import Testing
import TollgateTestSupport

/// The default theme's token colours, read from its stylesheet, against the code background:
/// WCAG AA (4.5:1) for every token class the highlighter emits, in the light and the dark
/// palette, on a plain and on a highlighted line.
@Suite("Code theme contrast")
struct CodeThemeContrastTests {
    static let root = FixtureSite.repositoryRoot
    static let css = (try? String(contentsOf: root.appendingPathComponent("Sources/TollgateSite/Resources/theme/assets/tollgate.css"), encoding: .utf8)) ?? ""

    /// Every class Sources/CHighlight/Highlighter.cpp can put on a token.
    static var tokenClasses: [String] {
        let source = (try? String(contentsOf: root.appendingPathComponent("Sources/CHighlight/Highlighter.cpp"), encoding: .utf8)) ?? ""
        return source.matches(of: /return "(hl-[a-z]+)";/).map { String($0.output.1) }
    }

    /// Where a palette's custom properties come from: `:root` (and `:root[data-theme="light"]`)
    /// outside any at-rule; the dark `prefers-color-scheme` media blocks; the
    /// `:root[data-theme="dark"]` blocks of the header's theme toggle.
    enum Scheme: String, CaseIterable, Sendable { case light, dark, darkChosen }

    /// The custom properties of `scheme`, over the light ones, later blocks winning.
    static func palette(_ scheme: Scheme) -> [String: String] {
        var found: [Scheme: [String: String]] = [:]
        var depth = 0
        var inDarkMedia = false
        var block: Scheme?
        for rawLine in css.split(separator: "\n") {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("@media (prefers-color-scheme: dark)") { inDarkMedia = true }
            if line.hasPrefix(":root") && line.hasSuffix("{") {
                if inDarkMedia { block = .dark } else if line.hasPrefix(#":root[data-theme="dark"]"#) { block = .darkChosen } else if depth == 0 { block = .light }
            }
            if let scheme = block, let match = line.wholeMatch(of: /(--[a-z0-9-]+):\s*(#[0-9a-fA-F]{6});/) {
                found[scheme, default: [:]][String(match.output.1)] = String(match.output.2)
            }
            depth += line.filter { $0 == "{" }.count - line.filter { $0 == "}" }.count
            if line.contains("}") {
                if block != nil && (depth == 0 || (inDarkMedia && depth == 1)) { block = nil }
                if inDarkMedia && depth == 0 { inDarkMedia = false }
            }
        }
        let light = found[.light] ?? [:]
        return scheme == .light ? light : light.merging(found[scheme] ?? [:]) { $1 }
    }

    /// Class → the custom property its `color` reads, from rules like `.hl-kw, .hl-cf { color: var(--hl-keyword); }`.
    static var tokenColours: [String: String] {
        var result: [String: String] = [:]
        for match in css.matches(of: /((?:\.hl-[a-z]+,?\s*)+)\{\s*color:\s*var\((--[a-z-]+)\);\s*\}/) {
            for name in match.output.1.matches(of: /\.(hl-[a-z]+)/) { result[String(name.output.1)] = String(match.output.2) }
        }
        return result
    }

    static func luminance(_ hex: String) -> Double {
        let value = Int(hex.dropFirst(), radix: 16) ?? 0
        func channel(_ shift: Int) -> Double {
            let c = Double((value >> shift) & 0xFF) / 255
            return c <= 0.03928 ? c / 12.92 : pow((c + 0.055) / 1.055, 2.4)
        }
        return 0.2126 * channel(16) + 0.7152 * channel(8) + 0.0722 * channel(0)
    }

    static func contrast(_ a: String, _ b: String) -> Double {
        let (x, y) = (luminance(a), luminance(b))
        return (max(x, y) + 0.05) / (min(x, y) + 0.05)
    }

    @Test("the highlighter's token classes are known to the test, and each has a colour rule")
    func everyClassColoured() {
        #expect(Self.tokenClasses.count >= 30)
        let colours = Self.tokenColours
        for name in Self.tokenClasses {
            #expect(colours[name] != nil, "\(name) has no `color: var(--…)` rule in tollgate.css")
        }
    }

    @Test("every token colour and the code text meet 4.5:1 on the code background and on a highlighted line", arguments: Scheme.allCases)
    func contrast(scheme: Scheme) throws {
        let palette = Self.palette(scheme)
        let backgrounds = try ["--code-bg", "--code-line-hl"].map { try #require(palette[$0], "\($0) is not a colour in the \(scheme.rawValue) palette") }
        let properties = Set(Self.tokenClasses.compactMap { Self.tokenColours[$0] }) .union(["--text"])
        #expect(properties.count >= 10)
        for property in properties.sorted() {
            let colour = try #require(palette[property], "\(property) is not a colour in the \(scheme.rawValue) palette")
            for background in backgrounds {
                let ratio = Self.contrast(colour, background)
                #expect(ratio >= 4.5, "\(scheme.rawValue): \(property) \(colour) on \(background) is \(String(format: "%.2f", ratio)):1")
            }
        }
    }

    @Test("the two palettes differ: dark mode has its own token colours")
    func palettesDiffer() {
        let (light, dark) = (Self.palette(.light), Self.palette(.dark))
        #expect(light["--hl-keyword"] != nil)
        #expect(light["--hl-keyword"] != dark["--hl-keyword"])
        #expect(light["--code-bg"] != dark["--code-bg"])
    }

    @Test("a dark theme chosen with the header's toggle has the same code colours as the system's dark mode")
    func chosenDarkMatchesSystemDark() {
        let (system, chosen) = (Self.palette(.dark), Self.palette(.darkChosen))
        let code = system.keys.filter { $0.hasPrefix("--hl-") || $0.hasPrefix("--code-") || $0 == "--text" }
        #expect(code.count >= 14)
        for property in code.sorted() {
            #expect(chosen[property] == system[property], "\(property): toggle \(chosen[property] ?? "none"), system \(system[property] ?? "none")")
        }
    }
}
