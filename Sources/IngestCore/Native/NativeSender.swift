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

    /// Connects, checks the topic, sends every record the reader gives; one report per record.
    /// Throws what stops the run before anything is sent (no broker, login, missing topic).
    static func send(_ reader: RecordReader, topic: String, configuration: KafkaProducerConfiguration,
                     options: SendOptions, run: SendRun) async throws {
        let producer = try await KafkaProducer.connect(configuration, logger: Logger(label: "ingest.kafka"))
        let sentAt = SendTimes(capacity: configuration.maxUnansweredRecords)
        let clock = TimestampClock()
        // Outcomes of one answered batch go to the sinks together (one write each, not one per
        // record), on the pump's own task so the producer's engine never waits for a sink.
        let pump = ReportPump(run: run)
        let answered = Locked<[DeliveryReport]>([])
        let flush: @Sendable () -> Void = {
            let batch = answered.withLock { batch -> [DeliveryReport] in
                defer { batch.removeAll(keepingCapacity: true) }
                return batch
            }
            pump.submit(batch)
        }
        var failure: (any Error)?
        do {
            // Before anything is sent: a missing topic is named, never created.
            _ = try await producer.partitionCount(of: topic)
            let records = RecordSequence(reader: reader, topic: topic, ratePerSecond: options.ratePerSecond, times: sentAt, pump: pump)
            try await producer.produce(records, onReport: { index, outcome in
                let seq = index + 1
                let report = DeliveryReport(seq: seq, outcome: Self.outcome(outcome, clock: clock), latencyMilliseconds: sentAt.elapsed(seq: seq))
                answered.withLock { $0.append(report) }
            }, onBatchEnd: flush)
        } catch {
            failure = error
        }
        // After a cancellation, close gives the records still in flight their outcomes.
        await producer.close()
        flush()
        await pump.finish()
        if let failure { throw failure }
    }

    static func outcome(_ outcome: KafkaDeliveryOutcome, clock: TimestampClock) -> Outcome {
        switch outcome {
        case .delivered(let partition, let offset, let timestampMs):
            // librdkafka's mock cluster answers a clock-relative log-append time; a real broker an
            // epoch time or -1. Anything before 2001 is not a wall-clock time: use ours.
            let date = timestampMs >= 1_000_000_000_000 ? Date(timeIntervalSince1970: Double(timestampMs) / 1000) : Date()
            return .delivered(partition: Int(partition), offset: offset, timestamp: clock.timestamp(date))
        case .failed(let code, let name, let message):
            return .failed(code: Int(code), message: "\(name): \(message)")
        case .unknown(let message):
            return .unknown(message: message)
        }
    }

    static func producerRecord(_ record: EventRecord, topic: String) -> ProducerRecord {
        ProducerRecord(
            topic: topic, partition: record.partition.map { Int32($0) }, key: record.key?.kafkaBytes, value: record.value?.kafkaBytes,
            headers: record.headers.map { (name: $0.name, value: $0.value) },
            timestamp: record.timestamp.flatMap { try? Date($0, strategy: .iso8601) }.map { Int64($0.timeIntervalSince1970 * 1000) })
    }
}

/// The records of a reader as the producer's async sequence, read in the producer's task.
struct RecordSequence: AsyncSequence {
    typealias Element = ProducerRecord
    let reader: RecordReader
    let topic: String
    let ratePerSecond: Double?
    let times: SendTimes
    let pump: ReportPump

    struct AsyncIterator: AsyncIteratorProtocol {
        let sequence: RecordSequence
        var pacer: Pacer

        mutating func next() async throws -> ProducerRecord? {
            try Task.checkCancellation()
            guard let (seq, record) = try sequence.reader.next() else { return nil }
            try await pacer.wait()
            if seq % 1024 == 0 { await sequence.pump.waitForRoom() }
            sequence.times.mark(seq: seq)
            return NativeSender.producerRecord(record, topic: sequence.topic)
        }
    }

    func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(sequence: self, pacer: Pacer(ratePerSecond: ratePerSecond))
    }
}

/// When each unanswered record was handed to the producer, in a ring indexed by seq: no
/// dictionary or lock per record. The producer never has more than `capacity` records
/// unanswered, so a slot is not reused before its record is answered; the producer's own
/// locks order the write (reading task) before the read (its report).
final class SendTimes: @unchecked Sendable {
    private let slots: UnsafeMutablePointer<UInt64>
    private let mask: Int

    init(capacity: Int) {
        var size = 1
        while size < max(2, capacity) * 2 { size <<= 1 }
        slots = .allocate(capacity: size)
        slots.initialize(repeating: 0, count: size)
        mask = size - 1
    }

    deinit { slots.deallocate() }

    func mark(seq: Int) {
        slots[seq & mask] = DispatchTime.now().uptimeNanoseconds
    }

    /// Milliseconds since `mark(seq:)`.
    func elapsed(seq: Int) -> Double? {
        let start = slots[seq & mask]
        guard start > 0 else { return nil }
        return Double(DispatchTime.now().uptimeNanoseconds &- start) / 1e6
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
