import Testing

@testable import TollgateSite

@Suite("Premium HTML rewritten for sealed assets")
struct SealedMarkupTests {
    let assets = [
        Asset(source: "content/c/media/poster.jpg", output: "c/media/poster.jpg"),
        Asset(source: "content/c/media/talk.webm", output: "c/media/talk.webm"),
        Asset(source: "content/c/media/note.mp3", output: "c/media/note.mp3"),
        Asset(source: "content/c/media/a b.png", output: "c/media/a b.png"),
    ]

    var locator: AssetLocator { AssetLocator(assets: assets, basePath: "/base", origin: "https://example.org") }

    var markup: SealedMarkup {
        SealedMarkup(locator: locator, targets: [
            0: .init(url: "/base/assets/sealed/00aa.bin", type: "image/jpeg", fileName: "poster.jpg", size: ImageSize(width: 800, height: 450)),
            1: .init(url: "/base/assets/sealed/11bb.bin", type: "video/webm", fileName: "talk.webm", size: nil),
            2: .init(url: "/base/assets/sealed/22cc.bin", type: "audio/mpeg", fileName: "note.mp3", size: nil),
            3: .init(url: "/base/assets/sealed/33dd.bin", type: "image/png", fileName: "a b.png", size: ImageSize(width: 30, height: 20)),
        ])
    }

    @Test("the locator resolves root, page-relative, absolute and encoded URLs, ignoring query and fragment")
    func resolving() {
        let page = "/base/c/chapter/"
        #expect(locator.asset(at: "/base/c/media/poster.jpg", onPage: page) == 0)
        #expect(locator.asset(at: "../media/talk.webm?v=2#t=10", onPage: page) == 1)
        #expect(locator.asset(at: "https://EXAMPLE.org/base/c/./media/note.mp3", onPage: page) == 2)
        #expect(locator.asset(at: "//example.org/base/c/media/note.mp3", onPage: page) == 2)
        #expect(locator.asset(at: "/base/c/media/a%20b.png", onPage: page) == 3)
        #expect(locator.asset(at: "https://other.org/base/c/media/poster.jpg", onPage: page) == nil)
        #expect(locator.asset(at: "/c/media/poster.jpg", onPage: page) == nil)
        #expect(locator.asset(at: "mailto:someone@example.org", onPage: page) == nil)
    }

    @Test("video poster, source src and audio src name the attribute to fill; other attributes stay as written")
    func media() {
        let html = #"<video controls poster="/base/c/media/poster.jpg"><source src="/base/c/media/talk.webm" type="video/webm"></video><audio src='/base/c/media/note.mp3' loop></audio>"#
        let (result, problems) = markup.rewrite(html, onPage: "/base/c/x/")
        #expect(problems.isEmpty)
        #expect(result == #"<video data-tollgate-asset="/base/assets/sealed/00aa.bin" data-tollgate-attr="poster" data-tollgate-type="image/jpeg" controls><source data-tollgate-asset="/base/assets/sealed/11bb.bin" data-tollgate-attr="src" data-tollgate-type="video/webm" type="video/webm"></video><audio data-tollgate-asset="/base/assets/sealed/22cc.bin" data-tollgate-attr="src" data-tollgate-type="audio/mpeg" loop></audio>"#)
    }

    @Test("an image keeps the author's width and gets the height that keeps its aspect ratio; a link keeps the author's download name")
    func dimensionsAndDownloads() {
        let (image, _) = markup.rewrite(#"<p><img src="../media/poster.jpg" width="400" alt="A &quot;poster&quot;" /></p>"#, onPage: "/base/c/x/")
        #expect(image == #"<p><img data-tollgate-asset="/base/assets/sealed/00aa.bin" data-tollgate-attr="src" data-tollgate-type="image/jpeg" height="225" width="400" alt="A &quot;poster&quot;" /></p>"#)
        let (link, _) = markup.rewrite(#"<a href="/base/c/media/a%20b.png" download="picture.png">get it</a> <a href="/base/c/media/a b.png">plain</a>"#, onPage: "/base/c/x/")
        #expect(link.contains(#"<a href="/base/assets/sealed/33dd.bin" data-tollgate-asset="/base/assets/sealed/33dd.bin" data-tollgate-attr="download" data-tollgate-type="image/png" download="picture.png">get it</a>"#))
        #expect(link.contains(#"data-tollgate-type="image/png" download="a b.png">plain</a>"#))
    }

    @Test("an element with two sealed files is a problem: tollgate.js fills one attribute per element")
    func twoInOneElement() {
        let (_, problems) = markup.rewrite(#"<video poster="/base/c/media/poster.jpg" src="/base/c/media/talk.webm"></video>"#, onPage: "/base/c/x/")
        #expect(problems.count == 1)
        #expect(problems.first?.contains("<source src>") == true)
    }

    @Test("public references and text that only mentions a path stay as they are")
    func untouched() {
        let html = #"<p>See /base/c/media/poster.jpg</p><!-- <img src="/base/c/media/poster.jpg"> --><img src="/base/other.png">"#
        #expect(markup.rewrite(html, onPage: "/base/c/x/").html == html)
    }
}
