import Foundation
import IngestCore
import Testing

/// Template generators, seeds and `{{csv}}` streaming, case by case.
@Suite struct GeneratorTests {
    func expand(_ text: String, seq: Int = 1, seed: UInt64 = 1, files: TemplateFiles = .memory([:])) throws -> String {
        var generator = SeededRandom(seed: seed)
        return try Template(text, environment: [:], files: files).expand(seq: seq, now: Date(timeIntervalSince1970: 1_700_000_000), using: &generator)
    }

    @Test func choiceFollowsItsWeights() throws {
        let template = try Template("{{choice a:9 b:1 c:0}}", environment: [:], files: .memory([:]))
        var generator = SeededRandom(seed: 99)
        var counts: [String: Int] = [:]
        for seq in 1...10_000 { counts[try template.expand(seq: seq, now: Date(), using: &generator), default: 0] += 1 }
        #expect(counts["c"] == nil)
        #expect((8_700...9_300).contains(counts["a"] ?? 0), "\(counts)")
        #expect(try expand(#"{{choice "two words" x}}"#, seed: 3).count > 0)
        #expect(try expand("{{choice http://a}}") == "http://a")
        #expect(throws: InputError.self) { try expand("{{choice}}") }
        #expect(throws: InputError.self) { try expand("{{choice a:0}}") }
    }

    @Test func numbersStringsTimesAndSequences() throws {
        let float = try expand("{{rand_float 1.5 2.5 3}}")
        #expect(float.split(separator: ".").last?.count == 3 && (1.5...2.5).contains(Double(float) ?? 0), "\(float)")
        #expect(try expand("{{rand_float 0 1 0}}").allSatisfy(\.isNumber))
        #expect(try expand("{{rand_str 16}}").count == 16)
        #expect(try expand("{{seq_from 1000}}", seq: 5) == "1004")
        #expect(try expand("{{now_ms -5m}}") == String(1_700_000_000_000 - 300_000))
        #expect(try expand("{{now_ms +1h30m}}") == String(1_700_000_000_000 + 5_400_000))
        #expect(try expand("{{now -1d}}").hasPrefix("2023-11-13T22:13:20"))
        for bad in ["{{rand_float 2 1 2}}", "{{rand_float 1 2 16}}", "{{rand_str 0}}", "{{now -5x}}", "{{now 5m 1s}}", "{{seq_from x}}"] {
            #expect(throws: InputError.self, "\(bad)") { try expand(bad) }
        }
    }

    @Test func errorsSayWhereThePlaceholderIs() {
        do {
            _ = try Template("{\n  \"a\": 1,\n    \"b\": {{rand_in 1 2}}\n}", environment: [:])
            Issue.record("accepted an unknown placeholder")
        } catch {
            #expect("\(error)".hasPrefix("line 3, column 10: unknown placeholder {{rand_in 1 2}}; known:"), "\(error)")
        }
        do {
            _ = try Template("é{{rand_str x}}", environment: [:])
            Issue.record("accepted a bad length")
        } catch { #expect("\(error)".hasPrefix("line 1, column 2: "), "\(error)") }
        do {
            _ = try TemplateSource(EventTemplate(value: "{}", key: "k-{{bogus}}"))
            Issue.record("accepted a bad key template")
        } catch { #expect("\(error)".hasPrefix("key: line 1, column 3: unknown placeholder"), "\(error)") }
    }

    /// Record n is the same under a seed whatever was expanded before it.
    @Test func seededRecordsDoNotDependOnOrder() throws {
        let event = EventTemplate(value: #"{"u":"{{uuid}}","r":{{rand_int 1 1000000}}}"#, seed: 5)
        let forward = try TemplateSource(event, count: 3)
        let records = try (1...3).map { _ in try #require(try forward.next()) }
        let alone = try TemplateSource(event, count: 3).record(seq: 3)
        #expect(records[2] == alone)
        #expect(records[0] != records[1])
        var other = event
        other.seed = 6
        #expect(try TemplateSource(other).record(seq: 1) != records[0])
        #expect(event.preview(seq: 2) == String(decoding: RecordEncoding.produceRequest(records[1]), as: UTF8.self))
    }

    @Test func csvColumnsStreamAndCycle() throws {
        let files = TemplateFiles.memory(["p.csv": "id,name\r\n1,\"A, \"\"x\"\"\"\n\n2,\"multi\nline\"\n3,C\n"])
        let template = try Template("{{csv p.csv name}}/{{csv p.csv 1}}", environment: [:], files: files)
        var generator = SystemRandomNumberGenerator()
        let values = try (1...7).map { try template.expand(seq: $0, now: Date(), using: &generator) }
        #expect(values == ["A, \"x\"/1", "multi\nline/2", "C/3", "A, \"x\"/1", "multi\nline/2", "C/3", "A, \"x\"/1"])
        // Out of order (a preview after a send) still gives row n for record n.
        #expect(try template.expand(seq: 2, now: Date(), using: &generator) == "multi\nline/2")
        #expect(throws: InputError.self) { try Template("{{csv p.csv nope}}", environment: [:], files: files) }
        #expect(throws: InputError.self) { try Template("{{csv missing.csv a}}", environment: [:], files: files) }
        #expect(throws: InputError.self) { try Template("{{csv h.csv a}}", environment: [:], files: .memory(["h.csv": "a,b\n"])) }
    }

    /// A file bigger than the reader's chunk is read a piece at a time, and rewound.
    @Test func csvFromAFileOnDisk() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("gen-\(UUID().uuidString).csv")
        defer { try? FileManager.default.removeItem(at: url) }
        let rows = 20_000
        try ("n,pad\n" + (1...rows).map { "\($0),\(String(repeating: "x", count: 20))" }.joined(separator: "\n") + "\n").write(to: url, atomically: true, encoding: .utf8)
        let template = try Template("{{csv \(url.path) n}}", environment: [:])
        var generator = SystemRandomNumberGenerator()
        #expect(try template.expand(seq: rows, now: Date(), using: &generator) == String(rows))
        #expect(try template.expand(seq: rows + 1, now: Date(), using: &generator) == "1")
        #expect(try template.expand(seq: 2 * rows + 17, now: Date(), using: &generator) == "17")
    }
}
