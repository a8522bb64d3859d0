import IngestModel

/// A draft asked for at activation, and Compose as it was then.
public struct DraftWait: Equatable, Sendable {
    public var profile: String
    public var before: ComposeDraft
}

/// What Compose and Load held for a profile, kept across launches (the services store it as a
/// small file in the state directory), so a relaunch starts where the operator left off.
public struct ComposeDraft: Codable, Equatable, Sendable {
    public var topic: String
    public var valueType: String
    public var key: String
    public var headers: String
    public var partition: String
    public var mode: String
    public var count: String
    public var rate: String
    public var window: String
    public var value: String
    public var filePath: String

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

    /// Puts the draft back. A production profile never starts with a topic: it is typed anew.
    public func restore(into s: inout ConsoleState, topicToo: Bool) {
        if topicToo { s.compose.topic.setText(topic) }
        s.compose.valueType = ValueType(rawValue: valueType) ?? s.compose.valueType
        s.compose.key.setText(key)
        s.compose.headers.setText(headers)
        s.compose.partition.setText(partition)
        s.compose.mode = Transport(modeName: mode) ?? s.compose.mode
        s.compose.count.setText(count)
        s.compose.rate.setText(rate)
        s.compose.window.setText(window)
        s.compose.value.setText(value)
        s.load.path.setText(filePath)
    }
}
