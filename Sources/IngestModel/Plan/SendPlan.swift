import Foundation

/// How the REST proxy is asked: one request per record, `records:batch`, or one chunked stream.
public enum RestMode: String, Sendable, CaseIterable, Equatable {
    case single, batch, stream
}

/// Which way records reach Kafka.
public enum Transport: Sendable, Hashable {
    case rest(RestMode)
    /// Our own Kafka producer (SASL_SSL, SCRAM-SHA-512).
    case native

    public static let allCases: [Transport] = [.rest(.single), .rest(.batch), .rest(.stream), .native]

    /// "rest" or "native".
    public var name: String {
        switch self {
        case .rest: "rest"
        case .native: "native"
        }
    }

    /// "single", "batch", "stream" or "native": the one word the journal and the console show.
    public var modeName: String {
        switch self {
        case .rest(let mode): mode.rawValue
        case .native: "native"
        }
    }

    /// The inverse of `modeName`.
    public init?(modeName: String) {
        if modeName == "native" {
            self = .native
        } else if let mode = RestMode(rawValue: modeName) {
            self = .rest(mode)
        } else {
            return nil
        }
    }
}

/// How a file of events is read.
public enum FileFormat: String, Sendable, CaseIterable, Equatable {
    case auto, jsonl, array, lines
}

/// Where a send takes its records from.
public enum PlanSource: Sendable, Equatable {
    /// One templated event, `count` times.
    case template(EventTemplate, count: Int)
    /// A file of events, read incrementally.
    case file(path: String, format: FileFormat, valueType: ValueType)
    /// Records given as they are (a replay or a re-send); `origin` names them in the journal.
    case records([EventRecord], origin: String)

    /// How the journal names the source: `data`, `file:PATH`, or the origin.
    public var journalName: String {
        switch self {
        case .template: "data"
        case .file(let path, _, _): "file:" + path
        case .records(_, let origin): origin
        }
    }

    /// The number of records, when it is known before reading.
    public var knownCount: Int? {
        switch self {
        case .template(_, let count): count
        case .file: nil
        case .records(let records, _): records.count
        }
    }
}

public struct SendOptions: Sendable, Equatable {
    /// Records per second; nil sends as fast as the transport allows.
    public var ratePerSecond: Double?
    /// Unanswered records allowed in a stream; nil takes the profile's.
    public var window: Int?
    /// REST: seconds to wait for an answer once a request is written. Native: how long a record
    /// may be retried (the delivery timeout). Nil takes the default of each.
    public var timeoutSeconds: Int?
    /// REST single and batch: requests in flight at once; nil takes the profile's.
    public var concurrency: Int?
    /// REST: how long a record the server refuses for now (429, 503, a stream's 408) may be
    /// sent again; past it, it fails with the last refusal. Nil: `defaultDeliveryTimeoutSeconds`.
    public var deliveryTimeoutSeconds: Int?
    public var maximumRecordBytes = RecordLimits.maximumRecordBytes
    /// Stop reading records after this long (a load test: `--duration 30s`); records already
    /// sent still get their outcomes.
    public var durationSeconds: Double?
    /// Native: how record batches are compressed; nil takes the profile's.
    public var compression: Compression?

    public static let defaultDeliveryTimeoutSeconds = 120

    public init(ratePerSecond: Double? = nil, window: Int? = nil, timeoutSeconds: Int? = nil, compression: Compression? = nil,
                durationSeconds: Double? = nil, concurrency: Int? = nil, deliveryTimeoutSeconds: Int? = nil) {
        self.ratePerSecond = ratePerSecond
        self.window = window
        self.timeoutSeconds = timeoutSeconds
        self.compression = compression
        self.durationSeconds = durationSeconds
        self.concurrency = concurrency
        self.deliveryTimeoutSeconds = deliveryTimeoutSeconds
    }
}

/// Everything a send needs to know, decided before anything is sent.
public struct SendPlan: Sendable, Equatable {
    /// The full topic name (prefix included), already checked.
    public var topic: String
    public var source: PlanSource
    public var transport: Transport
    public var options: SendOptions

    public init(topic: String, source: PlanSource, transport: Transport, options: SendOptions = SendOptions()) {
        self.topic = topic
        self.source = source
        self.transport = transport
        self.options = options
    }

    /// One line for a status bar or a log: what goes where, how.
    public var summary: String {
        let what: String
        switch source {
        case .template(_, let count): what = count == 1 ? "1 composed record" : "\(count) composed records"
        case .file(let path, _, _): what = "file \(path)"
        case .records(let records, let origin): what = "\(records.count) records of \(origin)"
        }
        var how = transport.modeName
        if let rate = options.ratePerSecond { how += " \(SendPlan.format(rate))/s" }
        if transport == .rest(.stream), let window = options.window { how += " window \(window)" }
        return "\(what), \(how) → \(topic)"
    }

    static func format(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
    }
}

/// What a send came to. `ledger.total` is the number of records sent.
public struct SendResult: Sendable {
    public var ledger: DeliveryLedger
    /// Why the run stopped early, if it did.
    public var stopReason: String?
    /// The run stopped on bad input (an event that could not be read or built).
    public var inputError: InputError?
    public var elapsedSeconds: Double
    /// REST stream: requests the stream took.
    public var segments = 0
    /// REST stream: what it found about the path (`StreamFlow.pathSummary`).
    public var streamPath: String?
    /// REST stream: the most records unanswered at once (how far the window opened).
    public var streamPeakUnanswered = 0
    /// How often the server throttled the send and how long sending waited for it.
    public var throttle = ThrottleSummary()

    public init(ledger: DeliveryLedger = DeliveryLedger(), stopReason: String? = nil, inputError: InputError? = nil, elapsedSeconds: Double = 0) {
        self.ledger = ledger
        self.stopReason = stopReason
        self.inputError = inputError
        self.elapsedSeconds = elapsedSeconds
    }

    public var recordsPerSecond: Double { elapsedSeconds > 0 ? Double(ledger.total) / elapsedSeconds : 0 }

    /// `delivered 998, failed 1, unknown 1 (2417 records/s, latency p50 1.20 ms, p99 4.80 ms)`
    public var summaryLine: String {
        var summary = ledger.summaryLine
        if let p50 = ledger.percentileMilliseconds(50), let p99 = ledger.percentileMilliseconds(99) {
            summary += String(format: " (%.0f records/s, latency p50 %.2f ms, p99 %.2f ms)", recordsPerSecond, p50, p99)
        }
        if throttle.times > 0 { summary += "; " + throttle.description }
        return summary
    }
}
