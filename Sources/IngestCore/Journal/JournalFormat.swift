import Foundation

/// The journal's lines, second format (JSON Lines, one object per line):
///
/// - header, first line of a run's file and appended to the runs index:
///   `{"journal":2,"run":"3f2a9c1e","time":"2026-…Z","start_ms":…,"profile":…,"profile_file":…,
///   "environment":…,"topic":…,"transport":…,"mode":…,"source":…,"format":…,"value_type":…,
///   "reason":…,"values":false}`
/// - entry, one per record: `{"s":seq,"t":ms since start,"o":"d","p":partition,"off":offset,
///   "n":size,"h":digest}`; failed `"o":"f","code":…,"msg":…`; unknown `"o":"u","msg":…`; with
///   kept values `"r":"the produce request, as a JSON string"`
/// - footer, last line of a run's file and appended to the index: `{"run":…,"end":"…Z",
///   "end_ms":…,"delivered":…,"failed":…,"unknown":…,"entries":…,"stop_reason":…}`, with
///   `"recovered":true` when a reader wrote it for a run whose process was killed.
enum JournalFormat {
    static let version = 2

    // MARK: writing

    static func header(id: String, info: JournalRunInfo, startMilliseconds: Int64, keepValues: Bool, imported: Bool = false) -> [UInt8] {
        var out = Array("{\"journal\":\(version),\"run\":".utf8)
        RecordEncoding.appendString(id, to: &out)
        out += ",\"time\":".utf8
        RecordEncoding.appendString(isoTime(startMilliseconds), to: &out)
        out += ",\"start_ms\":".utf8
        appendDecimal(startMilliseconds, to: &out)
        func field(_ name: String, _ value: String?) {
            guard let value else { return }
            out += ",\"\(name)\":".utf8
            RecordEncoding.appendString(value, to: &out)
        }
        field("profile", info.profile)
        field("profile_file", info.profileFile)
        field("environment", info.environment)
        field("topic", info.topic)
        field("transport", info.transport)
        field("mode", info.mode)
        field("source", info.source)
        field("format", info.format)
        field("value_type", info.valueType)
        field("reason", info.reason)
        out += ",\"values\":\(keepValues)".utf8
        if imported { out += ",\"imported\":true".utf8 }
        out += "}\n".utf8
        return scrubbed(out)
    }

    static func footer(id: String, _ footer: JournalFooter) -> [UInt8] {
        var out = Array("{\"run\":".utf8)
        RecordEncoding.appendString(id, to: &out)
        out += ",\"end\":".utf8
        RecordEncoding.appendString(isoTime(footer.endMilliseconds), to: &out)
        out += (",\"end_ms\":\(footer.endMilliseconds),\"delivered\":\(footer.delivered),\"failed\":\(footer.failed),"
            + "\"unknown\":\(footer.unknown),\"entries\":\(footer.entries)").utf8
        if let bytes = footer.bytesBefore { out += ",\"bytes\":\(bytes)".utf8 }
        if let stopReason = footer.stopReason {
            out += ",\"stop_reason\":".utf8
            RecordEncoding.appendString(stopReason, to: &out)
        }
        if footer.recovered { out += ",\"recovered\":true".utf8 }
        out += "}\n".utf8
        return scrubbed(out)
    }

    @inline(__always)
    static func appendDecimal(_ value: Int64, to out: inout [UInt8]) {
        if value >= 0 && value < 10 {
            out.append(UInt8(truncatingIfNeeded: 48 + value))
            return
        }
        if value < 0 { out.append(UInt8(ascii: "-")) }
        var magnitude = value.magnitude
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in
            var at = 20
            repeat {
                at -= 1
                digits[at] = UInt8(truncatingIfNeeded: 48 + magnitude % 10)
                magnitude /= 10
            } while magnitude > 0
            out.append(contentsOf: UnsafeBufferPointer(rebasing: digits[at..<20]))
        }
    }

    static func scrubbed(_ bytes: [UInt8]) -> [UInt8] {
        Array(SecretScrubber.scrub(String(decoding: bytes, as: UTF8.self)).utf8)
    }

    // MARK: reading

    static func isHeader(_ line: JournalLine) -> Bool { line.has("journal") && line.has("run") }
    static func isFooter(_ line: JournalLine) -> Bool { line.has("end") && line.has("run") }

    static func info(_ header: JournalLine) -> JournalRunInfo {
        JournalRunInfo(profile: header.string("profile") ?? "?", profileFile: header.string("profile_file"),
                       environment: header.string("environment") ?? "?", topic: header.string("topic") ?? "?",
                       transport: header.string("transport") ?? "?", mode: header.string("mode") ?? "?",
                       source: header.string("source") ?? "data", format: header.string("format"),
                       valueType: header.string("value_type"), reason: header.string("reason"))
    }

    static func summary(header: JournalLine) -> JournalRunSummary? {
        guard let id = header.string("run") else { return nil }
        let start = Int64(header.int("start_ms") ?? 0)
        return JournalRunSummary(
            id: id, info: info(header), time: header.string("time") ?? isoTime(start), startMilliseconds: start,
            keepsValues: header.bool("values") ?? false, delivered: 0, failed: 0, unknown: 0, state: .running, stopReason: nil, bytes: 0)
    }

    static func entry(_ line: JournalLine, startMilliseconds: Int64) -> JournalRecordEntry? {
        guard let seq = line.int("s"), let kind = line.string("o") else { return nil }
        let outcome: Outcome
        switch kind {
        case "d": outcome = .delivered(partition: line.int("p") ?? -1, offset: Int64(line.int("off") ?? -1), timestamp: nil)
        case "f": outcome = .failed(code: line.int("code") ?? 0, message: line.string("msg") ?? "")
        case "u": outcome = .unknown(message: line.string("msg") ?? "")
        default: return nil
        }
        var value: [UInt8]?
        if let raw = line.raw("r") {
            value = raw.first == UInt8(ascii: "\"") ? JournalLine.decodeString(raw).map { Array($0.utf8) } : Array(raw)
        }
        return JournalRecordEntry(seq: seq, milliseconds: startMilliseconds + Int64(line.int("t") ?? 0), outcome: outcome,
                                  size: line.int("n"), digest: line.string("h"), value: value)
    }

    /// Counts of the entries in a run file with no footer, and when the last was written.
    static func countEntries(_ path: String, startMilliseconds: Int64) throws -> (delivered: Int, failed: Int, unknown: Int, lastMilliseconds: Int64) {
        var counts = (delivered: 0, failed: 0, unknown: 0, lastMilliseconds: startMilliseconds)
        try JournalFiles.readLines(path) { line in
            guard let kind = line.string("o") else { return }
            switch kind {
            case "d": counts.delivered += 1
            case "f": counts.failed += 1
            case "u": counts.unknown += 1
            default: return
            }
            counts.lastMilliseconds = max(counts.lastMilliseconds, startMilliseconds + Int64(line.int("t") ?? 0))
        }
        return counts
    }

    // MARK: time

    static func nowMilliseconds() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Int64(now.tv_sec) * 1000 + Int64(now.tv_nsec) / 1_000_000
    }

    /// `2026-11-25T03:00:00.123Z`, from whole milliseconds (a Double would round .123 to .122).
    static func isoTime(_ milliseconds: Int64) -> String {
        let (days, inDay) = milliseconds.quotientAndRemainder(dividingBy: 86_400_000)
        let (day, millis) = inDay < 0 ? (days - 1, inDay + 86_400_000) : (days, inDay)
        // Howard Hinnant's civil_from_days.
        let z = day + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let dayOfMonth = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        func pad(_ value: Int64, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(dayOfMonth, 2))T\(pad(millis / 3_600_000, 2)):\(pad(millis / 60000 % 60, 2)):"
            + "\(pad(millis / 1000 % 60, 2)).\(pad(millis % 1000, 3))Z"
    }

    /// Milliseconds since 1970 of `2026-11-25T03:00:00.123Z` (the journal's own format only).
    static func milliseconds(iso text: String) -> Int64? {
        let bytes = Array(text.utf8)
        guard bytes.count >= 20, bytes[4] == UInt8(ascii: "-"), bytes[10] == UInt8(ascii: "T") else { return nil }
        func number(_ range: Range<Int>) -> Int64? {
            var value: Int64 = 0
            for index in range {
                guard index < bytes.count, bytes[index] >= 48, bytes[index] <= 57 else { return nil }
                value = value * 10 + Int64(bytes[index] - 48)
            }
            return value
        }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10), let hour = number(11..<13),
              let minute = number(14..<16), let second = number(17..<19) else { return nil }
        let millis = bytes[19] == UInt8(ascii: ".") ? number(20..<23) ?? 0 : 0
        // Days from 1970-01-01 to the date (Howard Hinnant's days_from_civil).
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        let days = era * 146_097 + dayOfEra - 719_468
        return ((days * 24 + hour) * 60 + minute) * 60_000 + second * 1000 + millis
    }
}

/// A run's footer: how it ended.
struct JournalFooter: Equatable {
    var endMilliseconds: Int64
    var delivered: Int
    var failed: Int
    var unknown: Int
    /// Entries written (a failed write is not counted).
    var entries: Int
    var stopReason: String?
    /// Written by a reader for a run whose process died before its end.
    var recovered: Bool
    /// The size of the run's file before its footer, so a listing needs no `stat` per run.
    var bytesBefore: Int?
    /// The footer line's own length as read, newline included.
    var lineBytes = 0

    var fileBytes: Int? { bytesBefore.map { $0 + lineBytes } }

    init(endMilliseconds: Int64, delivered: Int, failed: Int, unknown: Int, entries: Int, stopReason: String?, recovered: Bool, bytesBefore: Int?) {
        self.endMilliseconds = endMilliseconds
        self.delivered = delivered
        self.failed = failed
        self.unknown = unknown
        self.entries = entries
        self.stopReason = stopReason
        self.recovered = recovered
        self.bytesBefore = bytesBefore
    }

    init?(_ line: JournalLine) {
        guard JournalFormat.isFooter(line) else { return nil }
        self.init(endMilliseconds: Int64(line.int("end_ms") ?? 0), delivered: line.int("delivered") ?? 0, failed: line.int("failed") ?? 0,
                  unknown: line.int("unknown") ?? 0, entries: line.int("entries") ?? 0, stopReason: line.string("stop_reason"),
                  recovered: line.bool("recovered") ?? false, bytesBefore: line.int("bytes"))
        lineBytes = line.bytes.count + 1
    }

    func apply(to summary: inout JournalRunSummary) {
        summary.delivered = delivered
        summary.failed = failed
        summary.unknown = unknown
        summary.stopReason = stopReason
        summary.state = recovered ? .killed : .finished
        if let fileBytes { summary.bytes = fileBytes }
    }
}
