import Foundation
import IngestKafka

/// The outcomes of what the producer answered since the last hand-over to the sinks: one
/// answered batch, usually. The clock is read and the timestamp formatted once per batch, not
/// once per record: the records of a batch were answered by the same response.
struct AnsweredBatch {
    /// In the order they arrived: runs of delivered records, and reports of the others.
    private var items: [ReportPump.Item] = []
    /// When this batch's first outcome arrived (uptime nanoseconds); 0 before.
    private var answeredAt: UInt64 = 0
    private var wallClock: Date?
    /// The last broker timestamp formatted, and its text.
    private var formatted: (milliseconds: Int64, text: String)?

    mutating func add(seq: Int, _ outcome: KafkaDeliveryOutcome, times: SendTimes, clock: TimestampClock) {
        if answeredAt == 0 { answeredAt = DispatchTime.now().uptimeNanoseconds }
        let report = DeliveryReport(seq: seq, outcome: convert(outcome, clock: clock), latencyMilliseconds: times.elapsed(seq: seq, now: answeredAt))
        if case .reports(var reports) = items.last {
            items.removeLast()
            reports.append(report)
            items.append(.reports(reports))
        } else {
            items.append(.reports([report]))
        }
    }

    /// A run of records stored together (`index` 0-based, as the producer counts).
    mutating func add(_ run: KafkaDeliveredRun, times: SendTimes) {
        if answeredAt == 0 { answeredAt = DispatchTime.now().uptimeNanoseconds }
        let firstSeq = run.firstIndex + 1
        var timestamps = run.timestampsMs
        // librdkafka's mock cluster answers a clock-relative log-append time; a real broker an
        // epoch time or -1 (then the records' own). Anything before 2001 is not a wall-clock time: use ours.
        if let first = timestamps.first, first < 1_000_000_000_000 {
            let date = wallClock ?? Date()
            wallClock = date
            let now = Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
            timestamps = Array(repeating: now, count: timestamps.count)
        }
        let latencies = (0..<run.count).map { times.elapsed(seq: firstSeq + $0, now: answeredAt) ?? 0 }
        items.append(.delivered(DeliveredRange(firstSeq: firstSeq, partition: Int(run.partition), firstOffset: run.firstOffset,
                                               timestampsMs: timestamps, latenciesMs: latencies)))
    }

    /// What arrived so far, leaving this empty for the next batch.
    mutating func take() -> [ReportPump.Item] {
        defer {
            items = []
            answeredAt = 0
            wallClock = nil
        }
        return items
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
