import Foundation
import IngestCore

/// A send as the flags and the saved send (if any) describe it, before a profile is read.
struct SendRequest {
    var topic: String
    var source: PlanSource
    var transport: Transport
    var options: SendOptions
    /// The same, as a saved send (`--save-as`).
    var saved: SavedSend
}

extension Send {
    /// Whether this send is REST requests of one record each (unless its request is wrong,
    /// which `run` reports).
    var sendsSingleRequests: Bool {
        guard let request = try? sendRequest() else { return false }
        return request.transport == .rest(.single)
    }

    /// The saved send overlaid with the flags given; checked, nothing opened yet.
    func sendRequest() throws -> SendRequest {
        var send = try saved.map { try SavedSendStore.standard(directory: sends).load($0) } ?? SavedSend()
        // The flags given override the saved keys; --data and --file replace each other.
        if let topic { send.topic = topic }
        if let valueType { send.valueType = valueType.type }
        if let key { send.key = key }
        if !headers.isEmpty {
            let given = try headers.map(HeaderTemplate.init(parsing:))
            send.headers = send.headers.filter { old in !given.contains { $0.name == old.name } } + given
        }
        if let partition { send.partition = partition }
        if let via {
            var savedMode: RestMode?
            if case .rest(let restMode)? = send.mode { savedMode = restMode }
            send.mode = via == .native ? .native : .rest(mode ?? savedMode ?? .single)
        } else if let mode {
            send.mode = .rest(mode)
        }
        if let count { send.count = count }
        if let rate { send.ratePerSecond = try Self.parseRate(rate) }
        if let data {
            send.data = data
            send.file = nil
        }
        if let file {
            send.file = URL(fileURLWithPath: file).standardizedFileURL.path
            send.data = nil
        }
        if let format { send.format = format }
        if let seed { send.seed = seed }
        if let window, window < 1 { throw InputError("--window must be at least 1") }
        if let concurrency, !(1...256).contains(concurrency) { throw InputError("--concurrency must be 1 to 256") }
        if let deliveryTimeout, deliveryTimeout < 1 { throw InputError("--delivery-timeout must be at least 1 second") }
        if compression != nil, send.mode != .native { throw InputError("--compression applies to native sends (--via native)") }
        if let warmupRecords, warmupRecords < 0 { throw InputError("--warmup-records must be 0 or more") }
        guard progressInterval >= 0.1 else { throw InputError("--progress-interval must be at least 0.1 seconds") }
        if printFormat != nil && dryRun { throw InputError("give either --print or --dry-run, not both") }

        guard let topic = send.topic else {
            throw InputError(saved == nil ? "give --topic (short, e.g. events, or full)" : "saved send \(saved!) has no topic: add topic = \"...\" to it or give --topic")
        }
        let durationSeconds = try duration.map(Self.parseDuration)
        let options = SendOptions(ratePerSecond: send.ratePerSecond, window: window, timeoutSeconds: timeout, compression: compression,
                                  durationSeconds: durationSeconds, concurrency: concurrency, deliveryTimeoutSeconds: deliveryTimeout)
        return SendRequest(topic: topic, source: try Self.planSource(send, duration: durationSeconds != nil), transport: send.mode ?? .rest(.single),
                           options: options, saved: send)
    }

    static func planSource(_ send: SavedSend, duration: Bool) throws -> PlanSource {
        if let partition = send.partition, partition < 0 { throw InputError("--partition must be 0 or more") }
        if let count = send.count, count < 1 { throw InputError("--count must be at least 1") }
        switch (send.file, send.data) {
        case (nil, nil): throw InputError("give --data TEXT or --file PATH")
        case (.some, .some): throw InputError("give either --data or --file, not both")
        case (let path?, nil):
            if send.key != nil || !send.headers.isEmpty || send.partition != nil {
                throw InputError("--key, --header and --partition go with --data; in a file, give records as {\"key\":…, \"value\":…, \"headers\":…}")
            }
            return .file(path: path, format: send.format ?? .auto, valueType: send.valueType ?? .json)
        case (nil, let text?):
            // A --duration run repeats the event until the time is up, unless --count says fewer.
            let count = send.count ?? (duration ? Int.max : 1)
            return .template(EventTemplate(valueType: send.valueType ?? .json, value: text, key: send.key, headers: send.headers,
                                           partition: send.partition, seed: send.seed), count: count)
        }
    }

    /// `30s`, `5m`, `1h30m`, `250ms`, or plain seconds.
    static func parseDuration(_ text: String) throws -> Double {
        if let seconds = Double(text), seconds > 0, seconds.isFinite { return seconds }
        guard !text.hasPrefix("-"), let milliseconds = try? TimeOffset.milliseconds(text), milliseconds > 0 else {
            throw InputError("--duration expects a time such as 30s, 5m or 1h30m")
        }
        return Double(milliseconds) / 1000
    }
}
