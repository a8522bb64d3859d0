import Foundation
import IngestKafka
import Logging

/// Native sends: the profile's Kafka settings turned into our producer's configuration, and
/// its outcomes into the same reports, ledger and exit codes as REST.
public enum NativeSender {
    public struct Target: Sendable {
        public var bootstrap: [String]
        public var username: String
        public var password: Secret
        /// PEM file of an extra CA (the profile's ca_file, or the sandbox's own CA).
        public var caFile: String?
        public var tlsMinimum: TLSMinimumVersion
        /// The profile's `[kafka] compression`.
        public var compression: Compression

        public init(bootstrap: [String], username: String, password: Secret, caFile: String?, tlsMinimum: TLSMinimumVersion,
                    compression: Compression = .none) {
            self.bootstrap = bootstrap
            self.username = username
            self.password = password
            self.caFile = caFile
            self.tlsMinimum = tlsMinimum
            self.compression = compression
        }
    }

    public static func configuration(_ target: Target, options: SendOptions = SendOptions()) -> KafkaProducerConfiguration {
        let tls = KafkaProducerConfiguration.TLS(minimumVersion: target.tlsMinimum == .v1_3 ? .tls13 : .tls12,
                                                 extraCAFile: target.caFile.flatMap { $0.isEmpty ? nil : $0 })
        var configuration = KafkaProducerConfiguration(
            bootstrapServers: target.bootstrap,
            security: .saslSSL(username: target.username, password: target.password.reveal(), mechanism: .sha512, tls: tls))
        configuration.compression = KafkaCompression(options.compression ?? target.compression)
        if let timeout = options.timeoutSeconds {
            let seconds = Duration.seconds(max(1, timeout))
            configuration.deliveryTimeout = seconds
            configuration.requestTimeout = min(configuration.requestTimeout, seconds)
        }
        return configuration
    }

    /// Where a native send's records come from: blocks laid out on the reading thread (the
    /// fast path), or records read here, one by one.
    enum Feed {
        case blocks(Prefetcher<RecordBlock>)
        case records(RecordReader)
    }

    /// Connects, checks the topic, sends every record the feed gives; one report per record.
    /// Throws what stops the run before anything is sent (no broker, login, missing topic).
    static func send(_ feed: Feed, topic: String, configuration: KafkaProducerConfiguration,
                     options: SendOptions, run: SendRun) async throws {
        let producer = try await KafkaProducer.connect(configuration, topics: [topic], logger: Logger(label: "ingest.kafka"))
        let sentAt = SendTimes(capacity: configuration.maxUnansweredRecords)
        let clock = TimestampClock()
        // Outcomes of one answered batch go to the sinks together (one write each, not one per
        // record), on the pump's own task so the producer's engine never waits for a sink.
        let pump = ReportPump(run: run)
        let answered = Locked(AnsweredBatch())
        let flush: @Sendable () -> Void = {
            let batch = answered.withLock { $0.take() }
            pump.submit(batch)
        }
        var failure: (any Error)?
        do {
            // Before anything is sent: a missing topic is named, never created.
            _ = try await producer.partitionCount(of: topic)
            let blocks = BlockSequence(feed: feed, topic: topic, ratePerSecond: options.ratePerSecond, pump: pump)
            try await producer.produce(blocks: blocks, onReport: { index, outcome in
                answered.withLock { $0.add(seq: index + 1, outcome, times: sentAt, clock: clock) }
            }, onBatchEnd: flush, onDelivered: { run in
                answered.withLock { $0.add(run, times: sentAt) }
            }, willAppend: { first, count in
                // One clock read per run of records gives both their send time and their Kafka timestamp.
                sentAt.mark(seqs: (first + 1)...(first + count))
            })
        } catch {
            failure = error
        }
        // After a cancellation, close gives the records still in flight their outcomes.
        await producer.close()
        flush()
        await pump.finish()
        if let failure { throw failure }
    }

    /// One outcome as the sinks get it (the timestamp formatted as a report shows it).
    static func outcome(_ outcome: KafkaDeliveryOutcome, clock: TimestampClock) -> Outcome {
        var batch = AnsweredBatch()
        return batch.convert(outcome, clock: clock)
    }

    /// Lays `record` out in `block` as Kafka stores it.
    static func append(_ record: EventRecord, to block: inout RecordBlock) {
        block.append(
            key: record.key?.kafkaBytes, value: record.value?.kafkaBytes, headers: record.headers.map { (name: $0.name, value: $0.value) },
            partition: record.partition.map { Int32($0) },
            timestampMs: record.timestamp.flatMap { try? Date($0, strategy: .iso8601) }.map { Int64($0.timeIntervalSince1970 * 1000) })
    }

    /// A file's records laid out in blocks on a reading thread of their own, after
    /// `ReadAheadSource` has numbered, checked and shown them to the read-ahead sinks there.
    static func prefetchedBlocks(_ source: ReadAheadSource, topic: String, blockSize: Int = 4096, depth: Int = 4) -> Prefetcher<RecordBlock> {
        let box = ReadingThreadBox(source)
        return Prefetcher(depth: depth, make: { RecordBlock(topic: topic, capacity: blockSize) }) { block in
            defer { box.source.endOfChunk() }
            while block.count < blockSize {
                // A file's plain values go from its read buffer into the block, never built as records.
                let more = try box.source.next { item in
                    switch item {
                    case .value(let bytes, _): block.append(value: bytes)
                    case .record(let record): append(record, to: &block)
                    }
                }
                guard more else { return false }
            }
            return true
        }
    }
}

/// The feed's records as the producer's async sequence of blocks, read in the producer's task.
struct BlockSequence: AsyncSequence {
    typealias Element = RecordBlock
    let feed: NativeSender.Feed
    let topic: String
    let ratePerSecond: Double?
    let pump: ReportPump

    struct AsyncIterator: AsyncIteratorProtocol {
        let sequence: BlockSequence
        var pacer: Pacer
        var block: RecordBlock
        /// What ended the records, held back until the records read before it have gone.
        var failure: (any Error)?

        mutating func next() async throws -> RecordBlock? {
            try Task.checkCancellation()
            await sequence.pump.waitForRoom()
            switch sequence.feed {
            case .blocks(let prefetcher):
                return try prefetcher.take()
            case .records(let reader):
                if let failure { throw failure }
                block.removeAll()
                // Paced: one record at a time, each at its turn. Otherwise a few hundred at a
                // time: they are read here, just before they go.
                let limit = pacer.isPacing ? 1 : 256
                do {
                    while block.count < limit, let (_, record) = try reader.next() {
                        try await pacer.wait()
                        NativeSender.append(record, to: &block)
                    }
                } catch {
                    guard !block.isEmpty else { throw error }
                    failure = error
                }
                return block.isEmpty ? nil : block
            }
        }
    }

    func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(sequence: self, pacer: Pacer(ratePerSecond: ratePerSecond), block: RecordBlock(topic: topic, capacity: 256))
    }
}

/// When each unanswered record was handed to the producer, in a ring indexed by seq: no
/// dictionary or lock per record. The producer never has more than `capacity` records
/// unanswered (and marks at most a run ahead), so a slot is not reused before its record is
/// answered; the producer's own locks order the write (reading task) before the read (its report).
final class SendTimes: @unchecked Sendable {
    private let slots: UnsafeMutablePointer<UInt64>
    private let mask: Int

    init(capacity: Int) {
        var size = 1
        // Records are marked a run (up to 256) ahead of being appended: room for those too.
        while size < max(2, capacity) * 2 + 512 { size <<= 1 }
        slots = .allocate(capacity: size)
        slots.initialize(repeating: 0, count: size)
        mask = size - 1
    }

    deinit { slots.deallocate() }

    /// The wall clock in milliseconds at the start, less the uptime clock then: uptime plus
    /// this is the wall clock, without reading both clocks for every record.
    private let wallOffset: Int64 = {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        let wall = Int64(time.tv_sec) * 1_000_000_000 + Int64(time.tv_nsec)
        return wall - Int64(DispatchTime.now().uptimeNanoseconds)
    }()

    /// Notes that records `seqs` go now; returns now on the wall clock, in epoch milliseconds.
    @discardableResult
    func mark(seqs: ClosedRange<Int>) -> Int64 {
        let now = DispatchTime.now().uptimeNanoseconds
        for seq in seqs { slots[seq & mask] = now }
        return (Int64(now) + wallOffset) / 1_000_000
    }

    /// Milliseconds from `mark(seq:)` to `now` (uptime nanoseconds).
    func elapsed(seq: Int, now: UInt64) -> Double? {
        let start = slots[seq & mask]
        guard start > 0 else { return nil }
        return Double(now > start ? now - start : 0) / 1e6
    }
}

extension KafkaCompression {
    init(_ compression: Compression) {
        switch compression {
        case .none: self = .none
        case .gzip: self = .gzip
        case .lz4: self = .lz4
        case .zstd: self = .zstd
        }
    }
}
