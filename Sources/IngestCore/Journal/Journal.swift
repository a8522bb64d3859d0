import Crypto
import Foundation
import NIOConcurrencyHelpers

/// One line of the journal: what was sent where, and how it ended. Values only when the
/// profile opts in (`journal_values = true`); otherwise a digest and a size identify the record.
public struct JournalEntry: Codable, Sendable, Equatable {
    public var time: String
    public var run: String
    public var profile: String
    /// The profile's file, so a replay uses the same profile even when it was given by path.
    public var profile_file: String?
    public var environment: String
    public var topic: String
    public var transport: String
    public var mode: String
    public var seq: Int
    public var digest: String
    public var size: Int
    public var outcome: String
    public var partition: Int?
    public var offset: Int64?
    public var error_code: Int?
    public var message: String?
    /// `file:PATH` when the records came from a file (replay re-reads it), `data` otherwise.
    public var source: String
    public var format: String?
    public var value_type: String?
    /// The produce request as sent, only with `journal_values = true`.
    public var record: String?
    /// Why the run was made (`--reason`, asked in the console when the profile requires one).
    public var reason: String?
}

extension JournalEntry {
    /// The entry as one JSON object, keys sorted, written by hand: JSONEncoder cost more than
    /// the send itself at stream rates.
    public var jsonLine: String {
        func string(_ value: String) -> String { RecordEncoding.jsonString(value) }
        var fields: [String] = ["\"digest\":\(string(digest))", "\"environment\":\(string(environment))"]
        if let error_code { fields.append("\"error_code\":\(error_code)") }
        if let format { fields.append("\"format\":\(string(format))") }
        if let message { fields.append("\"message\":\(string(message))") }
        fields.append("\"mode\":\(string(mode))")
        if let offset { fields.append("\"offset\":\(offset)") }
        fields.append("\"outcome\":\(string(outcome))")
        if let partition { fields.append("\"partition\":\(partition)") }
        fields.append("\"profile\":\(string(profile))")
        if let reason { fields.append("\"reason\":\(string(reason))") }
        if let profile_file { fields.append("\"profile_file\":\(string(profile_file))") }
        if let record { fields.append("\"record\":\(string(record))") }
        fields.append(contentsOf: ["\"run\":\(string(run))", "\"seq\":\(seq)", "\"size\":\(size)", "\"source\":\(string(source))",
                                   "\"time\":\(string(time))", "\"topic\":\(string(topic))", "\"transport\":\(string(transport))"])
        if let value_type { fields.append("\"value_type\":\(string(value_type))") }
        return "{" + fields.joined(separator: ",") + "}"
    }
}

/// Context shared by every entry of one run.
public struct JournalRun: Sendable {
    public var id: String
    public var profile: Profile
    public var topic: String
    public var transport: String
    public var mode: String
    public var source: String
    public var format: String?
    public var valueType: String?
    public var reason: String?

    public init(profile: Profile, topic: String, transport: String, mode: String, source: String, format: String? = nil, valueType: String? = nil,
                reason: String? = nil) {
        self.id = String(UUID().uuidString.lowercased().prefix(8))
        self.profile = profile
        self.topic = topic
        self.transport = transport
        self.mode = mode
        self.source = source
        self.format = format
        self.valueType = valueType
        self.reason = reason
    }
}

/// Appends to `$XDG_STATE_HOME/ingest/journal.jsonl`. Each entry is one `write(2)` of a whole
/// line, so a killed process loses at most the record in flight; readers skip a torn last line.
public final class Journal: Sendable {
    public let path: String
    private let fd: Int32
    private let pending = NIOLockedValueBox<[Int: (digest: String, size: Int, record: String?)]>([:])
    private let run: JournalRun
    private let clock = TimestampClock()

    public static func defaultDirectory(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let dir = environment["INGEST_STATE_DIR"], !dir.isEmpty { return dir }
        if let state = environment["XDG_STATE_HOME"], !state.isEmpty { return state + "/ingest" }
        return (environment["HOME"] ?? NSTemporaryDirectory()) + "/.local/state/ingest"
    }

    public init(run: JournalRun, directory: String = Journal.defaultDirectory()) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        path = directory + "/journal.jsonl"
        fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw InputError("cannot open the journal \(path): \(String(cString: strerror(errno)))") }
        self.run = run
    }

    deinit { close(fd) }

    /// Called when a record is read, before it is sent, with its encoded produce request.
    public func willSend(seq: Int, record: EventRecord, request: [UInt8]) {
        let digest = Self.digest(request)
        let stored = run.profile.journalValues ? String(decoding: request, as: UTF8.self) : nil
        pending.withLockedValue { $0[seq] = (digest, record.approximateSize, stored) }
    }

    /// `sha256:<hex>` of a record's produce request: how the journal and replay recognise it.
    public static func digest(_ request: [UInt8]) -> String {
        let hex = Array("0123456789abcdef".utf8)
        var out = Array("sha256:".utf8)
        for byte in SHA256.hash(data: request) {
            out.append(hex[Int(byte >> 4)])
            out.append(hex[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Called with each record's outcome.
    public func record(_ report: DeliveryReport) {
        let known = pending.withLockedValue { $0.removeValue(forKey: report.seq) }
        var entry = JournalEntry(
            time: clock.timestamp(), run: run.id,
            profile: run.profile.name, profile_file: run.profile.source, environment: run.profile.environment.rawValue, topic: run.topic,
            transport: run.transport, mode: run.mode, seq: report.seq, digest: known?.digest ?? "", size: known?.size ?? 0,
            outcome: report.outcome.name, source: run.source, format: run.format, value_type: run.valueType, record: known?.record,
            reason: run.reason)
        switch report.outcome {
        case .delivered(let partition, let offset, _):
            entry.partition = partition
            entry.offset = offset
        case .failed(let code, let message):
            entry.error_code = code
            entry.message = message
        case .unknown(let message):
            entry.message = message
        }
        writeAll(fd, Array((SecretScrubber.scrub(entry.jsonLine) + "\n").utf8))
    }

    /// Every readable entry, oldest first; a torn or foreign line is skipped and counted.
    public static func read(path: String, _ body: (JournalEntry) throws -> Void) throws -> Int {
        guard let handle = FileHandle(forReadingAtPath: path) else { return 0 }
        defer { try? handle.close() }
        var skipped = 0
        var buffer: [UInt8] = []
        let decoder = JSONDecoder()
        func consume(_ line: ArraySlice<UInt8>) throws {
            guard !line.isEmpty else { return }
            if let entry = try? decoder.decode(JournalEntry.self, from: Data(line)) { try body(entry) } else { skipped += 1 }
        }
        while let data = try handle.read(upToCount: 256 * 1024), !data.isEmpty {
            buffer.append(contentsOf: data)
            var start = 0
            while let newline = buffer[start...].firstIndex(of: 0x0A) {
                try consume(buffer[start..<newline])
                start = newline + 1
            }
            buffer.removeFirst(start)
        }
        try consume(buffer[...])
        return skipped
    }
}
