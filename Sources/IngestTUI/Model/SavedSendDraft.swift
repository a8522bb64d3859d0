import IngestModel

extension ComposeDraft {
    /// Compose's fields (Load's path for a file) for a saved send or an imported curl command,
    /// and what of it the console does not use, to say so.
    public static func from(saved send: SavedSend) -> (draft: ComposeDraft, notes: [String]) {
        var notes: [String] = []
        var draft: ComposeDraft
        if let file = send.file {
            draft = ComposeDraft()
            draft.filePath = file
            if let type = send.valueType, type != .json { notes.append("type \(type.rawValue) is not used: Load sends a file's records as JSON") }
            if let format = send.format, format != .auto { notes.append("format \(format.rawValue) is not used: Load tells a file's format by itself") }
        } else {
            draft = ComposeDraft(template: EventTemplate(valueType: send.valueType ?? .json, value: send.data ?? "", key: send.key,
                                                         headers: send.headers, partition: send.partition))
            draft.count = String(send.count ?? 1)
        }
        draft.topic = send.topic
        draft.mode = (send.mode ?? .rest(.single)).modeName
        draft.rate = send.ratePerSecond.map(formatNumber) ?? ""
        if let seed = send.seed {
            notes.append("seed \(seed) is not used: the console's random values differ each send (ingest send --saved keeps it)")
        }
        return (draft, notes)
    }
}

extension Update {
    /// Compose as a saved send (the keys of the send flags; the topic as typed), or why not.
    static func savedSend(compose c: ComposeState) -> Result<SavedSend, ServiceFailure> {
        if case .invalid(let line, let column, let message) = c.validation {
            return .failure(ServiceFailure("value invalid at \(line):\(column): \(message): fix it before saving"))
        }
        if case .failure(let f) = sendOptions(c) { return .failure(f) }
        let partition = c.partition.text.trimmed
        guard partition.isEmpty || Int(partition) != nil else { return .failure(ServiceFailure("partition must be a whole number or empty")) }
        let event = composedEvent(c)
        let count = parsePositive(c.count.text) ?? 1
        return .success(SavedSend(topic: c.topic.text.trimmed.isEmpty ? nil : c.topic.text.trimmed, valueType: c.valueType, key: event.key,
                                  headers: event.headers, partition: event.partition, mode: c.mode, count: count > 1 ? count : nil,
                                  ratePerSecond: Double(c.rate.text.trimmed), data: c.value.text))
    }

    /// Load's file as a saved send, with Compose's topic, mode and rate (what `s` in Load sends).
    static func savedSend(load s: ConsoleState) -> Result<SavedSend, ServiceFailure> {
        let path = s.load.path.text.trimmed
        guard !path.isEmpty else { return .failure(ServiceFailure("type a path first (Enter edits)")) }
        if case .failure(let f) = sendOptions(s.compose) { return .failure(f) }
        let topic = s.compose.topic.text.trimmed
        return .success(SavedSend(topic: topic.isEmpty ? nil : topic, mode: s.compose.mode, ratePerSecond: Double(s.compose.rate.text.trimmed), file: path))
    }
}
