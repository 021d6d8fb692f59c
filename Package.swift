// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "Tollgate",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "tollgate", targets: ["tollgate"]),
        .executable(name: "tollgate-server", targets: ["tollgate-server"]),
        .library(name: "TollgateSite", targets: ["TollgateSite"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.0.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.0"),
        .package(url: "https://github.com/vapor/sqlite-nio", from: "1.13.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.80.0"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.0.0"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.20.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
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
        .systemLibrary(
            name: "CKSyntaxHighlighting",
            pkgConfig: "Qt5Gui",
            providers: [.apt(["libkf5syntaxhighlighting-dev", "qtbase5-dev"]), .brew(["qt@5"])]
        ),
        .target(
            name: "CHighlight",
            dependencies: ["CKSyntaxHighlighting"],
            linkerSettings: [.linkedLibrary("KF5SyntaxHighlighting")]
        ),
        .target(name: "TollgateHighlight", dependencies: ["CHighlight", "TollgateCrypto"]),
        .target(name: "TollgateMarkdown", dependencies: ["CCmarkGFM"]),
        .target(name: "TollgateYAML", dependencies: [.product(name: "Yams", package: "Yams")]),
        .target(name: "TollgateCrypto", dependencies: ["CSodium", "CZlib"]),
        .target(name: "TollgateSiteFacts", dependencies: ["TollgateYAML"]),
        .target(
            name: "TollgateSite",
            dependencies: [
                "TollgateMarkdown",
                "TollgateHighlight",
                "TollgateCrypto",
                "TollgateYAML",
                "TollgateSiteFacts",
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
        .target(
            name: "TollgateServer",
            dependencies: [
                "TollgateCrypto",
                "TollgateYAML",
                "TollgateSiteFacts",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "SQLiteNIO", package: "sqlite-nio"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(name: "tollgate-server", dependencies: ["TollgateServer"]),
        .target(name: "TollgateTestSupport", dependencies: ["TollgateSite", "TollgateCrypto"], path: "Tests/TollgateTestSupport"),
        .testTarget(name: "TollgateMarkdownTests", dependencies: ["TollgateMarkdown"]),
        .testTarget(name: "TollgateHighlightTests", dependencies: ["TollgateHighlight"], exclude: ["Golden"]),
        .testTarget(name: "TollgateCryptoTests", dependencies: ["TollgateCrypto"], resources: [.copy("Fixtures")]),
        .testTarget(
            name: "TollgateSiteTests",
            dependencies: ["TollgateSite", "TollgateCrypto", "TollgateTestSupport"],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(name: "TollgateCLITests", dependencies: ["TollgateCLI", "TollgateTestSupport"]),
        .testTarget(
            name: "TollgateServerTests",
            dependencies: [
                "TollgateServer",
                "TollgateCrypto",
                "TollgateSite",
                "TollgateTestSupport",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "SQLiteNIO", package: "sqlite-nio"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6],
    cxxLanguageStandard: .cxx17
)
