import Foundation
import Testing
@testable import IngestCore

/// The journal's pieces that need no files: the digest, the line parser, the pending window.
@Suite struct JournalFormatTests {
    /// A plain value digested from its bytes (a native file send's reading thread) names the
    /// same record as the value built into a record (replay, REST).
    @Test(arguments: ["", "{}", "{\"n\":1}", String(repeating: "x", count: 1000)])
    func aValuesDigestFromItsBytesIsTheRecordsDigest(value: String) {
        let bytes = Array(value.utf8)
        for type in [ValueType.json, .string] {
            let digest = bytes.withUnsafeBytes { RecordDigest(value: $0) }
            #expect(digest == RecordDigest(EventRecord(value: Payload(type: type, data: bytes))))
        }
        #expect(bytes.withUnsafeBytes { RecordDigest(value: $0) } != RecordDigest(EventRecord(key: Payload(type: .string, data: []), value: Payload(type: .json, data: bytes))))
    }

    /// Digests are compared across runs and releases (a replay checks its file against them):
    /// these are the digests journals already hold, pinned.
    @Test func digestsStayTheSameAcrossReleases() {
        let full = EventRecord(key: Payload(type: .string, data: Array("p-1".utf8)), value: Payload(type: .json, data: Array("{\"n\":1}".utf8)),
                               headers: [RecordHeader(name: "src", value: Array("ci".utf8)), RecordHeader(name: "none", value: nil)],
                               partition: 2, timestamp: "2026-11-25T03:00:00Z")
        let digests = [EventRecord(value: Payload(type: .json, data: Array("{\"n\":1}".utf8))), EventRecord(value: nil), full].map { RecordDigest($0).text }
        #expect(digests == ["xgVWNwuXDZ9mRgx1iPN9Nw", "Ssjefk98SAxO5jex8kCXqQ", "WkXkAe0UBHOEoYl9dyKYGg"])
    }

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

    /// `vectors_sip128` of the reference implementation (veorq/SipHash `vectors.h`): key
    /// 00..0f, messages 00..(n-1) for n = 0..63, fed whole and in uneven pieces.
    @Test func sipHashMatchesTheReferenceVectors() {
        let key = (UInt64(0x0706_0504_0302_0100), UInt64(0x0F0E_0D0C_0B0A_0908))
        let message = (0..<64).map { UInt8($0) }
        for (length, expected) in Self.sip128.enumerated() {
            var whole = SipHash128(key: key)
            message[..<length].withUnsafeBytes { whole.update($0) }
            var pieces = SipHash128(key: key)
            var at = 0
            for size in [3, 1, 9, 2, 16, 5, 64] where at < length {
                let end = min(length, at + size)
                message[at..<end].withUnsafeBytes { pieces.update($0) }
                at = end
            }
            let (first, second) = whole.finalize()
            let hex = [first, second].map { word in (0..<8).map { String(format: "%02x", (word >> UInt64(8 * $0)) & 0xFF) }.joined() }.joined()
            #expect(hex == expected, "length \(length)")
            #expect(pieces.finalize() == (first, second), "length \(length), in pieces")
        }
        // A whole word, fed as a number, is its eight little-endian bytes.
        var words = SipHash128(key: key)
        words.update(word: 0x0706_0504_0302_0100)
        var bytes = SipHash128(key: key)
        message[..<8].withUnsafeBytes { bytes.update($0) }
        #expect(words.finalize() == bytes.finalize())
    }

    static let sip128 = [
        "a3817f04ba25a8e66df67214c7550293", "da87c1d86b99af44347659119b22fc45", "8177228da4a45dc7fca38bdef60affe4", "9c70b60c5267a94e5f33b6b02985ed51",
        "f88164c12d9c8faf7d0f6e7c7bcd5579", "1368875980776f8854527a07690e9627", "14eeca338b208613485ea0308fd7a15e", "a1f1ebbed8dbc153c0b84aa61ff08239",
        "3b62a9ba6258f5610f83e264f31497b4", "264499060ad9baabc47f8b02bb6d71ed", "00110dc378146956c95447d3f3d0fbba", "0151c568386b6677a2b4dc6f81e5dc18",
        "d626b266905ef35882634df68532c125", "9869e247e9c08b10d029934fc4b952f7", "31fcefac66d7de9c7ec7485fe4494902", "5493e99933b0a8117e08ec0f97cfc3d9",
        "6ee2a4ca67b054bbfd3315bf85230577", "473d06e8738db89854c066c47ae47740", "a426e5e423bf4885294da481feaef723", "78017731cf65fab074d5208952512eb1",
        "9e25fc833f2290733e9344a5e83839eb", "568e495abe525a218a2214cd3e071d12", "4a29b54552d16b9a469c10528eff0aae", "c9d184ddd5a9f5e0cf8ce29a9abf691c",
        "2db479ae78bd50d8882a8a178a6132ad", "8ece5f042d5e447b5051b9eacb8d8f6f", "9c0b53b4b3c307e87eaee08678141f66", "abf248af69a6eae4bfd3eb2f129eeb94",
        "0664da1668574b88b935f3027358aef4", "aa4b9dc4bf337de90cd4fd3c467c6ab7", "ea5c7f471faf6bde2b1ad7d4686d2287", "2939b0183223fafc1723de4f52c43d35",
        "7c3956ca5eeafc3e363e9d556546eb68", "77c6077146f01c32b6b69d5f4ea9ffcf", "37a6986cb8847edf0925f0f1309b54de", "a705f0e69da9a8f907241a2e923c8cc8",
        "3dc47d1f29c448461e9e76ed904f6711", "0d62bf01e6fc0e1a0d3c4751c5d3692b", "8c03468bca7c669ee4fd5e084bbee7b5", "528a5bb93baf2c9c4473cce5d0d22bd9",
        "df6a301e95c95dad97ae0cc8c6913bd8", "801189902c857f39e73591285e70b6db", "e617346ac9c231bb3650ae34ccca0c5b", "27d93437efb721aa401821dcec5adf89",
        "89237d9ded9c5e78d8b1c9b166cc7342", "4a6d8091bf5e7d651189fa94a250b14c", "0e33f96055e7ae893ffc0e3dcf492902", "e61c432b720b19d18ec8d84bdc63151b",
        "f7e5aef549f782cf379055a608269b16", "438d030fd0b7a54fa837f2ad201a6403", "a590d3ee4fbf04e3247e0d27f286423f", "5fe2c1a172fe93c4b15cd37caef9f538",
        "2c97325cbd06b36eb2133dd08b3a017c", "92c814227a6bca949ff0659f002ad39e", "dce850110bd8328cfbd50841d6911d87", "67f14984c7da791248e32bb5922583da",
        "1938f2cf72d54ee97e94166fa91d2a36", "74481e9646ed49fe0f6224301604698e", "57fca5de98a9d6d8006438d0583d8a1d", "9fecde1cefdc1cbed4763674d9575359",
        "e3040c00eb28f15366ca73cbd872e740", "7697009a6a831dfecca91c5993670f7a", "5853542321f567a005d547a4f04759bd", "5150d1772f50834a503e069a973fbd7c",
    ]

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
