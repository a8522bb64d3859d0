import Foundation
import Testing
import TestSupport
@testable import IngestCore

@Suite struct JSONTests {
    @Test(arguments: [
        ("{\"a\": 1}", nil),
        ("[1, 2.5e3, -0.1, true, false, null, \"\\u00e9\\n\"]", nil),
        ("{\"a\": 1,}", (1, 9)),
        ("{\n  \"a\": 1\n  \"b\": 2\n}", (3, 3)),
        ("{\"a\": tru}", (1, 7)),
        ("{'a': 1}", (1, 2)),
        ("{\"a\": 01}", (1, 7)),
        ("{\"a\": \"x", (1, 7)),
        ("{\"é\": x}", (1, 7)),
        ("", (1, 1)),
        ("{} {}", (1, 4)),
        ("[", (1, 2)),
    ] as [(String, (Int, Int)?)])
    func validatorGivesLineAndColumn(text: String, expected: (Int, Int)?) {
        do {
            try JSONValidator.validate(text)
            #expect(expected == nil, "accepted \(text)")
        } catch {
            #expect(expected != nil, "refused valid \(text): \(error)")
            if let expected {
                #expect(error.line == expected.0 && error.column == expected.1, "\(text): \(error)")
            }
        }
    }

    @Test func validatorAgreesWithFoundationOnSamples() throws {
        // Foundation on Linux accepts trailing commas ("[1,]"); the proxy's Jackson does not, nor do we.
        #expect(throws: JSONSyntaxError.self) { try JSONValidator.validate("[1,]") }
        let samples = ["{\"a\":[1,{\"b\":null}]}", "[]", "{}", "\"x\"", "12", "[1e400]", "{\"a\":\"\\ud83d\\ude00\"}", "{\"a\"}", "[\"\\x\"]"]
        for sample in samples {
            let ours = (try? JSONValidator.validate(sample)) != nil
            let foundation = (try? JSONSerialization.jsonObject(with: Data(sample.utf8), options: [.fragmentsAllowed])) != nil
            #expect(ours == foundation || sample == "[1e400]", "\(sample): ours \(ours), Foundation \(foundation)")
        }
    }

    @Test func deepNestingIsRefusedNotCrashing() {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(throws: JSONSyntaxError.self) { try JSONValidator.validate(deep) }
        let ok = String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
        #expect(throws: Never.self) { try JSONValidator.validate(ok) }
    }

    /// Objects and arrays mixed past the first 64 levels (the stack's first word) close right.
    @Test func deepMixedNestingKeepsEachLevelsKind() throws {
        let depth = JSONValidator.maximumDepth - 1
        let open = (0..<depth).map { $0 % 3 == 0 ? "[" : "{\"k\":" }.joined()
        let close = (0..<depth).reversed().map { $0 % 3 == 0 ? "]" : "}" }.joined()
        try JSONValidator.validate(open + "1" + close)
        // The wrong closer at level 201 (an array's place) is named as an array's.
        var wrong = Array(close)
        wrong[depth - 1 - 201] = "}"
        do {
            try JSONValidator.validate(open + "1" + String(wrong))
            Issue.record("accepted a '}' closing an array")
        } catch { #expect(error.message.contains("expected ',' or ']'"), "\(error)") }
    }

    @Test func nonUTF8IsNamed() {
        #expect(throws: JSONSyntaxError.self) { try JSONValidator.validate([UInt8(ascii: "\""), 0xFF, UInt8(ascii: "\"")]) }
    }

    /// The splitter at every cut point of a stream, including inside strings with braces and escapes.
    @Test func splitterAtEveryCutPoint() throws {
        let values = [
            #"{"a":"}{\"}","b":[1,{"c":"]"}]}"#,
            #"{"error_code":200,"offset":1}"#,
            #"[{"x":"\\"},2]"#,
            #"{"s":"line\nbreak \u007b"}"#,
        ]
        let stream = Array((values[0] + "\r\n" + values[1] + values[2] + "  \n" + values[3] + "\r\n").utf8)
        for cut in 0...stream.count {
            for second in stride(from: cut, through: stream.count, by: 7) {
                var splitter = ConcatenatedJSONSplitter()
                var out = try splitter.feed(stream[0..<cut])
                out += try splitter.feed(stream[cut..<second])
                out += try splitter.feed(stream[second...])
                try splitter.finish()
                #expect(out.map { String(decoding: $0, as: UTF8.self) } == values, "cut at \(cut), \(second)")
            }
        }
        var byteByByte = ConcatenatedJSONSplitter()
        var out: [[UInt8]] = []
        for byte in stream { out += try byteByByte.feed([byte]) }
        #expect(out.count == values.count)
    }

    @Test func splitterRefusesGarbageAndTruncation() throws {
        var splitter = ConcatenatedJSONSplitter()
        #expect((try? splitter.feed(Array("<html>".utf8))) == nil)
        var truncated = ConcatenatedJSONSplitter()
        _ = try truncated.feed(Array("{\"a\":".utf8))
        #expect(throws: ConcatenatedJSONSplitter.SplitError.truncated) { try truncated.finish() }
        var small = ConcatenatedJSONSplitter(maximumValueBytes: 10)
        do {
            _ = try small.feed(Array("{\"a\":\"0123456789\"}".utf8))
            Issue.record("accepted an oversized value")
        } catch { #expect(error == .valueTooLarge(limit: 10)) }
    }

    /// However a stream (often corrupt) is cut into chunks, the splitter finds the values it
    /// finds fed byte by byte, and fails where and how that does. Seeded, so a failure can be
    /// replayed; the uncorrupted rounds must give the two values exactly.
    @Test func splitterSurvivesRandomChunkingOfCorruptStreams() {
        typealias SplitError = ConcatenatedJSONSplitter.SplitError
        func split(_ bytes: [UInt8], chunks: [Int]) -> (values: [[UInt8]], error: SplitError?, endsInsideValue: Bool) {
            var splitter = ConcatenatedJSONSplitter(maximumValueBytes: 64)
            var values: [[UInt8]] = []
            var index = 0
            for size in chunks where index < bytes.count {
                let end = min(bytes.count, index + size)
                do { values += try splitter.feed(bytes[index..<end]) } catch { return (values, error, false) }
                index = end
            }
            let truncated: Bool
            do { try splitter.finish(); truncated = false } catch { truncated = true }
            return (values, nil, truncated)
        }
        var generator = SeededRandom(seed: 0x5EED_2026)
        let pieces = [#"{"a":"x\"}"}"#, #"{"b":[1,2]}"#].map { Array($0.utf8) }
        let base = pieces.joined().map { $0 }
        var clean = 0, refused = 0
        for round in 0..<2000 {
            var bytes = base
            for _ in 0..<Int.random(in: 0...3, using: &generator) {
                bytes[Int.random(in: 0..<bytes.count, using: &generator)] = UInt8.random(in: 0...255, using: &generator)
            }
            let chunks = (0..<bytes.count).map { _ in Int.random(in: 1...5, using: &generator) }
            let reference = split(bytes, chunks: Array(repeating: 1, count: bytes.count))
            let chunked = split(bytes, chunks: chunks)
            #expect(chunked.error == reference.error, "round \(round): \(String(describing: chunked.error)) vs \(String(describing: reference.error))")
            if reference.error == nil {
                #expect(chunked.values == reference.values && chunked.endsInsideValue == reference.endsInsideValue, "round \(round)")
            } else {
                // Values completed in the chunk that failed are not returned: a prefix, never more.
                #expect(reference.values.starts(with: chunked.values), "round \(round)")
                refused += 1
            }
            if bytes == base {
                #expect(chunked.values == pieces && chunked.error == nil && !chunked.endsInsideValue, "round \(round)")
                clean += 1
            }
        }
        // Both kinds of rounds happened often enough to mean something.
        #expect(clean > 100 && refused > 100, "\(clean) clean, \(refused) refused")
    }

    /// Validating values in place (the file reader's splitter) changes nothing the splitter
    /// returns or throws, however a corrupt stream is chunked: same pieces, lines and errors.
    /// What it marks valid is valid, and its "type" note agrees with a search of the bytes.
    @Test func validatingSplitterSplitsAsThePlainOne() {
        typealias SplitError = ConcatenatedJSONSplitter.SplitError
        func split(_ bytes: [UInt8], chunks: [Int], validating: Bool) -> (pieces: [ConcatenatedJSONSplitter.Piece], error: SplitError?) {
            var splitter = ConcatenatedJSONSplitter(maximumValueBytes: 64, validatesValues: validating)
            var pieces: [ConcatenatedJSONSplitter.Piece] = []
            var index = 0
            for size in chunks where index < bytes.count {
                let end = min(bytes.count, index + size)
                do { pieces += try splitter.feedPieces(bytes[index..<end]) } catch { return (pieces, error) }
                index = end
            }
            do { try splitter.finish() } catch { return (pieces, error) }
            return (pieces, nil)
        }
        var generator = SeededRandom(seed: 0x7E57_2026)
        let base = Array(#"{"a":"x\"}","type":1}"#.utf8) + [0x0A] + Array(#"[{"b":[1, 2]},"type"]"#.utf8) + Array("\r\n\n".utf8)
            + Array(#"{"c" : {"d":"\u00e9"},"e":"type\"\""}"#.utf8) + [0x0A]
        var marked = 0
        for round in 0..<2000 {
            var bytes = base
            for _ in 0..<Int.random(in: 0...2, using: &generator) {
                bytes[Int.random(in: 0..<bytes.count, using: &generator)] = [0x0A, 0x22, 0x5C, 0x7B, 0x7D, 0x20, 0x80].randomElement(using: &generator)!
            }
            let chunks = (0..<bytes.count).map { _ in Int.random(in: 1...40, using: &generator) }
            let plain = split(bytes, chunks: chunks, validating: false)
            let validated = split(bytes, chunks: chunks, validating: true)
            #expect(plain.error == validated.error, "round \(round)")
            #expect(plain.pieces.map { [$0.line] + $0.bytes.map(Int.init) } == validated.pieces.map { [$0.line] + $0.bytes.map(Int.init) }, "round \(round)")
            for piece in validated.pieces where piece.isValidJSON {
                #expect(throws: Never.self) { try JSONValidator.validate(piece.bytes) }
                #expect(piece.mentionsType == ByteSearch.contains("\"type\"", in: piece.bytes), "round \(round)")
                #expect(piece.mentionsType == (try? JSONValidator.validateFindingType(piece.bytes)), "round \(round)")
                marked += 1
            }
        }
        #expect(marked > 1000, "\(marked) pieces validated in place")
    }
}
