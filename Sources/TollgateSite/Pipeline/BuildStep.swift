/// One named step of the build. Its name appears in progress output and in its errors.
struct BuildStep: Sendable {
    let name: String
    /// Runs the step; returns a detail for the progress line, such as "(1,234 chapters)".
    let run: @Sendable (inout BuildContext) throws -> String?
}

extension BuildStep {
    /// Runs the step, turning whatever it throws into a ``BuildFailure`` named after it.
    func perform(_ context: inout BuildContext) throws(BuildFailure) -> String? {
        do {
            return try run(&context)
        } catch let list as DiagnosticList {
            throw BuildFailure(step: name, diagnostics: list.items)
        } catch let diagnostic as Diagnostic {
            throw BuildFailure(step: name, diagnostics: [diagnostic])
        } catch let failure as BuildFailure {
            throw failure
        } catch {
            throw BuildFailure(step: name, diagnostics: [Diagnostic(file: nil, "\(error)")])
        }
    }
}
