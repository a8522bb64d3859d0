import Foundation

/// A profile's limits on what one send may do (`[limits]` in the profile), checked before
/// anything is sent: a refusal sends nothing and names the limit.
public struct SendLimits: Sendable, Equatable {
    public var maxRecordsPerSend: Int?
    /// Full topic names (the profile's short names already prefixed); empty allows any.
    public var allowedTopics: [String] = []
    /// A reason must be given (`--reason`, asked in the console) and is kept in the journal.
    public var requireReason = false
    /// After this many minutes without a send, the console asks for the confirmation again.
    public var confirmIdleMinutes: Int?

    public init(maxRecordsPerSend: Int? = nil, allowedTopics: [String] = [], requireReason: Bool = false, confirmIdleMinutes: Int? = nil) {
        self.maxRecordsPerSend = maxRecordsPerSend
        self.allowedTopics = allowedTopics
        self.requireReason = requireReason
        self.confirmIdleMinutes = confirmIdleMinutes
    }

    public var isEmpty: Bool { self == SendLimits() }

    /// What a send would do, as far as the limits care.
    public struct Request: Sendable, Equatable {
        public var topic: String
        /// Records it will send; nil when not known in advance (a `--duration` run without `--count`).
        public var records: Int?
        public var reason: String?

        public init(topic: String, records: Int?, reason: String?) {
            self.topic = topic
            self.records = records
            self.reason = reason
        }
    }

    /// Nil when the send is within every limit, else the first limit it breaks.
    public func refusal(for request: Request, profile: String) -> LimitRefusal? {
        if !allowedTopics.isEmpty, !allowedTopics.contains(request.topic) {
            return LimitRefusal(limit: "allowed_topics", profile: profile,
                                problem: "\(request.topic) is not one of \(allowedTopics.joined(separator: ", "))")
        }
        if let maxRecordsPerSend {
            guard let records = request.records else {
                return LimitRefusal(limit: "max_records_per_send = \(maxRecordsPerSend)", profile: profile,
                                    problem: "this send's size is not known in advance: give --count \(maxRecordsPerSend) or less")
            }
            if records > maxRecordsPerSend {
                return LimitRefusal(limit: "max_records_per_send = \(maxRecordsPerSend)", profile: profile,
                                    problem: "this send has \(records) records")
            }
        }
        if requireReason, (request.reason ?? "").trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            return LimitRefusal(limit: "require_reason", profile: profile, problem: "say why with --reason TEXT (it is kept in the journal)")
        }
        return nil
    }

    /// Whether a confirmation given at `confirmed` (or the last send after it) still holds at `now`.
    public func confirmationHolds(lastActivity: Date?, now: Date) -> Bool {
        guard let lastActivity else { return false }
        guard let confirmIdleMinutes else { return true }
        return now.timeIntervalSince(lastActivity) < Double(confirmIdleMinutes) * 60
    }
}

/// A send refused by a profile's limit; nothing was sent.
public struct LimitRefusal: Error, Sendable, Equatable, CustomStringConvertible {
    /// The limit as the profile writes it: `max_records_per_send = 100`, `allowed_topics`, `require_reason`.
    public var limit: String
    public var profile: String
    public var problem: String

    public var description: String {
        "refused by profile \(profile)'s limit \(limit): \(problem); nothing was sent"
    }
}
