// Benchmark helper for bench/native-vs-kcat.sh.
//   ingest-kafka-bench mock BROKERS TOPICS PARTITIONS  run librdkafka's mock cluster, print its bootstrap, stay up until stdin closes
//   ingest-kafka-bench produce BOOTSTRAP TOPIC FILE     send every line of FILE as a record value, print a summary
import CRdKafka
import Foundation
import IngestKafka
import Synchronization

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data((message + "\n").utf8))
    exit(2)
}

/// Each line of a file as a record for `topic`, read as needed so memory does not grow with
/// the file. Records are made here rather than through `.map`, whose closure would cost an
/// async hop per record in the harness, not in the producer.
struct LineRecords: AsyncSequence, Sendable {
    typealias Element = ProducerRecord
    let path: String
    let topic: String

    struct AsyncIterator: AsyncIteratorProtocol {
        let file: UnsafeMutablePointer<FILE>
        let topic: String
        var line: UnsafeMutablePointer<CChar>? = nil
        var capacity = 0

        mutating func next() async -> ProducerRecord? {
            let length = getline(&line, &capacity, file)
            guard length > 0, let line else { return nil }
            var count = length
            if line[count - 1] == 10 { count -= 1 }
            let value = line.withMemoryRebound(to: UInt8.self, capacity: count) { Array(UnsafeBufferPointer(start: $0, count: count)) }
            return ProducerRecord(topic: topic, value: value)
        }
    }

    func makeAsyncIterator() -> AsyncIterator {
        guard let file = fopen(path, "r") else { fail("cannot open \(path)") }
        return AsyncIterator(file: file, topic: topic)
    }
}

let arguments = CommandLine.arguments
guard arguments.count == 5 else { fail("usage: ingest-kafka-bench mock BROKERS TOPIC[,TOPIC] PARTITIONS | produce BOOTSTRAP TOPIC FILE") }

switch arguments[1] {
case "mock":
    guard let brokers = Int32(arguments[2]), let partitions = Int32(arguments[4]) else { fail("BROKERS and PARTITIONS are numbers") }
    let conf = rd_kafka_conf_new()
    var errors = [CChar](repeating: 0, count: 512)
    _ = rd_kafka_conf_set(conf, "log_level", "3", &errors, errors.count)
    guard let handle = rd_kafka_new(RD_KAFKA_PRODUCER, conf, &errors, errors.count),
        let cluster = rd_kafka_mock_cluster_new(handle, brokers)
    else { fail("cannot start the mock cluster") }
    for topic in arguments[3].split(separator: ",") {
        guard rd_kafka_mock_topic_create(cluster, String(topic), partitions, 1) == RD_KAFKA_RESP_ERR_NO_ERROR else {
            fail("cannot create topic \(topic)")
        }
    }
    let bootstrap = String(cString: rd_kafka_mock_cluster_bootstraps(cluster))
    FileHandle.standardOutput.write(Data((bootstrap + "\n").utf8))
    _ = FileHandle.standardInput.readDataToEndOfFile()
    rd_kafka_mock_cluster_destroy(cluster)
    rd_kafka_destroy(handle)

case "produce":
    let topic = arguments[3]
    let producer = try await KafkaProducer.connect(
        KafkaProducerConfiguration(bootstrapServers: arguments[2].split(separator: ",").map(String.init), lingerMs: 5))
    let counts = Counts()
    let start = ContinuousClock.now
    try await producer.produce(LineRecords(path: arguments[4], topic: topic)) { _, outcome in
        counts.add(outcome)
    }
    await producer.close()
    let elapsed = (ContinuousClock.now - start).components
    let seconds = Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18
    let (delivered, other) = counts.totals
    let rate = Int(Double(delivered) / seconds)
    FileHandle.standardOutput.write(Data("native: \(delivered) delivered, \(other) not, \(String(format: "%.2f", seconds)) s, \(rate) records/s\n".utf8))
    if other > 0 { exit(1) }

default:
    fail("unknown command \(arguments[1])")
}

/// Outcome counts, bumped from whichever thread reports (atomics: a lock per record would be
/// the harness's cost, not the producer's).
final class Counts: Sendable {
    private let delivered = Atomic<Int>(0)
    private let other = Atomic<Int>(0)

    func add(_ outcome: KafkaDeliveryOutcome) {
        if case .delivered = outcome {
            delivered.wrappingAdd(1, ordering: .relaxed)
        } else {
            other.wrappingAdd(1, ordering: .relaxed)
        }
    }

    var totals: (Int, Int) { (delivered.load(ordering: .acquiring), other.load(ordering: .acquiring)) }
}
