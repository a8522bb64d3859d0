import Foundation
import IngestModel

/// A draft asked for at activation, and Compose as it was then.
public struct DraftWait: Equatable, Sendable {
    public var profile: String
    public var before: ComposeDraft
}

/// Compose's fields and Load's path as text: what a profile left (kept across launches by the
/// services, in the state directory), or what a past send was, to load into Compose again.
/// A field left nil is not touched when the draft is put back.
public struct ComposeDraft: Codable, Equatable, Sendable {
    public var topic: String?
    public var valueType: String?
    public var key: String?
    public var headers: String?
    public var partition: String?
    public var mode: String?
    public var count: String?
    public var rate: String?
    public var window: String?
    public var value: String?
    public var filePath: String?

    public init() {}

    public init(_ s: ConsoleState) {
        let c = s.compose
        topic = c.topic.text
        valueType = c.valueType.rawValue
        key = c.key.text
        headers = c.headers.text
        partition = c.partition.text
        mode = c.mode.modeName
        count = c.count.text
        rate = c.rate.text
        window = c.window.text
        value = c.value.text
        filePath = s.load.path.text
    }

    /// What a send was made of: its template (or file), topic, mode, count, rate and window.
    public init(plan: SendPlan) {
        switch plan.source {
        case .template(let t, let count):
            self = ComposeDraft(template: t)
            self.count = String(count)
        case .file(let path, _, _):
            self.init()
            filePath = path
        case .records(let records, _):
            self.init()
            if let first = records.first { fill(record: first) }
        }
        topic = plan.topic
        mode = plan.transport.modeName
        rate = plan.options.ratePerSecond.map(formatNumber) ?? ""
        window = plan.options.window.map(String.init) ?? ""
    }

    /// Compose's fields for a template.
    public init(template t: EventTemplate) {
        valueType = t.valueType.rawValue
        value = t.value
        key = t.key ?? ""
        headers = t.headers.map { "\($0.name)=\($0.value)" }.joined(separator: "; ")
        partition = t.partition.map(String.init) ?? ""
    }

    /// Compose's fields for a record as it was sent (a journaled value): its bytes as text.
    public mutating func fill(record r: EventRecord) {
        if let v = r.value {
            valueType = v.type.rawValue
            value = v.type == .binary ? Data(v.data).base64EncodedString() : String(decoding: v.data, as: UTF8.self)
        }
        key = r.key.map { String(decoding: $0.data, as: UTF8.self) } ?? ""
        headers = r.headers.map { "\($0.name)=\(String(decoding: $0.value ?? [], as: UTF8.self))" }.joined(separator: "; ")
        partition = r.partition.map(String.init) ?? ""
    }

    /// Puts the draft back; nil fields stay as they are. `topicToo` false keeps the topic
    /// (production never starts with one from an earlier session).
    public func restore(into s: inout ConsoleState, topicToo: Bool) {
        if topicToo, let topic { s.compose.topic.setText(topic) }
        if let t = valueType.flatMap(ValueType.init(rawValue:)) { s.compose.valueType = t }
        if let key { s.compose.key.setText(key) }
        if let headers { s.compose.headers.setText(headers) }
        if let partition { s.compose.partition.setText(partition) }
        if let m = mode.flatMap(Transport.init(modeName:)) { s.compose.mode = m }
        if let count { s.compose.count.setText(count) }
        if let rate { s.compose.rate.setText(rate) }
        if let window { s.compose.window.setText(window) }
        if let value { s.compose.value.setText(value) }
        if let filePath { s.load.path.setText(filePath) }
    }
}

/// A send of an earlier session, as the journal lists it (History).
public struct PastRun: Equatable, Sendable {
    public var id: String
    /// ISO-8601 start.
    public var time: String
    public var profile: String
    public var topic: String
    public var mode: String
    /// `data`, `file:PATH`, `resend:#3`...
    public var source: String
    public var delivered: Int
    public var failed: Int
    public var unknown: Int
    /// `finished`, `killed` or `running`.
    public var state: String
    public var stopReason: String?
    /// Why it was sent (`--reason`, or asked by a profile with `require_reason`).
    public var reason: String?

    public init(id: String, time: String, profile: String, topic: String, mode: String, source: String,
                delivered: Int, failed: Int, unknown: Int, state: String, stopReason: String? = nil, reason: String? = nil) {
        self.reason = reason
        self.id = id
        self.time = time
        self.profile = profile
        self.topic = topic
        self.mode = mode
        self.source = source
        self.delivered = delivered
        self.failed = failed
        self.unknown = unknown
        self.state = state
        self.stopReason = stopReason
    }
}

/// A past send loaded back: Compose's fields, and what could not be recovered, if anything.
public struct LoadedSend: Equatable, Sendable {
    public var draft: ComposeDraft
    public var note: String?

    public init(draft: ComposeDraft, note: String? = nil) {
        self.draft = draft
        self.note = note
    }
}
