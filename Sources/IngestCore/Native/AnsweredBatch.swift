import Foundation
import IngestKafka

/// The outcomes of what the producer answered since the last hand-over to the sinks: one
/// answered batch, usually. The clocks are read once per batch, not once per record: the
/// records of a batch were answered by the same response.
struct AnsweredBatch {
    /// In the order they arrived: runs of delivered records, and reports of the others.
    private var items: [ReportPump.Item] = []
    /// When this batch's first outcome arrived (uptime nanoseconds); 0 before.
    private var answeredAt: UInt64 = 0
    /// This batch's wall-clock time in epoch milliseconds, read when first needed.
    private var wallMilliseconds: Int64?

    /// One record's outcome (failed or unknown; or delivered, for callers without ranges).
    mutating func add(seq: Int, _ outcome: KafkaDeliveryOutcome, times: SendTimes, clock: TimestampClock) {
        markAnswered()
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
        markAnswered()
        let firstSeq = run.firstIndex + 1
        let timestamps = run.timestampsMs.map { epochMilliseconds($0) }
        let latencies = (0..<run.count).map { times.elapsed(seq: firstSeq + $0, now: answeredAt) ?? 0 }
        items.append(.delivered(DeliveredRange(firstSeq: firstSeq, partition: Int(run.partition), firstOffset: run.firstOffset,
                                               timestampsMs: timestamps, latenciesMs: latencies)))
    }

    /// What arrived so far, leaving this empty for the next batch.
    mutating func take() -> [ReportPump.Item] {
        defer { self = AnsweredBatch() }
        return items
    }

    mutating func convert(_ outcome: KafkaDeliveryOutcome, clock: TimestampClock) -> Outcome {
        switch outcome {
        case .delivered(let partition, let offset, let timestampMs):
            return .delivered(partition: Int(partition), offset: offset, timestamp: clock.timestamp(milliseconds: epochMilliseconds(timestampMs)))
        case .failed(let code, let name, let message):
            return .failed(code: Int(code), message: "\(name): \(message)")
        case .unknown(let message):
            return .unknown(message: message)
        }
    }

    private mutating func markAnswered() {
        if answeredAt == 0 { answeredAt = DispatchTime.now().uptimeNanoseconds }
    }

    /// A broker's timestamp as a wall-clock time. librdkafka's mock cluster answers a
    /// clock-relative log-append time; a real broker an epoch time (or -1, and then the
    /// producer gives the record's own). Anything before 2001 is not a wall-clock time: ours.
    private mutating func epochMilliseconds(_ milliseconds: Int64) -> Int64 {
        guard milliseconds < 1_000_000_000_000 else { return milliseconds }
        if let wallMilliseconds { return wallMilliseconds }
        let now = Int64((Date().timeIntervalSince1970 * 1000).rounded(.down))
        wallMilliseconds = now
        return now
    }
}
