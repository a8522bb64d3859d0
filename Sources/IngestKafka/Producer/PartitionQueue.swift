import NIOCore

struct TopicPartition: Hashable, Sendable, CustomStringConvertible {
    var topic: String
    var partition: Int32
    var description: String { "\(topic)-\(partition)" }
}

/// Receives the outcomes of records: one `report` per record, with the index the record was
/// enqueued with. A class, so a batch can tell whose records follow each other (`Run`).
@usableFromInline
final class DeliverySink: Sendable {
    let report: @Sendable (Int, KafkaDeliveryOutcome) -> Void
    /// Called after the outcomes that came together (one batch's run of this sink's records):
    /// lets the caller write them out together.
    let batchEnded: (@Sendable () -> Void)?
    /// When set, a run of delivered records comes here as one value instead of one `report`
    /// per record.
    let delivered: (@Sendable (KafkaDeliveredRun) -> Void)?

    @usableFromInline
    init(report: @escaping @Sendable (Int, KafkaDeliveryOutcome) -> Void, batchEnded: (@Sendable () -> Void)? = nil,
         delivered: (@Sendable (KafkaDeliveredRun) -> Void)? = nil) {
        self.report = report
        self.batchEnded = batchEnded
        self.delivered = delivered
    }

    /// One outcome on its own (a record refused before it joined a batch).
    func reportAlone(_ index: Int, _ outcome: KafkaDeliveryOutcome) {
        report(index, outcome)
        batchEnded?()
    }
}

/// Records of one partition in a batch (encoded as they came) and who gets their outcomes.
struct PendingBatch: Sendable {
    /// Consecutive records of one sink with consecutive indices.
    struct Run: Sendable {
        let sink: DeliverySink
        let first: Int
        var count: Int
    }

    var builder = RecordBatchBuilder()
    /// Its place among the batches taken from its partition (0, 1, 2, ...): batches taken on
    /// different threads reach the engine in any order, and it puts them back in this one.
    var ordinal = 0
    /// Each record's own timestamp, for its outcome when the broker does not give one.
    var timestamps: [Int64] = []
    var runs: [Run] = []
    /// When the first record came: the delivery timeout counts from there.
    private(set) var enqueuedAt: ContinuousClock.Instant {
        get { Self.epoch + sinceEpoch }
        set { sinceEpoch = newValue - Self.epoch }
    }
    /// `enqueuedAt` as a Duration since a fixed instant: ContinuousClock.Instant's layout is
    /// not known when this module is compiled (the standard library may change it), so a
    /// struct holding one is copied and inspected through runtime calls, on every record.
    private var sinceEpoch: Duration
    private static let epoch = ContinuousClock.now

    init(enqueuedAt: ContinuousClock.Instant) {
        sinceEpoch = enqueuedAt - Self.epoch
    }

    /// The records as they go on the wire, when compressed (`compress`).
    private(set) var compressed: (records: ByteBuffer, codec: KafkaCompression)?

    var count: Int { Int(builder.count) }

    /// Compresses the records once, before the batch's first attempt; if the codec fails the
    /// batch goes uncompressed.
    mutating func compress(_ codec: KafkaCompression) {
        guard codec != .none, compressed == nil, let records = try? codec.compress(builder.records) else { return }
        compressed = (records, codec)
    }

    /// The batch header (with `stamp`) and the records, as they are sent.
    func wire(stamp: ProducerStamp) -> (header: ByteBuffer, records: ByteBuffer) {
        if let compressed {
            return (builder.sealedHeader(stamp: stamp, records: compressed.records, compression: compressed.codec), compressed.records)
        }
        return (builder.sealedHeader(stamp: stamp), builder.records)
    }
    var byteCount: Int { builder.byteCount }

    /// Appends a record; the first one of the batch sets `enqueuedAt` to `now` (read only then).
    mutating func append(_ record: EncodedRecord, index: Int, sink: DeliverySink, now: () -> ContinuousClock.Instant) {
        if builder.count == 0 { enqueuedAt = now() }
        builder.append(record)
        timestamps.append(record.timestampMs)
        if let last = runs.indices.last, runs[last].sink === sink, runs[last].first + runs[last].count == index {
            runs[last].count += 1
        } else {
            runs.append(Run(sink: sink, first: index, count: 1))
        }
    }

    /// Gives every record of a stored batch its outcome: each of its runs as one value to the
    /// sinks that take runs, record by record to the others.
    func finishDelivered(partition: Int32, baseOffset: Int64, logAppendTimeMs: Int64) {
        var position = 0
        for run in runs {
            let delivered = KafkaDeliveredRun(
                firstIndex: run.first, partition: partition, firstOffset: baseOffset < 0 ? -1 : baseOffset + Int64(position),
                timestampsMs: logAppendTimeMs >= 0
                    ? Array(repeating: logAppendTimeMs, count: run.count) : Array(timestamps[position..<(position + run.count)]))
            position += run.count
            if let take = run.sink.delivered {
                take(delivered)
            } else {
                for (offset, outcome) in delivered.outcomes.enumerated() { run.sink.report(run.first + offset, outcome) }
            }
            run.sink.batchEnded?()
        }
    }

    /// Gives every record its outcome (from its position in the batch and its timestamp),
    /// in batch order.
    func finish(_ outcome: (Int, Int64) -> KafkaDeliveryOutcome) {
        var position = 0
        for run in runs {
            for offset in 0..<run.count {
                run.sink.report(run.first + offset, outcome(position, timestamps[position]))
                position += 1
            }
            run.sink.batchEnded?()
        }
    }
}

/// Records of one partition waiting to be sent, as a value-type state machine. At most
/// `maxInFlight` batches per partition are taken and unanswered (the delivery machine keeps
/// their order and sequence numbers), while other partitions go out in parallel. Records are
/// encoded into their batch as they are appended; a batch is closed when the next record
/// would take it past `batchMaxBytes`.
struct PartitionQueue: Sendable {
    enum Action: Equatable {
        case none
        /// Start a timer; when it fires call `lingerExpired(now:)`.
        case scheduleLinger(after: Duration)
        /// Call `takeBatch()` and send it.
        case sendNow
    }

    /// Full batches waiting, oldest first.
    private(set) var closed = CircularBuffer<PendingBatch>()
    /// The batch that takes the next records (empty when none waits). Kept apart from
    /// `closed`, and not optional: a record is appended in place, without copying the batch.
    private(set) var open = PendingBatch(enqueuedAt: .now)
    /// Bytes of the records waiting (batch headers not counted).
    private(set) var pendingBytes = 0
    /// Batches taken and not answered yet.
    private(set) var inFlightCount = 0
    /// Batches taken so far: the next one's `ordinal`.
    private var taken = 0
    private var lingerScheduled = false
    let batchMaxBytes: Int
    /// How long the first record of a batch may wait for more.
    let linger: Duration
    let maxInFlight: Int

    init(batchMaxBytes: Int, linger: Duration, maxInFlight: Int = 1) {
        self.batchMaxBytes = batchMaxBytes
        self.linger = linger
        self.maxInFlight = max(1, maxInFlight)
    }

    var inFlight: Bool { inFlightCount > 0 }
    private var canSend: Bool { inFlightCount < maxInFlight }

    var pendingRecords: Int { closed.reduce(0) { $0 + $1.count } + open.count }

    /// Appends a record. `now` is read only when needed (a batch's first record, an idle
    /// partition without a linger timer): a clock read per record is a noticeable share of
    /// what a record costs.
    mutating func append(
        _ record: EncodedRecord, index: Int, sink: DeliverySink, now: @autoclosure () -> ContinuousClock.Instant
    ) -> Action {
        var read: ContinuousClock.Instant?  // `now`, once read
        func current() -> ContinuousClock.Instant {
            if let read { return read }
            let instant = now()
            read = instant
            return instant
        }
        if open.count > 0, open.byteCount + open.builder.size(of: record) > batchMaxBytes {
            closed.append(open)  // full
            open = PendingBatch(enqueuedAt: current())
        }
        let before = open.byteCount
        open.append(record, index: index, sink: sink, now: current)
        pendingBytes += open.byteCount - before
        return canSend ? idleAction(now: current()) : .none
    }

    /// With room for another batch in flight: a full batch, or one whose first record has waited its
    /// linger, goes; otherwise a timer for the rest of the linger (one at a time: one that
    /// fires early is started again for what remains).
    private mutating func idleAction(now: @autoclosure () -> ContinuousClock.Instant) -> Action {
        if !closed.isEmpty || open.byteCount >= batchMaxBytes { return .sendNow }
        // A timer is running: it checks the linger when it fires.
        if open.count == 0 || lingerScheduled { return .none }
        let waited = now() - open.enqueuedAt
        if waited >= linger { return .sendNow }
        lingerScheduled = true
        return .scheduleLinger(after: linger - waited)
    }

    mutating func lingerExpired(now: ContinuousClock.Instant) -> Action {
        lingerScheduled = false
        return canSend ? idleAction(now: now) : .none
    }

    private var isEmpty: Bool { closed.isEmpty && open.count == 0 }

    /// Everything should go out without waiting (closing).
    mutating func flush() -> Action {
        !canSend || isEmpty ? .none : .sendNow
    }

    /// Takes the oldest batch; it counts as in flight until `batchFinished`.
    mutating func takeBatch() -> PendingBatch {
        precondition(canSend && !isEmpty, "takeBatch needs room in flight and records")
        var batch: PendingBatch
        if let oldest = closed.popFirst() {
            batch = oldest
        } else {
            batch = open
            open = PendingBatch(enqueuedAt: .now)
        }
        pendingBytes -= batch.byteCount - RecordBatch.headerSize
        inFlightCount += 1
        batch.ordinal = taken
        taken += 1
        return batch
    }

    /// Every batch waiting, taken out for good (the producer stops without sending them).
    mutating func takeAllWaiting() -> [PendingBatch] {
        var all = Array(closed)
        closed.removeAll()
        if open.count > 0 {
            all.append(open)
            open = PendingBatch(enqueuedAt: .now)
        }
        pendingBytes = 0
        return all
    }

    /// A batch in flight has its outcome. Records that piled up meanwhile go when their
    /// batch is full or has waited its linger: on a fast network a round trip is shorter than
    /// the linger, and sending at once would make many small batches.
    mutating func batchFinished(now: ContinuousClock.Instant) -> Action {
        inFlightCount -= 1
        return idleAction(now: now)
    }
}
