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

    /// The custom properties of `:root` blocks, outside any at-rule (light) or inside the
    /// dark `prefers-color-scheme` media blocks (dark), later ones winning.
    static func palette(dark: Bool) -> [String: String] {
        var light: [String: String] = [:]
        var darkOverrides: [String: String] = [:]
        var depth = 0
        var inDarkMedia = false
        var inRoot = false
        for rawLine in css.split(separator: "\n") {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("@media (prefers-color-scheme: dark)") { inDarkMedia = true }
            if line.hasPrefix(":root") && line.hasSuffix("{") { inRoot = true }
            if inRoot, let match = line.wholeMatch(of: /(--[a-z0-9-]+):\s*(#[0-9a-fA-F]{6});/) {
                if inDarkMedia { darkOverrides[String(match.output.1)] = String(match.output.2) } else if depth == 1 { light[String(match.output.1)] = String(match.output.2) }
            }
            depth += line.filter { $0 == "{" }.count - line.filter { $0 == "}" }.count
            if line.contains("}") {
                if inRoot && (depth == 0 || (inDarkMedia && depth == 1)) { inRoot = false }
                if inDarkMedia && depth == 0 { inDarkMedia = false }
            }
        }
        return dark ? light.merging(darkOverrides) { $1 } : light
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

    @Test("every token colour and the code text meet 4.5:1 on the code background and on a highlighted line", arguments: [false, true])
    func contrast(dark: Bool) throws {
        let palette = Self.palette(dark: dark)
        let backgrounds = try ["--code-bg", "--code-line-hl"].map { try #require(palette[$0], "\($0) is not a colour in the \(dark ? "dark" : "light") palette") }
        let properties = Set(Self.tokenClasses.compactMap { Self.tokenColours[$0] }) .union(["--text"])
        #expect(properties.count >= 10)
        for property in properties.sorted() {
            let colour = try #require(palette[property], "\(property) is not a colour in the \(dark ? "dark" : "light") palette")
            for background in backgrounds {
                let ratio = Self.contrast(colour, background)
                #expect(ratio >= 4.5, "\(dark ? "dark" : "light"): \(property) \(colour) on \(background) is \(String(format: "%.2f", ratio)):1")
            }
        }
    }

    @Test("the two palettes differ: dark mode has its own token colours")
    func palettesDiffer() {
        let (light, dark) = (Self.palette(dark: false), Self.palette(dark: true))
        #expect(light["--hl-keyword"] != nil)
        #expect(light["--hl-keyword"] != dark["--hl-keyword"])
        #expect(light["--code-bg"] != dark["--code-bg"])
    }
}
