import Foundation
import Testing
import TOMLPrecheck
import TestSupport
@testable import IngestCore

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
    /// The documented dev profile plus a [stream] table: a profile that parses, so that the
    /// mutations start from something valid.
    static let profile = ProfileTests.devProfile + "\n[stream]\nwindow = 64\n"

    @Test func mutatedProfilesAreAcceptedOrRefusedClearly() {
        #expect(throws: Never.self) { try ProfileParser.parse(Self.profile, file: "fuzz.toml") }
        var generator = SeededGenerator(state: 20261125)
        var refused = 0
        var accepted = 0
        for _ in 0..<3000 {
            let text = Mutations.mutate(Self.profile, using: &generator)
            // Set FUZZ_DUMP=path to keep the input being parsed: after a crash it is the culprit.
            if let dump = ProcessInfo.processInfo.environment["FUZZ_DUMP"] { try? text.write(toFile: dump, atomically: false, encoding: .utf8) }
            do {
                let profile = try ProfileParser.parse(text, file: "fuzz.toml")
                #expect(profile.batchMaxEntries >= 1 && profile.batchMaxEntries <= 50)
                #expect([TLSMinimumVersion.v1_2, .v1_3].contains(profile.tlsMinVersion))
                accepted += 1
            } catch let error as ProfileError {
                refused += 1
                #expect(error.file == "fuzz.toml")
                #expect(!error.description.isEmpty)
            } catch {
                Issue.record("not a ProfileError: \(error)")
            }
        }
        #expect(refused > 1000, "the mutations should break most profiles")
        #expect(accepted > 0, "some mutations (in values or comments) should still parse")
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
