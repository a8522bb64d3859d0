import IngestCore
import IngestTUI
import Synchronization

/// The records of the console's sends that it may still show or re-send, bounded: those in
/// flight, the latest `recentCapacity` answered, and up to `problemCapacity` failed or unknown
/// (oldest dropped first). Report rows refer to them by (send, seq) instead of holding them.
final class HeldRecords: Sendable {
    struct Key: Hashable {
        var send: Int
        var seq: Int
    }

    private struct State {
        var inFlight: [Key: EventRecord] = [:]
        var recent: [Key: EventRecord] = [:]
        var recentOrder: [Key] = []
        var recentHead = 0
        var problems: [Key: EventRecord] = [:]
        var problemOrder: [Key] = []
        var problemHead = 0
    }

    let recentCapacity: Int
    let problemCapacity: Int
    private let state = Mutex(State())

    init(recentCapacity: Int = 1_000, problemCapacity: Int = 10_000) {
        self.recentCapacity = recentCapacity
        self.problemCapacity = problemCapacity
    }

    func willSend(send: Int, seq: Int, record: EventRecord) {
        state.withLock { $0.inFlight[Key(send: send, seq: seq)] = record }
    }

    func answered(send: Int, _ reports: [DeliveryReport]) {
        state.withLock { state in
            for report in reports {
                let key = Key(send: send, seq: report.seq)
                guard let record = state.inFlight.removeValue(forKey: key) else { continue }
                if report.outcome.isDelivered {
                    Self.keep(key, record, in: &state.recent, order: &state.recentOrder, head: &state.recentHead, capacity: recentCapacity)
                } else {
                    Self.keep(key, record, in: &state.problems, order: &state.problemOrder, head: &state.problemHead, capacity: problemCapacity)
                }
            }
        }
    }

    /// A send ended: what never got an outcome is not held any more.
    func finished(send: Int) {
        state.withLock { state in state.inFlight = state.inFlight.filter { $0.key.send != send } }
    }

    func records(send: Int, seqs: [Int]) -> [Int: EventRecord] {
        state.withLock { state in
            var out: [Int: EventRecord] = [:]
            for seq in seqs {
                let key = Key(send: send, seq: seq)
                if let record = state.problems[key] ?? state.recent[key] ?? state.inFlight[key] { out[seq] = record }
            }
            return out
        }
    }

    /// Keeps `record` in a ring of `capacity` keys, dropping the oldest when full.
    private static func keep(_ key: Key, _ record: EventRecord, in held: inout [Key: EventRecord], order: inout [Key], head: inout Int, capacity: Int) {
        if order.count < capacity {
            order.append(key)
        } else {
            held.removeValue(forKey: order[head])
            order[head] = key
            head = (head + 1) % capacity
        }
        held[key] = record
    }
}

/// The console's sink of a send: its records into `HeldRecords`, its outcomes to the screen
/// (messages scrubbed of secrets: a server may echo one).
struct ConsoleSink: SendSink {
    let send: Int
    let held: HeldRecords
    let continuation: AsyncStream<SendEvent>.Continuation
    /// The highest seq read so far: how many records were sent.
    private let sent = Locked(0)

    init(send: Int, held: HeldRecords, continuation: AsyncStream<SendEvent>.Continuation) {
        self.send = send
        self.held = held
        self.continuation = continuation
    }

    var wantsRecords: Bool { true }

    func willSend(seq: Int, record: EventRecord) {
        held.willSend(send: send, seq: seq, record: record)
        sent.withLock { $0 = max($0, seq) }
    }

    func didReport(_ reports: [DeliveryReport]) {
        held.answered(send: send, reports)
        continuation.yield(.reports(reports.map(\.scrubbed), sent: sent.value))
    }

    func didThrottle(_ summary: ThrottleSummary) {
        continuation.yield(.throttled(summary))
    }

    func didFinish(_ result: SendResult) {
        held.finished(send: send)
        let ledger = result.ledger
        continuation.yield(.finished(delivered: ledger.delivered, failed: ledger.failed, unknown: ledger.unknown,
                                     stopReason: result.stopReason.map(SecretScrubber.scrub)))
    }
}

extension DeliveryReport {
    /// The report with its server text passed through the secret scrubber.
    var scrubbed: DeliveryReport {
        var report = self
        switch outcome {
        case .delivered: break
        case .failed(let code, let message): report.outcome = .failed(code: code, message: SecretScrubber.scrub(message))
        case .unknown(let message): report.outcome = .unknown(message: SecretScrubber.scrub(message))
        }
        return report
    }
}
