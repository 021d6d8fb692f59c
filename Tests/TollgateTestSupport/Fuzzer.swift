import Foundation

/// A seeded mutation fuzzer, bounded in inputs and time, for the parsers of author and
/// client input (front matter, `site.yml`, Markdown, the server's JSON bodies).
///
/// Each run prints its seed, so any run can be replayed exactly with
/// `TOLLGATE_FUZZ_SEED=<seed>`. Before each input is tried it is written to
/// `$TMPDIR/tollgate-fuzz/<target>.current`: when an input crashes the process, that file
/// is the input. Copying it into the target's regression folder
/// (`Tests/<suite>/Fixtures/fuzz/<target>/`) makes it a fixture every later run tries first.
///
/// Environment: `TOLLGATE_FUZZ_SECONDS` (time per target, default 2), `TOLLGATE_FUZZ_RUNS`
/// (inputs per target, default 100,000), `TOLLGATE_FUZZ_SEED` (default: random).
package struct Fuzzer {
    /// The target's name, in messages and file names.
    package let target: String
    /// The seed of this run.
    package let seed: UInt64
    /// Bounds of this run.
    package let seconds: Double
    package let maximumRuns: Int
    private var random: SplitMix64

    /// A fuzzer for `target`, with its bounds and seed read from the environment.
    package init(target: String, environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.target = target
        seed = environment["TOLLGATE_FUZZ_SEED"].flatMap { UInt64($0) } ?? UInt64.random(in: 1...UInt64(UInt32.max))
        seconds = environment["TOLLGATE_FUZZ_SECONDS"].flatMap { Double($0) }.map { min(max($0, 0.1), 600) } ?? 2
        maximumRuns = environment["TOLLGATE_FUZZ_RUNS"].flatMap { Int($0) }.map { min(max($0, 1), 10_000_000) } ?? 100_000
        random = SplitMix64(seed: seed)
    }

    /// Tries every regression fixture of `regressions` and every seed as it is, then
    /// mutations of `seeds`, until the time or the input budget is spent.
    ///
    /// - Parameters:
    ///   - dictionary: fragments worth inserting (markers, delimiters, odd characters).
    ///   - body: runs one input; it throws (a test failure) when the code under test misbehaves.
    /// - Returns: how many inputs were tried.
    @discardableResult
    package mutating func run(
        seeds: [String], dictionary: [String], regressions: URL? = nil, _ body: (String) throws -> Void
    ) rethrows -> Int {
        var session = Session(seeds: seeds, dictionary: dictionary, regressions: regressions)
        while let input = nextInput(&session) { try body(input) }
        return finish(session)
    }

    /// ``run(seeds:dictionary:regressions:_:)`` for async code under test.
    @discardableResult
    package mutating func run(
        seeds: [String], dictionary: [String], regressions: URL? = nil, _ body: (String) async throws -> Void
    ) async rethrows -> Int {
        var session = Session(seeds: seeds, dictionary: dictionary, regressions: regressions)
        while let input = nextInput(&session) { try await body(input) }
        return finish(session)
    }

    /// The state of one run.
    private struct Session {
        let corpus: [[UInt8]]
        let dictionary: [[UInt8]]
        /// Inputs tried as they are, before any mutation.
        var fixed: [[UInt8]]
        var count = 0
        let start = ContinuousClock.now

        init(seeds: [String], dictionary: [String], regressions: URL?) {
            corpus = seeds.map { Array($0.utf8) }
            self.dictionary = dictionary.map { Array($0.utf8) }
            fixed = Fuzzer.regressionInputs(in: regressions) + corpus
        }
    }

    /// The next input (recorded where a crash leaves it), or nil when the budget is spent.
    private mutating func nextInput(_ session: inout Session) -> String? {
        let input: [UInt8]
        if !session.fixed.isEmpty {
            input = session.fixed.removeFirst()
        } else if session.count < maximumRuns, ContinuousClock.now - session.start < .seconds(seconds), !session.corpus.isEmpty {
            input = mutate(session.corpus[next(session.corpus.count)], corpus: session.corpus, dictionary: session.dictionary)
        } else {
            return nil
        }
        record(input)
        session.count += 1
        return String(decoding: input, as: UTF8.self)
    }

    private func finish(_ session: Session) -> Int {
        let elapsed = (ContinuousClock.now - session.start).components.seconds
        print("fuzz \(target): seed \(seed), \(session.count) inputs in \(elapsed) s (replay: TOLLGATE_FUZZ_SEED=\(seed))")
        return session.count
    }

    /// The folder where the input being tried is kept.
    package static var currentInputFolder: URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("tollgate-fuzz")
    }

    /// Writes `input` where a crash leaves it behind.
    private func record(_ input: [UInt8]) {
        let folder = Self.currentInputFolder
        try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try? Data(input).write(to: folder.appendingPathComponent("\(target).current"))
    }

    /// The regression fixtures of a folder, sorted by name.
    private static func regressionInputs(in folder: URL?) -> [[UInt8]] {
        guard let folder, let names = try? FileManager.default.contentsOfDirectory(atPath: folder.path) else { return [] }
        return names.sorted().filter { !$0.hasPrefix(".") }.compactMap {
            FileManager.default.contents(atPath: folder.appendingPathComponent($0).path).map { Array($0) }
        }
    }

    // MARK: Mutations

    private mutating func next(_ bound: Int) -> Int { bound <= 1 ? 0 : Int(random.next() % UInt64(bound)) }

    /// One to four mutations of `input`: flip, insert, delete, duplicate, splice from
    /// another seed, insert a dictionary fragment, or repeat a fragment many times.
    package mutating func mutate(_ input: [UInt8], corpus: [[UInt8]], dictionary: [[UInt8]]) -> [UInt8] {
        var bytes = input
        for _ in 0...next(4) {
            let position = next(bytes.count + 1)
            switch next(8) {
            case 0 where !bytes.isEmpty:
                bytes[min(position, bytes.count - 1)] ^= UInt8(1 << next(8))
            case 1:
                bytes.insert(UInt8(truncatingIfNeeded: random.next()), at: position)
            case 2 where !bytes.isEmpty:
                let end = min(bytes.count, position + 1 + next(32))
                bytes.removeSubrange(min(position, bytes.count - 1)..<end)
            case 3 where !bytes.isEmpty:
                let start = next(bytes.count)
                let end = min(bytes.count, start + 1 + next(64))
                bytes.insert(contentsOf: bytes[start..<end], at: position)
            case 4 where !corpus.isEmpty:
                let other = corpus[next(corpus.count)]
                guard !other.isEmpty else { continue }
                let start = next(other.count)
                bytes.insert(contentsOf: other[start..<min(other.count, start + 1 + next(256))], at: position)
            case 5, 6 where !dictionary.isEmpty:
                bytes.insert(contentsOf: dictionary[next(dictionary.count)], at: position)
            case 7 where !dictionary.isEmpty:
                let fragment = dictionary[next(dictionary.count)]
                bytes.insert(contentsOf: Array([[UInt8]](repeating: fragment, count: 1 + next(200)).joined()), at: position)
            default:
                bytes.insert(UInt8(ascii: "\n"), at: position)
            }
        }
        return bytes.count > 1 << 16 ? Array(bytes.prefix(1 << 16)) : bytes
    }
}

/// SplitMix64 (Steele, Lea, Flood 2014): small, fast, and the same on every platform.
package struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    package init(seed: UInt64) { state = seed }

    package mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var value = state
        value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
        value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
        return value ^ (value >> 31)
    }
}
