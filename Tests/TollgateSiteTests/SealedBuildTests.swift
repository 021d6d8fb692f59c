import Foundation
import Testing
import TollgateCrypto
import TollgateMarkdown
import TollgateTestSupport

@testable import TollgateSite

/// The payload a sealed chapter page carries (docs/FORMAT.md).
struct SealedPage {
    let payload: SealedChapter

    init(html: String) throws {
        let start = try #require(html.range(of: "<script type=\"application/json\" id=\"tollgate-sealed\">"))
        let end = try #require(html.range(of: "</script>", range: start.upperBound..<html.endIndex))
        payload = try SealedChapter(json: String(html[start.upperBound..<end.lowerBound]))
    }
}

/// `assets/tollgate-site.js` of a built site: `export default {…};`.
struct SiteModule {
    let values: [String: Any]
    let codes: [AccessCodeEnvelope]

    init(site: URL) throws {
        let text = try FixtureSite.read("assets/tollgate-site.js", in: site)
        #expect(text.hasPrefix("export default {") && text.hasSuffix("};\n"))
        let json = Data(text.dropFirst("export default ".count).dropLast(2).utf8)
        values = try #require(try JSONSerialization.jsonObject(with: json) as? [String: Any])
        codes = try JSONDecoder().decode([String: [AccessCodeEnvelope]].self, from: JSONSerialization.data(withJSONObject: ["codes": values["codes"] ?? []]))["codes"] ?? []
    }
}

@Suite("Sealed premium chapters in a build")
struct SealedBuildTests {
    let ownership = "rust/basics/ownership/"

    @Test("a locked chapter's page carries its premium part sealed for its tier and every tier that includes it")
    func sealedForReaders() throws {
        let built = try BuiltSite(Fixtures.valid("valid"))
        defer { built.site.remove() }
        let page = try SealedPage(html: built.read(ownership + "index.html"))
        let module = try SiteModule(site: built.output)
        #expect(module.values["site"] as? String == "fixtures.example.org/academy")
        #expect(module.values["epoch"] as? Int == 1)
        #expect((module.values["tiers"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == ["member", "solo", "pro"])
        #expect((module.values["strings"] as? [String: String])?["unlock_submit"] == "Unlock")
        #expect(try built.read(ownership + "index.html").contains("data-tier=\"member\""))
        #expect(page.payload.epoch == 1)
        #expect(page.payload.wraps.map(\.tier) == ["member", "pro"])
        for tier in ["member", "pro"] {
            let html = try page.payload.open(site: "fixtures.example.org/academy", path: ownership, with: testMasterKey.tierKey(tier, epoch: 1))
            #expect(html.contains("CANARY premium sentence number one"))
            #expect(html.contains("<h2 id=\"moves\">"))
        }
        #expect(throws: CryptoError.self) {
            try page.payload.open(site: "fixtures.example.org/academy", path: ownership, with: testMasterKey.tierKey("solo", epoch: 1))
        }
        // The teaser, the outline and the pager stay public.
        let html = try built.read(ownership + "index.html")
        #expect(html.contains("The public teaser sentence about ownership"))
        #expect(html.contains("class=\"pager\""))
        #expect(html.contains("<script type=\"module\" src=\"/academy/assets/tollgate.js\"></script>"))
        #expect(built.exists("assets/tollgate.js"))
        // Public chapters carry nothing sealed.
        #expect(!(try built.read("rust/preview/index.html")).contains("tollgate-sealed"))
    }

    @Test("text in a chapter that looks like the build's placeholders (raw HTML on) stays as written; outline and payload go where the layout put them")
    func placeholderLookalikes() throws {
        let site = try FixtureSite(copying: Fixtures.valid("valid"))
        defer { site.remove() }
        let config = site.root.appendingPathComponent("site.yml")
        try (String(contentsOf: config, encoding: .utf8) + "markdown:\n  raw_html: true\n").write(to: config, atomically: true, encoding: .utf8)
        let chapter = site.root.appendingPathComponent("content/rust/01-basics/02-ownership.md")
        let lookalikes = "<!--tollgate:outline--> <!--tollgate:sealed-->"
        let source = try String(contentsOf: chapter, encoding: .utf8)
        try source.replacingOccurrences(of: "stays visible to everyone who visits.", with: "stays visible to everyone who visits. \(lookalikes)")
            .write(to: chapter, atomically: true, encoding: .utf8)
        _ = try Pipeline.build(BuildOptions.fixture(source: site.root, output: site.outputFolder()))
        let html = try FixtureSite.read(ownership + "index.html", in: site.outputFolder())
        #expect(html.contains(lookalikes))
        #expect(html.components(separatedBy: "<ol class=\"outline\">").count == 2)
        #expect(html.contains("href=\"/academy/\(ownership)\" aria-current=\"page\""))
        let payload = try SealedPage(html: html).payload
        let opened = try payload.open(site: "fixtures.example.org/academy", path: ownership, with: testMasterKey.tierKey("member", epoch: 1))
        #expect(opened.contains("CANARY premium sentence number one"))
        #expect(!html.contains("<!--tollgate:outline:") && !html.contains("<!--tollgate:sealed:"))
    }

    @Test("an access code printed by `keys codes` opens the tier key in the site module's envelope")
    func accessCodes() throws {
        let built = try BuiltSite(Fixtures.valid("valid"))
        defer { built.site.remove() }
        let page = try SealedPage(html: built.read(ownership + "index.html"))
        let module = try SiteModule(site: built.output)
        let codes = try SiteKeys.accessCodes(
            source: built.site.root, environment: [MasterKeyLocator.environmentVariable: testMasterKey.base64EncodedSecret()])
        #expect(codes.map(\.tier) == ["member", "solo", "pro"])
        let pro = try #require(codes.first { $0.tier == "pro" })
        let key = try module.codes.tierKey(site: "fixtures.example.org/academy", code: pro)
        #expect(try page.payload.open(site: "fixtures.example.org/academy", path: ownership, with: key).contains("CANARY"))
    }

    @Test("a payload moved into another chapter's page does not open there")
    func movedPayload() throws {
        let built = try BuiltSite(Fixtures.valid("valid"))
        defer { built.site.remove() }
        let page = try SealedPage(html: built.read(ownership + "index.html"))
        let key = testMasterKey.tierKey("member", epoch: 1)
        #expect(throws: CryptoError.authenticationFailed) {
            try page.payload.open(site: "fixtures.example.org/academy", path: "rust/basics/borrowing/", with: key)
        }
    }

    @Test("after `keys rotate`, pages are sealed for the new epoch and the old payload fails with the new key")
    func rotation() throws {
        let built = try BuiltSite(Fixtures.valid("valid"))
        defer { built.site.remove() }
        let old = try SealedPage(html: built.read(ownership + "index.html")).payload
        let (from, to) = try SiteKeys.rotate(source: built.site.root)
        #expect((from, to) == (1, 2))
        let siteFile = try String(contentsOf: built.site.root.appendingPathComponent("site.yml"), encoding: .utf8)
        #expect(siteFile.contains("keys:\n  epoch: 2"))
        #expect(siteFile.contains("includes: [member, solo]"), "the rest of site.yml is kept")
        let output = built.site.outputFolder("_site2")
        _ = try Pipeline.build(.fixture(source: built.site.root, output: output))
        let new = try SealedPage(html: FixtureSite.read(ownership + "index.html", in: output)).payload
        let codes = try SiteModule(site: output).codes
        #expect(new.epoch == 2)
        let newKey = testMasterKey.tierKey("member", epoch: 2)
        #expect(try new.open(site: "fixtures.example.org/academy", path: ownership, with: newKey).contains("CANARY"))
        #expect(throws: CryptoError.self) { try old.open(site: "fixtures.example.org/academy", path: ownership, with: newKey) }
        // The old epoch's codes are listed by id only, so readers can say "this code is old".
        let oldCode = testMasterKey.accessCode("member", epoch: 1)
        #expect(codes.contains { $0.id == oldCode.id && $0.epoch == 1 && $0.key == nil })
    }

    @Test("premium headings stay out of the table of contents unless premium.public_headings is on")
    func headings() throws {
        let built = try BuiltSite(Fixtures.valid("valid"))
        defer { built.site.remove() }
        #expect(!(try built.read(ownership + "index.html")).contains(">Moves<"))
        let siteFile = built.site.root.appendingPathComponent("site.yml")
        try (String(contentsOf: siteFile, encoding: .utf8) + "premium:\n  public_headings: true\n").write(to: siteFile, atomically: true, encoding: .utf8)
        let output = built.site.outputFolder("_public_headings")
        _ = try Pipeline.build(.fixture(source: built.site.root, output: output))
        #expect(try FixtureSite.read(ownership + "index.html", in: output).contains("<a href=\"#moves\">Moves</a>"))
    }

    @Test("a premium heading that a layout shows is a leak")
    func headingLeak() throws {
        var fingerprints = LeakFingerprints()
        fingerprints.addPremiumHeadings([Heading(level: 2, id: "secret-sauce", text: "The secret sauce & more")], chapter: 0)
        #expect(fingerprints.leaks(in: "<li><a href=\"#x\">The secret sauce &amp; more</a></li>") == [.heading("The secret sauce &amp; more")])
        #expect(fingerprints.chapter(of: .heading("The secret sauce &amp; more")) == 0)
        #expect(fingerprints.leaks(in: "<p>The secret sauce &amp; more is in chapter 3.</p>").isEmpty)
        fingerprints.removePublicHeadings(["The secret sauce & more"])
        #expect(fingerprints.leaks(in: "<a>The secret sauce &amp; more</a>").isEmpty)
    }

    @Test("`check --leaks` finds premium text planted in a built site, and passes a clean one")
    func checkLeaks() throws {
        let built = try BuiltSite(Fixtures.valid("valid"))
        defer { built.site.remove() }
        let options = BuildOptions.fixture(source: built.site.root)
        #expect(try Pipeline.checkLeaks(options, folder: built.output) == built.files.filter {
            LeakScanner.textExtensions.contains(($0 as NSString).pathExtension)
        }.count)
        try "{\"q\": \"Another CANARY premium sentence that explains borrowing in considerable and secret detail.\"}".write(
            to: built.output.appendingPathComponent("search.json"), atomically: true, encoding: .utf8)
        do {
            _ = try Pipeline.checkLeaks(options, folder: built.output)
            Issue.record("the planted sentence was not found")
        } catch let failure as BuildFailure {
            #expect(failure.diagnostics.map(\.description) == [
                "content/rust/01-basics/02-ownership.md:16: premium sentence \"Another CANARY premium sentence that explains borrowing in considerable and secret detail.\" "
                    + "is in clear in \(built.output.path)/search.json. Reword it where it was copied or in the chapter, "
                    + "or move it into the teaser or the summary, where it is public"
            ])
        }
    }

    @Test("withholding instead of sealing: no payload, no key needed")
    func withhold() throws {
        let site = try FixtureSite(copying: Fixtures.valid("valid"))
        defer { site.remove() }
        var options = BuildOptions.fixture(source: site.root, output: site.outputFolder())
        options.masterKey = nil
        options.premium = .withhold
        _ = try Pipeline.build(options)
        #expect(!(try FixtureSite.read(ownership + "index.html", in: site.outputFolder())).contains("tollgate-sealed"))
        #expect(!FileManager.default.fileExists(atPath: site.outputFolder().appendingPathComponent("assets/tollgate-site.js").path))
        #expect(!FileManager.default.fileExists(atPath: site.root.appendingPathComponent(".tollgate").path))
    }
}

@Suite("The master key of a build")
struct MasterKeyPolicyTests {
    func site() throws -> (FixtureSite, BuildOptions) {
        let site = try FixtureSite(copying: Fixtures.valid("valid"))
        var options = BuildOptions.fixture(source: site.root, output: site.outputFolder())
        options.masterKey = nil
        return (site, options)
    }

    @Test("CI (or --require-key) with no key: the build fails and says how to provide one")
    func requireKey() throws {
        let (site, options) = try site()
        defer { site.remove() }
        do {
            _ = try Pipeline.build(options)
            Issue.record("built without a key")
        } catch let failure as BuildFailure {
            #expect(failure.step == "seal premium bodies")
            #expect(failure.description.contains("TOLLGATE_MASTER_KEY"))
            #expect(failure.description.contains("tollgate keys init"))
        }
        #expect(!FileManager.default.fileExists(atPath: options.output.path))
    }

    @Test("an author's first premium build makes a key (mode 0600, in .gitignore) and says so")
    func createKey() throws {
        var (site, options) = try site()
        defer { site.remove() }
        options.missingKey = .create
        let report = try Pipeline.build(options)
        let file = site.root.appendingPathComponent(".tollgate/master.key")
        let mode = try FileManager.default.attributesOfItem(atPath: file.path)[.posixPermissions] as? NSNumber
        #expect(mode?.intValue == 0o600)
        #expect(report.notices.count == 1)
        #expect(report.notices.first?.contains(file.path) == true)
        #expect(report.notices.first?.contains("Back it up") == true)
        let ignore = try String(contentsOf: site.root.appendingPathComponent(".gitignore"), encoding: .utf8)
        #expect(ignore.contains("/.tollgate/master.key"))
        // The second build uses that key and says nothing.
        let again = try Pipeline.build(options)
        #expect(again.notices.isEmpty)
        let key = try KeyFile.read(at: file.path)
        let page = try SealedPage(html: FixtureSite.read("rust/basics/ownership/index.html", in: options.output))
        #expect(try page.payload.open(site: "fixtures.example.org/academy", path: "rust/basics/ownership/", with: key.tierKey("member", epoch: 1)).contains("CANARY"))
        // The key never reaches the site.
        for path in FixtureSite.files(in: options.output) {
            let text = String(decoding: FileManager.default.contents(atPath: options.output.appendingPathComponent(path).path) ?? Data(), as: UTF8.self)
            #expect(!text.contains(key.base64EncodedSecret()), "\(path)")
        }
    }

    @Test("TOLLGATE_MASTER_KEY is used; a malformed one is an error that does not echo it")
    func environment() throws {
        var (site, options) = try site()
        defer { site.remove() }
        options.environment = [MasterKeyLocator.environmentVariable: testMasterKey.base64EncodedSecret()]
        _ = try Pipeline.build(options)
        options.environment = [MasterKeyLocator.environmentVariable: "bm90IGEga2V5"]
        do {
            _ = try Pipeline.build(options)
            Issue.record("built with a malformed key")
        } catch let failure as BuildFailure {
            #expect(failure.description.contains("TOLLGATE_MASTER_KEY is not a master key"))
            #expect(!failure.description.contains("bm90IGEga2V5"))
        }
    }

    @Test("a key file readable by others is refused")
    func looseKeyFile() throws {
        let (site, options) = try site()
        defer { site.remove() }
        let (_, file) = try MasterKeyLocator.create(source: site.root, config: SiteKeys.configuration(source: site.root))
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: file.path)
        do {
            _ = try Pipeline.build(options)
            Issue.record("built with a key file others can read")
        } catch let failure as BuildFailure {
            #expect(failure.description.contains("chmod 600"))
        }
    }

    @Test("rotating keeps comments and other keys of site.yml")
    func epochEditor() {
        #expect(EpochEditor.setEpoch(3, in: "title: A\nkeys:\n  # rotated yearly\n  epoch: 2 # note\nstrings: {}\n") == "title: A\nkeys:\n  # rotated yearly\n  epoch: 3 # note\nstrings: {}\n")
        #expect(EpochEditor.setEpoch(2, in: "title: A\n") == "title: A\nkeys:\n  epoch: 2\n")
        #expect(EpochEditor.setEpoch(2, in: "keys:\n    file: k.key\ntitle: A") == "keys:\n    epoch: 2\n    file: k.key\ntitle: A")
    }
}
