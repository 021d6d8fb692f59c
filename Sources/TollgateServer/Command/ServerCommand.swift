import ArgumentParser
import Foundation

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
        subcommands: [Serve.self, Migrate.self, LicenseCommand.self, DeviceCommand.self]
    )

    public init() {}
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
