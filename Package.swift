// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "Tollgate",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "tollgate", targets: ["tollgate"]),
        .library(name: "TollgateSite", targets: ["TollgateSite"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.0.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CCmarkGFM",
            pkgConfig: "libcmark-gfm",
            providers: [
                .apt(["libcmark-gfm-dev", "libcmark-gfm-extensions-dev"]),
                .brew(["cmark-gfm"]),
            ]
        ),
        .systemLibrary(
            name: "CSodium",
            pkgConfig: "libsodium",
            providers: [.apt(["libsodium-dev"]), .brew(["libsodium"])]
        ),
        .systemLibrary(
            name: "CZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"]), .brew(["zlib"])]
        ),
        .target(name: "TollgateMarkdown", dependencies: ["CCmarkGFM"]),
        .target(name: "TollgateCrypto", dependencies: ["CSodium", "CZlib"]),
        .target(
            name: "TollgateSite",
            dependencies: [
                "TollgateMarkdown",
                "TollgateCrypto",
                .product(name: "Yams", package: "Yams"),
                .product(name: "Mustache", package: "swift-mustache"),
            ],
            resources: [.copy("Resources/theme"), .copy("Resources/starter"), .copy("Resources/strings")]
        ),
        .target(
            name: "TollgateCLI",
            dependencies: [
                "TollgateSite",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(name: "tollgate", dependencies: ["TollgateCLI"]),
        .target(name: "TollgateTestSupport", dependencies: ["TollgateSite", "TollgateCrypto"], path: "Tests/TollgateTestSupport"),
        .testTarget(name: "TollgateMarkdownTests", dependencies: ["TollgateMarkdown"]),
        .testTarget(name: "TollgateCryptoTests", dependencies: ["TollgateCrypto"], resources: [.copy("Fixtures")]),
        .testTarget(
            name: "TollgateSiteTests",
            dependencies: ["TollgateSite", "TollgateCrypto", "TollgateTestSupport"],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(name: "TollgateCLITests", dependencies: ["TollgateCLI", "TollgateTestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
