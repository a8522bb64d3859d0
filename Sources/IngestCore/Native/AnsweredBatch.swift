import Foundation
import IngestKafka

/// The outcomes of what the producer answered since the last hand-over to the sinks: one
/// answered batch, usually. The clock is read and the timestamp formatted once per batch, not
/// once per record: the records of a batch were answered by the same response.
struct AnsweredBatch {
    private(set) var reports: [DeliveryReport] = []
    /// When this batch's first outcome arrived (uptime nanoseconds); 0 before.
    private var answeredAt: UInt64 = 0
    private var wallClock: Date?
    /// The last broker timestamp formatted, and its text.
    private var formatted: (milliseconds: Int64, text: String)?

    mutating func add(seq: Int, _ outcome: KafkaDeliveryOutcome, times: SendTimes, clock: TimestampClock) {
        if answeredAt == 0 { answeredAt = DispatchTime.now().uptimeNanoseconds }
        reports.append(DeliveryReport(seq: seq, outcome: convert(outcome, clock: clock), latencyMilliseconds: times.elapsed(seq: seq, now: answeredAt)))
    }

    /// The reports so far, leaving this empty for the next batch.
    mutating func take() -> [DeliveryReport] {
        defer {
            reports.removeAll(keepingCapacity: true)
            answeredAt = 0
            wallClock = nil
        }
        return reports
    }

    mutating func convert(_ outcome: KafkaDeliveryOutcome, clock: TimestampClock) -> Outcome {
        switch outcome {
        case .delivered(let partition, let offset, let timestampMs):
            return .delivered(partition: Int(partition), offset: offset, timestamp: timestamp(timestampMs, clock: clock))
        case .failed(let code, let name, let message):
            return .failed(code: Int(code), message: "\(name): \(message)")
        case .unknown(let message):
            return .unknown(message: message)
        }
    }

    private mutating func timestamp(_ milliseconds: Int64, clock: TimestampClock) -> String {
        // librdkafka's mock cluster answers a clock-relative log-append time; a real broker an
        // epoch time or -1. Anything before 2001 is not a wall-clock time: use ours.
        guard milliseconds >= 1_000_000_000_000 else {
            let now = wallClock ?? Date()
            wallClock = now
            return clock.timestamp(now)
        }
        if let formatted, formatted.milliseconds == milliseconds { return formatted.text }
        let text = clock.timestamp(Date(timeIntervalSince1970: Double(milliseconds) / 1000))
        formatted = (milliseconds, text)
        return text
    }
}
