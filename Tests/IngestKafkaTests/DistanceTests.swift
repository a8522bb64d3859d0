import Foundation
import IngestSandbox
import Testing

@testable import IngestKafka

/// The producer at a distance, as operators use it: through the sandbox's TLS + SCRAM front,
/// brokers answering after 40 ms, five batches in flight per partition, retriable errors
/// injected and a broker going down mid-run. Every record ends in exactly one outcome, and
/// librdkafka (kcat) reads each delivered record back exactly once, in order per partition.
@Suite(.serialized, .timeLimit(.minutes(4))) struct DistanceTests {
    @Test func exactAccountingAtFortyMillisecondsWithFaults() async throws {
        let kafka = try await SandboxKafka.start(
            topics: ["far"], partitions: 6, password: "distance-pass", roundTripMilliseconds: 40)
        // Broker 2 surely leads partitions 2 and 3 (the mock places leaders at random).
        for partition in Int32(0)..<6 { kafka.cluster.setPartitionLeader(topic: "far", partition: partition, broker: partition / 2 + 1) }
        var configuration = KafkaProducerConfiguration(
            bootstrapServers: kafka.bootstrap,
            security: .saslSSL(
                username: kafka.username, password: kafka.password, mechanism: .sha512, tls: .init(extraCAFile: kafka.caFile)),
            batchMaxBytes: 64 * 1024, deliveryTimeout: .seconds(8), retryBackoff: .milliseconds(50), requestTimeout: .seconds(5),
            connectTimeout: .seconds(2))
        configuration.maxInFlightPerPartition = 5
        // A window well under the record count, so the faults below land mid-run rather than
        // while the first batches are still being read.
        configuration.maxUnansweredRecords = 20_000
        let producer = try await KafkaProducer.connect(configuration)

        let count = 200_000
        let records = (0..<count).map { ProducerRecord(topic: "far", key: Array("k\($0 % 997)".utf8), value: Array("far-\($0)".utf8)) }
        let cluster = kafka.cluster
        let front = kafka.front
        let source = CountingSource(records: records) { read in
            switch read {
            // NOT_LEADER_OR_FOLLOWER and NOT_ENOUGH_REPLICAS for the next Produce requests,
            // answered by the front as a broker would (the mock's own injected refusals let
            // the batches behind them through, which no broker does for an idempotent producer).
            case count / 5: front.failNextProduceRequests([6, 19, 6, 19, 19, 6])
            case count * 3 / 10: front.failNextProduceRequests([19, 19, 6])
            case count / 2: cluster.setBrokerDown(2)
            default: break
            }
        }
        let outcomes = OutcomeCollector(count: count)
        try await producer.produce(source) { outcomes.set($0, $1) }
        await producer.close()
        cluster.setBrokerUp(2)

        var delivered: [String: (partition: Int32, offset: Int64)] = [:]
        var unknown = Set<String>()
        var failed = Set<String>()
        for (index, outcome) in outcomes.all().enumerated() {
            let value = String(decoding: records[index].value!, as: UTF8.self)
            switch outcome {
            case .delivered(let partition, let offset, _): delivered[value] = (partition, offset)
            case .unknown: unknown.insert(value)
            case .failed: failed.insert(value)
            case nil: Issue.record("record \(index) has no outcome")
            }
        }
        #expect(delivered.count + unknown.count + failed.count == count)
        #expect(delivered.count >= count / 2, "the live brokers kept working: \(delivered.count) delivered")
        #expect(!unknown.isEmpty || !failed.isEmpty, "records for the broker that went down cannot all be delivered")

        let stored = try await Kcat.consumeAll(bootstrap: cluster.bootstrap, topic: "far")
        let payloads = stored.compactMap(\.payload)
        #expect(Set(payloads).count == payloads.count, "no record is stored twice")
        var lastSeq: [Int32: Int] = [:]
        for message in stored.sorted(by: { ($0.partition, $0.offset) < ($1.partition, $1.offset) }) {
            guard let payload = message.payload, let seq = Int(payload.dropFirst(4)) else { continue }
            if let (partition, offset) = delivered[payload] {
                #expect(partition == message.partition && offset == message.offset, "\(payload) reported at \(partition)/\(offset)")
            } else {
                #expect(unknown.contains(payload), "\(payload) is stored but was reported \(failed.contains(payload) ? "failed" : "nothing")")
            }
            if let last = lastSeq[message.partition] {
                #expect(last < seq, "partition \(message.partition): record \(seq) stored after \(last)")
            }
            lastSeq[message.partition] = seq
        }
        #expect(Set(payloads).isSuperset(of: delivered.keys), "every delivered record is stored")
        await kafka.stop()
    }
}
