import Foundation
import Testing
import TOMLPrecheck
import TestSupport
@testable import IngestCore

enum Mutations {
    static let pieces = ["\"", "=", "[", "]", "{", "}", "\n", "#", "\\", "env:", "file:", "1.0", "-1", "99999999999999999999", "\u{0}", "é", "[[kafka]]", "true", "'", "\"\"\""]

    /// Cuts, duplicates, and inserts TOML-ish fragments and random bytes.
    static func mutate(_ text: String, using generator: inout SeededRandom) -> String {
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
        var generator = SeededRandom(seed: 20261125)
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

/// The event loaders on damaged files: truncated, non-UTF-8 bytes, lines past the record
/// limit, nesting deeper than the validator allows, read in random chunk sizes. Each file is
/// read to its end or refused with an error naming the file; never a crash or a hang.
@Suite struct EventLoaderFuzzTests {
    static let jsonl = (1...12).map { "{\"key\":\"k\($0)\",\"value\":{\"n\":\($0),\"tags\":[\"é\",\"→\",null],\"deep\":{\"a\":[1,{\"b\":2}]}},\"headers\":{\"h\":\"v\"}}" }
        .joined(separator: "\n") + "\n"
    static let array = "[\n" + (1...12).map { "  {\"n\": \($0), \"s\": \"x\\u00e9\\n\"}" }.joined(separator: ",\n") + "\n]\n"
    static let lines = (1...12).map { "plain line \($0) ünïcode" }.joined(separator: "\n") + "\n"

    static func damage(_ text: String, using generator: inout SeededRandom) -> [UInt8] {
        var bytes = Array(Mutations.mutate(text, using: &generator).utf8)
        switch Int.random(in: 0..<8, using: &generator) {
        case 0: bytes = Array(bytes.prefix(Int.random(in: 0...bytes.count, using: &generator)))  // truncated
        case 1: bytes.insert(contentsOf: [0xFF, 0xFE, 0xC3], at: Int.random(in: 0...bytes.count, using: &generator))  // not UTF-8
        case 2: bytes.insert(contentsOf: Array(repeating: UInt8(ascii: "["), count: 600), at: Int.random(in: 0...bytes.count, using: &generator))
        case 3:
            // One line past the record limit.
            let huge = Array("{\"big\":\"".utf8) + Array(repeating: UInt8(ascii: "x"), count: RecordLimits.maximumRecordBytes + 16) + Array("\"}\n".utf8)
            bytes.insert(contentsOf: huge, at: Int.random(in: 0...bytes.count, using: &generator))
        default: break
        }
        return bytes
    }

    @Test(arguments: [("jsonl", EventFileReader.Format.auto), ("array", .auto), ("lines", .lines), ("jsonl", .jsonl)])
    func damagedFilesAreReadOrRefusedClearly(kind: String, format: EventFileReader.Format) throws {
        let base = kind == "jsonl" ? Self.jsonl : kind == "array" ? Self.array : Self.lines
        var generator = SeededRandom(seed: 42 + UInt64(kind.utf8.count) + UInt64(format.rawValue.utf8.count))
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ingest-loader-fuzz-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        var read = 0, refused = 0
        for round in 0..<300 {
            let name = "fuzz-\(round).\(kind)"
            let path = directory.appendingPathComponent(name).path
            _ = FileManager.default.createFile(atPath: path, contents: Data(Self.damage(base, using: &generator)))
            do {
                let reader = try EventFileReader(path: path, format: format, valueType: kind == "lines" ? .string : .json, chunkSize: Int.random(in: 1...4096, using: &generator))
                var records = 0
                while try reader.next() != nil {
                    records += 1
                    #expect(records <= 10_000, "\(name): more records than the file could hold")
                    if records > 10_000 { break }
                }
                read += 1
            } catch {
                refused += 1
                #expect("\(error)".contains(name), "\(name): the error does not name the file: \(error)")
            }
        }
        #expect(read > 0 && refused > 0, "read \(read), refused \(refused): the damage should break some files and spare others")
    }

    /// Plain lines sent as JSON: the error names the file and the line, not the record's insides.
    @Test func aLineThatIsNotJSONIsNamed() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("ingest-lines-\(UUID()).txt").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try "{\"ok\":1}\n\nnot json\n".write(toFile: path, atomically: true, encoding: .utf8)
        let reader = try EventFileReader(path: path, format: .lines, valueType: .json)
        #expect(try reader.next() != nil)
        #expect { _ = try reader.next() } throws: { "\($0)".contains("\(path): line 3:") }
    }
}
