import ArgumentParser
import Foundation
import TollgateSite

/// Runs `body`, printing a library failure as `error: …` lines on standard error and
/// exiting with status 1 instead of a stack of Swift errors.
func reportingFailures(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let failure as BuildFailure {
        FileHandle.standardError.write(Data((failure.description + "\n").utf8))
        throw ExitCode.failure
    } catch let diagnostic as Diagnostic {
        FileHandle.standardError.write(Data("error: \(diagnostic)\n".utf8))
        throw ExitCode.failure
    }
}
