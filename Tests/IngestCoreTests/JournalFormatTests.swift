import Foundation
import Testing
@testable import IngestCore

/// The journal's pieces that need no files: the digest, the line parser, the pending window.
@Suite struct JournalFormatTests {
    @Test func theDigestIdentifiesKeyValueAndHeaders() {
        let base = EventRecord(key: Payload(type: .string, data: Array("ab".utf8)), value: Payload(type: .json, data: Array("{}".utf8)),
                               headers: [RecordHeader(name: "h", value: [1])])
        var variants: [EventRecord] = []
        var record = base
        record.key = Payload(type: .string, data: Array("a".utf8)); record.value = Payload(type: .json, data: Array("b{}".utf8))
        variants.append(record) // the same bytes, split differently between key and value
        record = base; record.key = nil; variants.append(record)
        record = base; record.value = Payload(type: .json, data: Array("[]".utf8)); variants.append(record)
        record = base; record.value = nil; variants.append(record)
        record = base; record.headers = []; variants.append(record)
        record = base; record.headers = [RecordHeader(name: "h", value: nil)]; variants.append(record)
        record = base; record.headers = [RecordHeader(name: "h", value: [])]; variants.append(record)
        record = base; record.headers = [RecordHeader(name: "g", value: [1])]; variants.append(record)
        record = base; record.partition = 0; variants.append(record)
        record = base; record.timestamp = "2026-11-25T03:00:00Z"; variants.append(record)
        let digests = Set(([base] + variants).map { RecordDigest($0) })
        #expect(digests.count == variants.count + 1)
        // What lands in Kafka, not how the REST body would type it.
        var typed = base
        typed.value = Payload(type: .string, data: Array("{}".utf8))
        #expect(RecordDigest(typed) == RecordDigest(base))
        #expect(RecordDigest(base) == RecordDigest(EventRecord(key: base.key, value: base.value, headers: base.headers)))
    }

    @Test func digestTextRoundTrips() {
        for n in 0..<200 {
            let digest = RecordDigest(EventRecord(value: Payload(type: .json, data: Array("\(n)".utf8))))
            #expect(digest.text.count == 22)
            #expect(RecordDigest(text: digest.text) == digest)
        }
        #expect(RecordDigest(high: 0, low: 0).text == "AAAAAAAAAAAAAAAAAAAAAA")
        #expect(RecordDigest(high: .max, low: .max).text == "_____________________w")
        #expect(RecordDigest(text: "_____________________w") == RecordDigest(high: .max, low: .max))
        #expect(RecordDigest(text: "_____________________x") == nil, "bits past the 128th")
        #expect(RecordDigest(text: "short") == nil)
    }

    @Test func linesParseExactlyOrNotAtAll() throws {
        let line = try #require(JournalLine(ArraySlice("{\"s\":12,\"o\":\"f\",\"msg\":\"a \\\"b\\\"\\n\\u00e9\\ud83d\\ude00\",\"r\":\"{\\\"v\\\":1}\",\"x\":{\"a\":[1,\"}\"]},\"n\":-3,\"b\":true,\"z\":null}".utf8)))
        #expect(line.int("s") == 12 && line.int("n") == -3 && line.bool("b") == true)
        #expect(line.string("msg") == "a \"b\"\né😀")
        #expect(line.string("r") == "{\"v\":1}")
        #expect(line.raw("x").map { String(decoding: $0, as: UTF8.self) } == "{\"a\":[1,\"}\"]}")
        #expect(line.raw("z") == nil && line.string("missing") == nil)
        // Torn, glued to a fragment, or foreign: refused whole.
        for text in ["{\"s\":12,\"o\":\"d\",\"p\":", "{\"s\":1,\"t\":2,\"o\":\"d{\"journal\":2,\"run\":\"ab\"}", "{\"s\":1}{\"s\":2}",
                     "garbage", "", "{\"s\":1,}", "{\"s\":01x}", "[1,2]", "{\"s\":\"a\nb\"}"] {
            #expect(JournalLine(ArraySlice(text.utf8)) == nil, "\(text)")
        }
    }

    @Test func pendingRecordsComeBackInAnyOrder() {
        var pending = PendingRecords()
        func entry(_ n: Int) -> PendingRecord { PendingRecord(digest: RecordDigest(high: UInt64(n), low: 0), size: n, value: nil) }
        for seq in 1...10_000 { pending.insert(seq: seq, entry(seq)) }
        // Reports by partition: every third first, then the rest backwards.
        for seq in stride(from: 3, through: 10_000, by: 3) { #expect(pending.remove(seq: seq)?.size == seq) }
        for seq in (1...10_000).reversed() where seq % 3 != 0 { #expect(pending.remove(seq: seq)?.size == seq) }
        #expect(pending.count == 0)
        #expect(pending.remove(seq: 5) == nil, "reported twice")
        // A seq behind the window, and one far ahead.
        pending.insert(seq: 20_000, entry(1))
        pending.insert(seq: 100, entry(2))
        pending.insert(seq: 20_000 + PendingRecords.maximumWindow * 2, entry(3))
        #expect(pending.remove(seq: 100)?.size == 2 && pending.remove(seq: 20_000)?.size == 1)
        #expect(pending.remove(seq: 20_000 + PendingRecords.maximumWindow * 2)?.size == 3)
        #expect(pending.count == 0)
    }

    @Test func aRecordNeverAnsweredDoesNotHoldTheWindowOpen() {
        var pending = PendingRecords()
        let stuck = PendingRecord(digest: RecordDigest(high: 1, low: 1), size: 1, value: nil)
        pending.insert(seq: 1, stuck)
        for seq in 2...(PendingRecords.maximumWindow + 100) {
            pending.insert(seq: seq, stuck)
            _ = pending.remove(seq: seq)
        }
        #expect(pending.count == 1)
        #expect(pending.remove(seq: 1)?.size == 1)
    }

    @Test func journalTimesParseAndPrint() {
        #expect(JournalFormat.milliseconds(iso: "1970-01-01T00:00:00.000Z") == 0)
        #expect(JournalFormat.milliseconds(iso: "2026-11-25T03:00:00.123Z") == 1_795_575_600_123)
        #expect(JournalFormat.milliseconds(iso: "2024-02-29T23:59:59Z") == 1_709_251_199_000)
        #expect(JournalFormat.isoTime(1_795_575_600_123) == "2026-11-25T03:00:00.123Z")
        #expect(JournalFormat.milliseconds(iso: "yesterday") == nil)
        // Every day of four years, against Foundation's calendar.
        let formatter = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
        for day in stride(from: Int64(19_000), to: 20_461, by: 1) {
            let milliseconds = day * 86_400_000 + (day * 7_919_000 + 456) % 86_400_000
            let text = JournalFormat.isoTime(milliseconds)
            #expect(text == Date(timeIntervalSince1970: Double(milliseconds / 1000)).formatted(formatter).replacingOccurrences(of: ".000Z", with: String(format: ".%03dZ", milliseconds % 1000)))
            #expect(JournalFormat.milliseconds(iso: text) == milliseconds)
        }
    }

    @Test func decimalsAreWrittenWithoutFoundation() {
        for value: Int64 in [0, 7, 10, 99, 12_345, -1, -40403, .max, .min + 1] {
            var out: [UInt8] = []
            JournalFormat.appendDecimal(value, to: &out)
            #expect(String(decoding: out, as: UTF8.self) == String(value))
        }
    }
}
