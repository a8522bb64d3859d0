import Foundation
import IngestSandbox
import Testing

@testable import IngestKafka

/// The idempotent identity against librdkafka's mock cluster (which checks producer ids and
/// sequence numbers as a broker does).
@Suite(.serialized, .timeLimit(.minutes(2))) struct IdempotenceTests {
    /// UNKNOWN_PRODUCER_ID for the first batch of six partitions at once: each needs a new
    /// identity, and they must share one InitProducerId (the engine once sent one from every
    /// delivery that found the identity stale). The batches were not stored, so they go again
    /// under the new identity and are delivered.
    @Test func concurrentDeliveriesShareOneInitProducerId() async throws {
        // One broker takes the six requests in order (one refusal each), and at 50 ms the six
        // refusals arrive while the first InitProducerId is still out.
        let cluster = try MockCluster(brokers: 1, roundTripMilliseconds: 50)
        try cluster.createTopic("identity", partitions: 6)
        let producer = try await KafkaProducer.connect(MockClusterProducerTests.configuration(cluster))
        #expect(await producer.engine.initProducerIdRequests == 1)
        for wave in 0..<2 {
            if wave == 0 { cluster.failNextProduceRequests(Array(repeating: 59, count: 6)) }
            let records = (Int32(0)..<6).map { ProducerRecord(topic: "identity", partition: $0, value: Array("w\(wave)-p\($0)".utf8)) }
            for (index, outcome) in await producer.send(contentsOf: records).enumerated() {
                guard case .delivered = outcome else {
                    Issue.record("wave \(wave), partition \(index): expected delivery, got \(outcome)")
                    continue
                }
            }
        }
        let requests = await producer.engine.initProducerIdRequests
        #expect(requests == 2, "one new identity for all six partitions, not \(requests - 1)")
        await producer.close()
        let stored = try await Kcat.consumeAll(bootstrap: cluster.bootstrap, topic: "identity").compactMap(\.payload)
        #expect(stored.count == 12 && Set(stored).count == 12, "each record once")
    }
}
