import Foundation
import Testing
import TOMLPrecheck
@testable import IngestCore

/// A small seeded generator, so a failure found here is found again on every machine.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

enum Mutations {
    static let pieces = ["\"", "=", "[", "]", "{", "}", "\n", "#", "\\", "env:", "file:", "1.0", "-1", "99999999999999999999", "\u{0}", "é", "[[kafka]]", "true", "'", "\"\"\""]

    /// Cuts, duplicates, and inserts TOML-ish fragments and random bytes.
    static func mutate(_ text: String, using generator: inout SeededGenerator) -> String {
        var bytes = Array(text.utf8)
        for _ in 0..<Int.random(in: 1...4, using: &generator) {
            guard !bytes.isEmpty else { break }
            let at = Int.random(in: 0..<bytes.count, using: &generator)
            switch Int.random(in: 0..<4, using: &generator) {
            case 0: bytes.removeSubrange(at..<min(bytes.count, at + Int.random(in: 1...8, using: &generator)))
            case 1: bytes.insert(contentsOf: Array(pieces.randomElement(using: &generator)!.utf8), at: at)
            case 2: bytes[at] = UInt8.random(in: 0...255, using: &generator)
            default: bytes.insert(contentsOf: bytes[at..<min(bytes.count, at + 12)], at: at)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// Bad input never crashes a parser: it is accepted or refused with a message that names the
/// file. This found inputs on which TOMLKit's C++ parser aborts (`[[[kafka]]`, a header key
/// starting with an invalid byte or a lone CR); TOMLPrecheck now refuses them first.
@Suite struct ParserFuzzTests {
    static let profile = """
    name = "dev"
    environment = "dev"
    client_id = "acme"
    rest_url = "https://producer.msk-rest-proxy.dev.{client}.future-anthem-lz-pr.com/v3"
    topic_prefix = "ing-staging-"
    api_key = "env:INGEST_DEV_API_KEY"
    batch_max_entries = 10
    tls_min_version = "1.2"
    [kafka]
    username = "producer"
    password = "env:INGEST_DEV_KAFKA_PASSWORD"
    bootstrap = "b-1:9096,b-2:9096"
    ca_file = ""
    [stream]
    window = 64
    [sandbox]
    topics = ["events"]
    """

    @Test func mutatedProfilesAreAcceptedOrRefusedClearly() {
        var generator = SeededGenerator(state: 20261125)
        var refused = 0
        for _ in 0..<3000 {
            let text = Mutations.mutate(Self.profile, using: &generator)
            // Set FUZZ_DUMP=path to keep the input being parsed: after a crash it is the culprit.
            if let dump = ProcessInfo.processInfo.environment["FUZZ_DUMP"] { try? text.write(toFile: dump, atomically: false, encoding: .utf8) }
            do {
                let profile = try ProfileParser.parse(text, file: "fuzz.toml")
                #expect(profile.batchMaxEntries >= 1 && profile.batchMaxEntries <= 50)
                #expect([TLSMinimumVersion.v1_2, .v1_3].contains(profile.tlsMinVersion))
            } catch let error as ProfileError {
                refused += 1
                #expect(error.file == "fuzz.toml")
                #expect(!error.description.isEmpty)
            } catch {
                Issue.record("not a ProfileError: \(error)")
            }
        }
        #expect(refused > 1000, "the mutations should break most profiles")
    }
}

@Suite struct TOMLPrecheckTests {
    @Test(arguments: ["[[[kafka]]\nx = 1", "[\u{FFFD}tream]", "[\rsandbox]", "a.\u{FFFD} = 1", "x = { \u{FFFD} = 1 }", "x = { a = 1, \u{1} = 2 }"])
    func inputsTheParserWouldAbortOnAreRefused(text: String) {
        #expect(TOMLPrecheck.problem(in: text) != nil, "\(text.debugDescription)")
        #expect(throws: ProfileError.self) { try ProfileParser.parse(text, file: "p.toml") }
    }

    @Test func validFilesPass() throws {
        for name in ["local", "dev", "production"] {
            let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../profiles/\(name).toml")
            #expect(TOMLPrecheck.problem(in: try String(contentsOf: url, encoding: .utf8)) == nil, "\(name)")
        }
        #expect(TOMLPrecheck.problem(in: ParserFuzzTests.profile) == nil)
        #expect(TOMLPrecheck.problem(in: "a = \"[[[not a header\"\nb = '''\n[[[ inside ]]]\n'''\nc = [1, [2, 3]]\n# [[[comment\r\n") == nil)
    }
}
