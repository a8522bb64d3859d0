import Foundation

/// A run's context, written once in its header rather than on every record.
public struct JournalRunInfo: Sendable, Equatable {
    public var profile: String
    /// The profile's file, so a replay uses the same profile even when it was given by path.
    public var profileFile: String?
    public var environment: String
    public var topic: String
    /// `rest` or `native`.
    public var transport: String
    /// `single`, `batch`, `stream` or `native`.
    public var mode: String
    /// `data`, `file:/abs/path` (replay re-reads it), `replay:<run>`, `resend`...
    public var source: String
    public var format: String?
    public var valueType: String?
    /// Why the run was made, in the operator's or a caller's words.
    public var reason: String?

    public init(profile: String, profileFile: String?, environment: String, topic: String, transport: String, mode: String,
                source: String, format: String? = nil, valueType: String? = nil, reason: String? = nil) {
        self.profile = profile
        self.profileFile = profileFile
        self.environment = environment
        self.topic = topic
        self.transport = transport
        self.mode = mode
        self.source = source
        self.format = format
        self.valueType = valueType
        self.reason = reason
    }

    public init(profile: Profile, topic: String, transport: String, mode: String, source: String,
                format: String? = nil, valueType: String? = nil, reason: String? = nil) {
        self.init(profile: profile.name, profileFile: profile.source, environment: profile.environment.rawValue, topic: topic,
                  transport: transport, mode: mode, source: source, format: format, valueType: valueType, reason: reason)
    }
}

/// A run as `ingest journal` lists it: its context and how it ended, read from the runs index
/// without reading its records (except for a run that was killed, counted once and noted).
public struct JournalRunSummary: Sendable, Equatable {
    public enum State: String, Sendable {
        /// Ended with a footer.
        case finished
        /// Its process ended without a footer: the counts are those of the entries written.
        case killed
        /// Its process is still writing it: the counts so far.
        case running
    }

    public var id: String
    public var info: JournalRunInfo
    /// ISO-8601, and the same instant in milliseconds since 1970.
    public var time: String
    public var startMilliseconds: Int64
    public var keepsValues: Bool
    public var delivered: Int
    public var failed: Int
    public var unknown: Int
    public var state: State
    public var stopReason: String?
    /// The size of the run's file.
    public var bytes: Int

    public func count(_ outcome: String) -> Int {
        switch outcome {
        case "delivered": return delivered
        case "failed": return failed
        case "unknown": return unknown
        default: return 0
        }
    }
}

/// One record's entry, read back.
public struct JournalRecordEntry: Sendable, Equatable {
    public var seq: Int
    /// When the entry was written, in milliseconds since 1970.
    public var milliseconds: Int64
    /// The outcome; a delivered record's Kafka timestamp is not kept.
    public var outcome: Outcome
    /// The record's size (key, value, headers) and digest, when the writer saw it before it was sent.
    public var size: Int?
    /// `RecordDigest.text`, or `sha256:<hex>` in runs imported from the first format.
    public var digest: String?
    /// The produce request (JSON) when the run kept values.
    public var value: [UInt8]?
}
