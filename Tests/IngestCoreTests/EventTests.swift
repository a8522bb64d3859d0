import Foundation
import Testing
@testable import IngestCore

@Suite struct EventTests {
    func temporaryFile(_ contents: [UInt8], suffix: String = ".jsonl") throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("ingest-events-\(UUID())\(suffix)").path
        _ = FileManager.default.createFile(atPath: path, contents: Data(contents))
        return path
    }

    func readAll(_ reader: EventFileReader) throws -> [EventRecord] {
        var records: [EventRecord] = []
        while let record = try reader.next() { records.append(record) }
        return records
    }

    @Test func jsonLinesAcrossTinyChunks() throws {
        let path = try temporaryFile(Array("{\"a\":1}\n{\"b\":\"}{\"}\r\n\n{\"c\":[1,2]}\n".utf8))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let records = try readAll(EventFileReader(path: path, chunkSize: 3))
        #expect(records.map { String(decoding: $0.value!.data, as: UTF8.self) } == ["{\"a\":1}", "{\"b\":\"}{\"}", "{\"c\":[1,2]}"])
        #expect(records.allSatisfy { $0.value?.type == .json })
    }

    @Test func jsonArrayAndSingleDocument() throws {
        let array = try temporaryFile(Array("  [ {\"a\":1} ,\n {\"b\":2} ]\n".utf8), suffix: ".json")
        let single = try temporaryFile(Array("{\n  \"only\": true\n}\n".utf8), suffix: ".json")
        defer { try? FileManager.default.removeItem(atPath: array); try? FileManager.default.removeItem(atPath: single) }
        #expect(try readAll(EventFileReader(path: array, chunkSize: 4)).count == 2)
        #expect(try readAll(EventFileReader(path: single)).count == 1)
        let truncated = try temporaryFile(Array("[{\"a\":1},".utf8), suffix: ".json")
        defer { try? FileManager.default.removeItem(atPath: truncated) }
        let reader = try EventFileReader(path: truncated)
        _ = try reader.next()
        #expect(throws: InputError.self) { try reader.next() }
    }

    @Test func plainLinesAreStrings() throws {
        let path = try temporaryFile(Array("first line\nsecond, with {braces}\n\nthird\n".utf8), suffix: ".txt")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let records = try readAll(EventFileReader(path: path, valueType: .string))
        #expect(records.map { String(decoding: $0.value!.data, as: UTF8.self) } == ["first line", "second, with {braces}", "third"])
        #expect(records.allSatisfy { $0.value?.type == .string })
    }

    @Test func produceRecordShapeKeepsKeyHeadersPartition() throws {
        let line = #"{"key":{"type":"STRING","data":"k1"},"value":{"type":"JSON","data":{"x":1}},"headers":[{"name":"h","value":"aGk="}],"partition_id":2}"#
        let path = try temporaryFile(Array(line.utf8))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let record = try #require(try EventFileReader(path: path).next())
        #expect(record.key == Payload(type: .string, data: Array("k1".utf8)))
        #expect(record.value?.type == .json)
        #expect(record.headers == [RecordHeader(name: "h", value: Array("hi".utf8))])
        #expect(record.partition == 2)
    }

    @Test func badJSONNamesRecordLineAndColumn() throws {
        let path = try temporaryFile(Array("{\"ok\":1}\n{\"bad\":\n  tru}\n".utf8))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let reader = try EventFileReader(path: path)
        _ = try reader.next()
        do {
            _ = try reader.next()
            Issue.record("accepted bad JSON")
        } catch let error as InputError {
            #expect(error.description.contains("record 2"))
            #expect(error.description.contains("line 3, column 3"), "\(error)")
        }
    }

    @Test func nonUTF8AndOversizedLines() throws {
        let bad = try temporaryFile([0x61, 0xFF, 0x62, 0x0A], suffix: ".txt")
        defer { try? FileManager.default.removeItem(atPath: bad) }
        #expect(throws: InputError.self) { try EventFileReader(path: bad, format: .lines, valueType: .string).next() }
        let huge = try temporaryFile(Array(repeating: UInt8(ascii: "x"), count: RecordLimits.maximumRecordBytes + 10), suffix: ".txt")
        defer { try? FileManager.default.removeItem(atPath: huge) }
        do {
            _ = try EventFileReader(path: huge, format: .lines, valueType: .string).next()
            Issue.record("accepted an oversized line")
        } catch { #expect("\(error)".contains("longer than \(RecordLimits.maximumRecordBytes)")) }
        #expect(throws: InputError.self) { try EventFileReader(path: "/nonexistent/events.jsonl") }
    }

    @Test func oversizedRecordNamesTheLimit() {
        let record = EventRecord(value: Payload(type: .string, data: Array(repeating: 65, count: 2_000_000)))
        do {
            try RecordLimits.check(record, seq: 7)
            Issue.record("accepted an oversized record")
        } catch { #expect("\(error)".contains("record 7 is 2000000 bytes; the limit is 1048576")) }
    }

    @Test func templatesExpandPerRecord() throws {
        let template = try Template(#"{"id":"{{uuid}}","n":{{seq}},"r":{{rand_int 5 7}},"t":"{{now}}","ms":{{now_ms}},"u":"{{env USER_X}}"}"#, environment: ["USER_X": "ops"])
        let first = try template.expand(seq: 1), second = try template.expand(seq: 2)
        try JSONValidator.validate(first)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(first.utf8)) as? [String: Any])
        #expect(object["n"] as? Int == 1)
        #expect((5...7).contains(object["r"] as? Int ?? 0))
        #expect(object["u"] as? String == "ops")
        #expect((object["id"] as? String)?.count == 36)
        #expect((object["t"] as? String)?.hasSuffix("Z") == true)
        #expect(first != second)
        #expect(throws: InputError.self) { try Template("{{nope}}") }
        #expect(throws: InputError.self) { try Template("{{env MISSING_VAR_X}}", environment: [:]) }
        #expect(throws: InputError.self) { try Template("{{rand_int 9 1}}") }
        #expect(throws: InputError.self) { try Template("{{seq") }
    }

    @Test func templateSourceValidatesBeforeSending() throws {
        #expect(throws: InputError.self) { try TemplateSource(EventTemplate(valueType: .json, value: "{not json")) }
        let source = try TemplateSource(EventTemplate(valueType: .string, value: "n{{seq}}", key: "k{{seq}}"), count: 2)
        let first = try #require(try source.next())
        #expect(first.value == Payload(type: .string, data: Array("n1".utf8)))
        #expect(first.key == Payload(type: .string, data: Array("k1".utf8)))
        #expect(try source.next() != nil)
        #expect(try source.next() == nil)
    }

    @Test func wireEncoding() throws {
        let record = EventRecord(
            key: Payload(type: .string, data: Array("k\"1".utf8)),
            value: Payload(type: .binary, data: [0, 1, 255]),
            headers: [RecordHeader(name: "trace", value: Array("abc".utf8)), RecordHeader(name: "empty", value: nil)],
            partition: 1, timestamp: "2026-01-01T00:00:00Z")
        let bytes = RecordEncoding.produceRequest(record)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
        #expect((object["key"] as? [String: Any])?["data"] as? String == "k\"1")
        #expect((object["value"] as? [String: Any])?["data"] as? String == "AAH/")
        #expect((object["value"] as? [String: Any])?["type"] as? String == "BINARY")
        #expect(object["partition_id"] as? Int == 1)
        let headers = try #require(object["headers"] as? [[String: Any]])
        #expect(headers[0]["value"] as? String == "YWJj")
        #expect(headers[1]["value"] is NSNull)
        let batch = RecordEncoding.batchRequest([("1", record), ("2", EventRecord(value: Payload(type: .json, data: Array("{}".utf8))))])
        let parsed = try #require(try JSONSerialization.jsonObject(with: Data(batch)) as? [String: Any])
        let entries = try #require(parsed["entries"] as? [[String: Any]])
        #expect(entries.map { $0["id"] as? String } == ["1", "2"])
    }
}
