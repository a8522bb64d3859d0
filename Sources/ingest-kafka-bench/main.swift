// Benchmark helper for bench/native-vs-kcat.sh.
//   ingest-kafka-bench mock PARTITIONS TOPIC[,TOPIC] [RTT_MS]
//       the sandbox's Kafka (librdkafka's mock cluster, 3 brokers answering after RTT_MS, behind
//       the TLS + SCRAM front); prints `plaintext=`, `front=`, `ca=` and `password=` lines, then
//       answers each `bytes TOPIC` line on stdin with the Produce request bytes the front saw
//       for TOPIC; stops when stdin closes.
//   ingest-kafka-bench produce BOOTSTRAP TOPIC FILE [none|gzip|lz4|zstd]
//       sends every line of FILE as a record value and prints a summary; through TLS + SCRAM
//       (user producer) when INGEST_BENCH_CA and INGEST_BENCH_PASSWORD are set.
import Foundation
import IngestKafka
import IngestSandbox
import Synchronization

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data((message + "\n").utf8))
    exit(2)
}

func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
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

let arguments = CommandLine.arguments
let usage = "usage: ingest-kafka-bench mock PARTITIONS TOPIC[,TOPIC] [RTT_MS] | produce BOOTSTRAP TOPIC FILE [none|gzip|lz4|zstd]"
guard arguments.count >= 2 else { fail(usage) }

switch arguments[1] {
case "mock":
    guard (4...5).contains(arguments.count), let partitions = Int(arguments[2]) else { fail(usage) }
    let rtt = arguments.count == 5 ? Int(arguments[4]) : 0
    guard let rtt else { fail("RTT_MS is a number of milliseconds") }
    let topics = arguments[3].split(separator: ",").map(String.init)
    let kafka = try await SandboxKafka.start(
        topics: topics, partitions: partitions, password: "bench-" + UUID().uuidString, roundTripMilliseconds: rtt)
    say("plaintext=\(kafka.cluster.bootstrap)")
    say("front=\(kafka.bootstrap.joined(separator: ","))")
    say("ca=\(kafka.caFile)")
    say("password=\(kafka.password)")
    while let line = readLine() {
        let words = line.split(separator: " ")
        if words.count == 2, words[0] == "bytes" { say("bytes=\(kafka.front.produceRequestBytes(topic: String(words[1])))") }
    }
    await kafka.stop()

case "produce":
    guard (5...6).contains(arguments.count) else { fail(usage) }
    let topic = arguments[3]
    var configuration = KafkaProducerConfiguration(bootstrapServers: arguments[2].split(separator: ",").map(String.init), lingerMs: 5)
    if arguments.count == 6 {
        guard let codec = KafkaCompression(rawValue: arguments[5]) else { fail("compression is none, gzip, lz4 or zstd") }
        configuration.compression = codec
    }
    let environment = ProcessInfo.processInfo.environment
    if let ca = environment["INGEST_BENCH_CA"], let password = environment["INGEST_BENCH_PASSWORD"] {
        configuration.security = .saslSSL(
            username: "producer", password: password, mechanism: .sha512, tls: .init(minimumVersion: .tls12, extraCAFile: ca))
    }
    let producer = try await KafkaProducer.connect(configuration)
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
    say("native: \(delivered) delivered, \(other) not, \(String(format: "%.2f", seconds)) s, \(rate) records/s")
    if other > 0 { exit(1) }

default:
    fail(usage)
}
