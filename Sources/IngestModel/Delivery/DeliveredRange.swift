import Foundation

/// Records with consecutive seqs that one answer delivered to one partition at consecutive
/// offsets: how a native send's outcomes travel to the sinks, one value per answered batch
/// rather than one `DeliveryReport` per record. Sinks that write every record (JSON lines, the
/// journal) write straight from it; the others see it as reports (`reports`).
public struct DeliveredRange: Sendable, Equatable {
    public var firstSeq: Int
    public var partition: Int
    /// The first record's offset; -1 when the broker did not say (an earlier attempt of the
    /// same idempotent batch was stored), and then every record's offset is -1.
    public var firstOffset: Int64
    /// Each record's timestamp, epoch milliseconds.
    public var timestampsMs: [Int64]
    /// Each record's send-to-answer time, when measured.
    public var latenciesMs: [Double]?

    public init(firstSeq: Int, partition: Int, firstOffset: Int64, timestampsMs: [Int64], latenciesMs: [Double]? = nil) {
        self.firstSeq = firstSeq
        self.partition = partition
        self.firstOffset = firstOffset
        self.timestampsMs = timestampsMs
        self.latenciesMs = latenciesMs
    }

    public var count: Int { timestampsMs.count }
    public var seqs: Range<Int> { firstSeq..<(firstSeq + count) }

    /// The offset of the record at `position` (0-based) in the range.
    @inlinable
    public func offset(at position: Int) -> Int64 { firstOffset < 0 ? -1 : firstOffset + Int64(position) }

    /// The same outcomes as one report per record.
    public func reports(clock: TimestampClock = TimestampClock()) -> [DeliveryReport] {
        (0..<count).map { position in
            DeliveryReport(seq: firstSeq + position,
                           outcome: .delivered(partition: partition, offset: offset(at: position), timestamp: clock.timestamp(milliseconds: timestampsMs[position])),
                           latencyMilliseconds: latenciesMs?[position])
        }
    }
}
