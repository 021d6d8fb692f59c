/// One named step of the build. Its name appears in progress output and in its errors.
struct BuildStep: Sendable {
    let name: String
    /// Runs the step; returns a detail for the progress line, such as "(1,234 chapters)".
    let run: @Sendable (inout BuildContext) throws -> String?
}
