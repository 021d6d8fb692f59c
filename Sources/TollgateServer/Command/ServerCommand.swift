import ArgumentParser
import Foundation
import Hummingbird
import Logging

/// `tollgate-server`: the license server and the commands that manage its licenses.
public struct ServerCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "tollgate-server",
        abstract: "Issues license keys to paying members and exchanges them for tier keys.",
        discussion: """
        Configuration comes from server.yml (see docs/server.md); secrets only from the environment:
        TOLLGATE_MASTER_KEY (or the key file), TOLLGATE_ADMIN_TOKEN, STRIPE_WEBHOOK_SECRET.
        The license and device commands work on the database directly, also while the server runs.
        """,
        subcommands: [Serve.self, LicenseCommand.self, DeviceCommand.self]
    )

    public init() {}
}

/// `--config`, shared by every command.
struct ConfigOption: ParsableArguments {
    @Option(name: .long, help: "The server configuration.")
    var config = "server.yml"

    /// The configuration and secrets, or a message-bearing exit.
    func load() throws -> (ServerConfiguration, ServerSecrets) {
        do {
            let configuration = try ServerConfiguration.load(from: config)
            let secrets = try ServerSecrets.load(environment: ProcessInfo.processInfo.environment, configuration: configuration)
            return (configuration, secrets)
        } catch let error as ConfigurationError {
            throw CommandFailure(error.description)
        } catch let error as SecretsError {
            throw CommandFailure("error: \(error.description)")
        }
    }

    /// Runs `body` with a licensing service over the configured database, closing it after.
    func withLicensing<T>(_ body: (Licensing) async throws -> T) async throws -> T {
        let (configuration, secrets) = try load()
        var logger = Logger(label: "tollgate-server")
        logger.logLevel = .warning
        let store: SQLiteLicenseStore
        do {
            store = try await SQLiteLicenseStore.open(path: configuration.database, readers: 1, logger: logger)
        } catch {
            throw CommandFailure("error: \(error)")
        }
        let licensing = Licensing(configuration: configuration, authority: .init(master: secrets.masterKey), store: store)
        do {
            let value = try await body(licensing)
            try await store.close()
            return value
        } catch let error as LicensingError {
            try? await store.close()
            throw CommandFailure("error: \(error.description)")
        } catch {
            try? await store.close()
            throw error
        }
    }
}

/// An error already worded for the terminal: printed as is, exit status 1.
struct CommandFailure: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) {
        self.description = description
    }
}

extension ServerCommand {
    /// Prints `failure` and exits 1, or lets ArgumentParser report anything else.
    static func exit(for error: any Error) -> Never {
        if let failure = error as? CommandFailure {
            FileHandle.standardError.write(Data((failure.description + "\n").utf8))
            Foundation.exit(1)
        }
        ServerCommand.exit(withError: error)
    }

    /// Parses the arguments and runs the command, reporting failures without a stack of noise.
    public static func run() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            exit(for: error)
        }
    }
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Runs the license server until SIGTERM or SIGINT.",
        discussion: "Creates the database (WAL, synchronous=FULL) and runs its migrations when needed. In-flight requests finish before it exits."
    )

    @OptionGroup var options: ConfigOption

    func run() async throws {
        let (configuration, secrets) = try options.load()
        var logger = Logger(label: "tollgate-server")
        logger.logLevel = configuration.logLevel
        let store: SQLiteLicenseStore
        do {
            store = try await SQLiteLicenseStore.open(path: configuration.database, logger: logger)
        } catch {
            throw CommandFailure("error: \(error)")
        }
        // Member lookups come from memory; this server's writes clear it at once, the command
        // line's (another process) within a second.
        let cached = CachingLicenseStore(store)
        let watcher = Task { await cached.watch(every: .seconds(1)) { try await store.dataVersion() } }
        let app = buildApplication(configuration: configuration, secrets: secrets, store: cached, logger: logger)
        do {
            try await app.runService()
        } catch {
            watcher.cancel()
            try? await store.close()
            throw CommandFailure("error: the server stopped: \(error)")
        }
        watcher.cancel()
        _ = await watcher.value
        try await store.close()
        logger.notice("tollgate-server stopped")
    }
}

struct LicenseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "license",
        abstract: "Issue, list, show, revoke and extend licenses.",
        subcommands: [Issue.self, List.self, Show.self, Revoke.self, Extend.self, Key.self]
    )

    struct Issue: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Issues licenses and prints each key once, on its own line.",
            discussion: "The keys go to standard output, one per line, and are not stored: only their hash is. Details go to standard error."
        )

        @OptionGroup var options: ConfigOption
        @Option(name: .customLong("tier"), help: "A tier the license unlocks (repeat for several).")
        var tiers: [String] = []
        @Option(help: "The member's email.")
        var email: String?
        @Option(help: "Expiry: a date (2027-01-31) or a number of days (30d). Default: never.")
        var expires: String?
        @Option(help: "How many devices may hold the license at once. Default: default_device_limit.")
        var devices: Int?
        @Option(help: "A note for you.")
        var note: String?
        @Option(help: "How many licenses to issue (each with its own key).")
        var count = 1
        @Flag(help: "Print JSON: a list of {license, license_key}.")
        var json = false

        func run() async throws {
            let now = Date()
            let expiry = try expires.map { text in
                guard let date = parseExpiry(text, now: now) else {
                    throw CommandFailure("error: --expires must be a date like 2027-01-31 or a number of days like 30d, not '\(text)'")
                }
                return date
            }
            try await options.withLicensing { licensing in
                let order = LicenseOrder(tiers: tiers, email: email, expiresAt: expiry, deviceLimit: devices, note: note, source: "cli")
                let issued = try await licensing.issue(order, count: count)
                if json {
                    printJSON(.array(issued.map { .object(["license": licenseJSON($0.license, devicesInUse: 0, now: licensing.now()), "license_key": .string($0.key.text)]) }))
                } else {
                    print(issued.map(\.key.text).joined(separator: "\n"))
                    let first = issued[0].license
                    let expiry = first.expiresAt.map { "until \(rfc3339($0).prefix(10))" } ?? "no expiry"
                    let ids = issued.count == 1 ? first.id : "\(issued.count) licenses"
                    printError("issued \(ids): \(first.tiers.joined(separator: ", ")), \(first.deviceLimit) devices, \(expiry). The key\(issued.count == 1 ? " is" : "s are") shown only now.")
                }
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Lists licenses, newest first: ID, STATUS, TIERS, EXPIRES, EMAIL, SOURCE.")

        @OptionGroup var options: ConfigOption
        @Option(help: "Only licenses in this state: active, expired or revoked.")
        var status: LicenseStatus?
        @Option(help: "Only licenses of this email.")
        var email: String?
        @Option(help: "At most this many.")
        var limit = 1000
        @Flag(help: "Print JSON.")
        var json = false

        func run() async throws {
            try await options.withLicensing { licensing in
                let licenses = try await licensing.store.licenses(LicenseFilter(status: status, email: email, limit: limit, now: licensing.now()))
                if json {
                    printJSON(.array(licenses.map { licenseJSON($0, devicesInUse: nil, now: licensing.now()) }))
                    return
                }
                for license in licenses {
                    let status = license.effectiveStatus(at: licensing.now()).rawValue
                    let expiry = license.expiresAt.map { String(rfc3339($0).prefix(10)) } ?? "never"
                    print([license.id, status, license.tiers.joined(separator: ","), expiry, license.email ?? "-", license.source].joined(separator: "\t"))
                }
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Shows a license and its devices (never its key).")

        @OptionGroup var options: ConfigOption
        @Argument(help: "The license id (lic_…).")
        var id: String
        @Flag(help: "Print JSON.")
        var json = false

        func run() async throws {
            try await options.withLicensing { licensing in
                let license = try await licensing.license(id)
                let devices = try await licensing.devices(id)
                if json {
                    printJSON(.object(["license": licenseJSON(license, devicesInUse: devices.count, now: licensing.now()), "devices": .array(devices.map(deviceJSON))]))
                    return
                }
                let status = license.effectiveStatus(at: licensing.now())
                print("""
                id:       \(license.id)
                status:   \(status.rawValue)\(license.reason.map { " (\($0))" } ?? "")
                tiers:    \(license.tiers.joined(separator: ", "))
                email:    \(license.email ?? "-")
                expires:  \(license.expiresAt.map(rfc3339) ?? "never")
                devices:  \(devices.count) of \(license.deviceLimit)
                source:   \(license.source)
                created:  \(rfc3339(license.createdAt))
                updated:  \(rfc3339(license.updatedAt))
                """)
                if let note = license.note { print("note:     \(note)") }
                for device in devices { print("device:   \(device.id)\tsince \(rfc3339(device.createdAt))\tlast seen \(rfc3339(device.lastSeenAt))") }
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Revokes a license: no more unlocks or refreshes, and no keys of a later epoch.",
            discussion: "A browser keeps the keys it already has until the site's epoch changes (tollgate keys rotate); see docs/server.md."
        )

        @OptionGroup var options: ConfigOption
        @Argument(help: "The license id (lic_…).")
        var id: String
        @Option(help: "Why (shown to the member as the reason).")
        var reason: String?

        func run() async throws {
            try await options.withLicensing { licensing in
                let license = try await licensing.revoke(id, reason: reason)
                printError("revoked \(license.id)")
            }
        }
    }

    struct Extend: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Sets when a license expires; an expired license becomes active again.")

        @OptionGroup var options: ConfigOption
        @Argument(help: "The license id (lic_…).")
        var id: String
        @Option(help: "The new expiry date (2027-01-31).")
        var until: String?
        @Option(help: "Days to add to the current expiry (or to today, if it passed).")
        var days: Int?
        @Flag(help: "Never expire.")
        var never = false

        func validate() throws {
            guard [until != nil, days != nil, never].filter({ $0 }).count == 1 else {
                throw ValidationError("give exactly one of --until, --days and --never")
            }
        }

        func run() async throws {
            try await options.withLicensing { licensing in
                let license: License
                if let until {
                    guard let parsed = parseDate(until) else { throw CommandFailure("error: --until must be a date like 2027-01-31, not '\(until)'") }
                    license = try await licensing.extend(id, until: parsed)
                } else if let days {
                    license = try await licensing.extend(id, byDays: days)
                } else {
                    license = try await licensing.extend(id, until: nil)
                }
                printError("\(license.id) now expires \(license.expiresAt.map { "on " + rfc3339($0) } ?? "never") and is \(license.effectiveStatus(at: licensing.now()).rawValue)")
            }
        }
    }

    struct Key: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Prints again the key of a license bought through Stripe Checkout.",
            discussion: "Such keys derive from the Checkout Session and the master key. Other keys were random, shown once and cannot be shown again."
        )

        @OptionGroup var options: ConfigOption
        @Argument(help: "The license id (lic_…).")
        var id: String

        func run() async throws {
            try await options.withLicensing { licensing in
                print(try await licensing.recoverKey(id).text)
            }
        }
    }
}

struct DeviceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "device",
        abstract: "List the devices holding a license, or free a device's slot.",
        subcommands: [List.self, Remove.self]
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Lists a license's devices: ID, SINCE, LAST SEEN.")

        @OptionGroup var options: ConfigOption
        @Argument(help: "The license id (lic_…).")
        var license: String

        func run() async throws {
            try await options.withLicensing { licensing in
                for device in try await licensing.devices(license) {
                    print([device.id, rfc3339(device.createdAt), rfc3339(device.lastSeenAt)].joined(separator: "\t"))
                }
            }
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Frees a device's slot; that browser must enter the license key again."
        )

        @OptionGroup var options: ConfigOption
        @Argument(help: "The license id (lic_…).")
        var license: String
        @Argument(help: "The device id (dev_…).")
        var device: String

        func run() async throws {
            try await options.withLicensing { licensing in
                try await licensing.removeDevice(device, of: license)
                printError("removed \(device) from \(license)")
            }
        }
    }
}

extension LicenseStatus: ExpressibleByArgument {}

/// `2027-01-31` or `30d` (days from `now`).
func parseExpiry(_ text: String, now: Date) -> Date? {
    if text.hasSuffix("d"), let days = Int(text.dropLast()), (1...36500).contains(days) {
        return now.addingTimeInterval(TimeInterval(days) * 86400)
    }
    return parseDate(text)
}

func printJSON(_ value: JSONValue) {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
    if let data = try? encoder.encode(value) { print(String(decoding: data, as: UTF8.self)) }
}

func printError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}
