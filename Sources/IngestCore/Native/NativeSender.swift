import Foundation
import IngestKafka
import Logging
import NIOConcurrencyHelpers
import NIOCore

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

        public init(bootstrap: [String], username: String, password: Secret, caFile: String?, tlsMinimum: TLSMinimumVersion) {
            self.bootstrap = bootstrap
            self.username = username
            self.password = password
            self.caFile = caFile
            self.tlsMinimum = tlsMinimum
        }
    }

    public static func configuration(_ target: Target) -> KafkaProducerConfiguration {
        let tls = KafkaProducerConfiguration.TLS(minimumVersion: target.tlsMinimum == .v1_3 ? .tls13 : .tls12,
                                                 extraCAFile: target.caFile.flatMap { $0.isEmpty ? nil : $0 })
        return KafkaProducerConfiguration(
            bootstrapServers: target.bootstrap,
            security: .saslSSL(username: target.username, password: target.password.reveal(), mechanism: .sha512, tls: tls))
    }

    /// Connects, checks the topic, sends every record of `source`; one report per record.
    public static func send(source: RecordSource, topic: String, configuration: KafkaProducerConfiguration,
                            options: SendOptions = SendOptions(), onReport: @escaping @Sendable (DeliveryReport) -> Void) async -> SendResult {
        let started = NIODeadline.now()
        let run = SendRun(onReport: onReport)
        var result = SendResult(ledger: DeliveryLedger(), elapsedSeconds: 0)
        let producer: KafkaProducer
        do {
            producer = try await KafkaProducer.connect(configuration, logger: Logger(label: "ingest.kafka"))
        } catch {
            result.stopReason = "\(error)"
            result.elapsedSeconds = Double((NIODeadline.now() - started).nanoseconds) / 1e9
            return result
        }
        do {
            // Before anything is sent: a missing topic is named, never created.
            _ = try await producer.partitionCount(of: topic)
            let reader = RecordReader(source: source, maximumBytes: options.maximumRecordBytes, onRead: options.onRecordRead)
            let sentAt = NIOLockedValueBox<[Int: NIODeadline]>([:])
            let records = RecordSequence(reader: reader, topic: topic, ratePerSecond: options.ratePerSecond) { seq in
                sentAt.withLockedValue { $0[seq] = .now() }
            }
            try await producer.produce(records) { index, outcome in
                let seq = index + 1
                let latency = sentAt.withLockedValue { $0.removeValue(forKey: seq) }.map { Double((NIODeadline.now() - $0).nanoseconds) / 1e6 }
                run.report(DeliveryReport(seq: seq, outcome: Self.outcome(outcome), latencyMilliseconds: latency))
            }
        } catch let error as InputError {
            result.inputError = error
            result.stopReason = error.description
        } catch is CancellationError {
            result.stopReason = "stopped by the operator"
        } catch {
            result.stopReason = "\(error)"
        }
        await producer.close()
        result.ledger = run.ledger
        result.elapsedSeconds = Double((NIODeadline.now() - started).nanoseconds) / 1e9
        return result
    }

    static func outcome(_ outcome: KafkaDeliveryOutcome) -> Outcome {
        switch outcome {
        case .delivered(let partition, let offset, let timestampMs):
            // librdkafka's mock cluster answers a clock-relative log-append time; a real broker an
            // epoch time or -1. Anything before 2001 is not a wall-clock time: use ours.
            let milliseconds = timestampMs >= 1_000_000_000_000 ? Double(timestampMs) : Date().timeIntervalSince1970 * 1000
            let timestamp = Date(timeIntervalSince1970: milliseconds / 1000).formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
            return .delivered(partition: Int(partition), offset: offset, timestamp: timestamp)
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

/// The records of a source as the producer's async sequence, read in the producer's task.
struct RecordSequence: AsyncSequence {
    typealias Element = ProducerRecord
    let reader: RecordReader
    let topic: String
    let ratePerSecond: Double?
    let willSend: (Int) -> Void

    struct AsyncIterator: AsyncIteratorProtocol {
        let sequence: RecordSequence
        var pacer: RestClient.Pacer

        mutating func next() async throws -> ProducerRecord? {
            try Task.checkCancellation()
            guard let (seq, record, _) = try sequence.reader.next() else { return nil }
            try await pacer.wait()
            sequence.willSend(seq)
            return NativeSender.producerRecord(record, topic: sequence.topic)
        }
    }

    func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(sequence: self, pacer: RestClient.Pacer(ratePerSecond: ratePerSecond))
    }
}
