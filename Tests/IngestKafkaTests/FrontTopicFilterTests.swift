import Foundation
import TestSupport
import IngestSandbox
import NIOCore
import Testing

@testable import IngestKafka
@testable import IngestKafkaFront

/// The front's allowed topics: unknown names never reach the cluster (librdkafka's mock would
/// create them on Metadata) and are answered UNKNOWN_TOPIC_OR_PARTITION.
@Suite struct FrontTopicFilterCodecTests {
    /// A request frame as the front's frame decoder hands it over: without the size prefix.
    static func frame<R: KafkaRequest>(_ request: R) -> ByteBuffer {
        var framed = KafkaFraming.encode(request, correlationID: 42, clientID: "test")
        framed.moveReaderIndex(forwardBy: 4)
        return framed
    }

    /// The topic names a Metadata request asks for (nil: all), read back with the filter
    /// itself: with nothing allowed, every named topic is dropped.
    static func requestedTopics(_ frame: ByteBuffer, version: Int16) throws -> Set<String>? {
        let plan = try FrontTopicFilter.filterMetadataRequest(frame, version: version, allowed: []).1
        return plan.passed == nil ? nil : Set(plan.dropped)
    }

    @Test(arguments: KafkaAPIKey.metadata.supportedVersions) func metadataRequestLosesUnknownTopics(version: Int16) throws {
        let request = Self.frame(MetadataRequest(version: version, topics: ["events", "typo", "typo"]))
        let (filtered, plan) = try FrontTopicFilter.filterMetadataRequest(request, version: version, allowed: ["events", "other"])
        #expect(plan == .init(dropped: ["typo"], passed: ["events"]))
        #expect(try Self.requestedTopics(filtered, version: version) == ["events"])
        let again = try FrontTopicFilter.filterMetadataRequest(filtered, version: version, allowed: ["events"])
        #expect(again.0 == filtered, "nothing more to take out: relayed as it is")

        // Only unknown names: an empty list (v1+: no topics), not a null one (all topics).
        let onlyTypo = Self.frame(MetadataRequest(version: version, topics: ["typo"]))
        let (empty, emptyPlan) = try FrontTopicFilter.filterMetadataRequest(onlyTypo, version: version, allowed: ["events"])
        #expect(emptyPlan == .init(dropped: ["typo"], passed: []))
        #expect(try Self.requestedTopics(empty, version: version) == [])
    }

    @Test(arguments: KafkaAPIKey.metadata.supportedVersions) func metadataAnswerNamesDroppedTopicsAsUnknown(version: Int16) throws {
        let plan = FrontTopicFilter.MetadataPlan(dropped: ["typo"], passed: ["events"])
        let rewritten = try FrontRewriter.rewriteMetadata(
            MetadataFixtures.response(version: version), version: version, { _, _ in nil }, topics: (["events"], plan))
        let response = try KafkaFraming.decode(MetadataResponse.self, frame: rewritten, apiKey: .metadata, version: version)
        #expect(response.brokers.count == 2)
        #expect(response.topics.map(\.name) == ["events", "typo"])
        #expect(response.topics[0].errorCode == 0 && response.topics[0].partitions.count == 2)
        #expect(response.topics[1].errorCode == KafkaErrorCode.unknownTopicOrPartition.rawValue && response.topics[1].partitions.isEmpty)

        // Asked for all topics: ones outside the allowed set are not shown.
        let hidden = try FrontRewriter.rewriteMetadata(
            MetadataFixtures.response(version: version), version: version, { _, _ in nil },
            topics: (["other"], .init(dropped: [], passed: nil)))
        #expect(try KafkaFraming.decode(MetadataResponse.self, frame: hidden, apiKey: .metadata, version: version).topics.isEmpty)
    }

    static func produce(version: Int16, topics: [String]) -> ByteBuffer {
        let batch = RecordBatch.encode([KafkaRecord(key: nil, value: [1, 2, 3], timestampMs: 1)])
        return frame(
            ProduceRequest(
                version: version, timeoutMs: 1000,
                topics: topics.map { .init(topic: $0, partitions: [.init(partition: 0, batch: batch), .init(partition: 2, batch: batch)]) }))
    }

    @Test(arguments: KafkaAPIKey.produce.supportedVersions) func produceForUnknownTopicsIsRefused(version: Int16) throws {
        let allowed: Set<String> = ["events"]
        #expect(try FrontTopicFilter.filterProduceRequest(Self.produce(version: version, topics: ["events"]), version: version, allowed: allowed) == .relay)
        #expect(try FrontTopicFilter.produceExpectsAnswer(Self.produce(version: version, topics: ["events"]), version: version))

        let refusedTypo = [FrontTopicFilter.RefusedTopic(name: "typo", partitions: [0, 2])]
        #expect(
            try FrontTopicFilter.filterProduceRequest(Self.produce(version: version, topics: ["typo"]), version: version, allowed: allowed)
                == .refuseAll(refusedTypo))
        let answer = FrontTopicFilter.refusedProduceAnswer(correlationID: 42, version: version, refused: refusedTypo)
        let decoded = try KafkaFraming.decode(ProduceResponse.self, frame: answer, apiKey: .produce, version: version)
        #expect(try KafkaFraming.correlationID(of: answer) == 42)
        #expect(decoded.topics.map(\.topic) == ["typo"])
        #expect(decoded.topics[0].partitions.map(\.partition) == [0, 2])
        #expect(decoded.topics[0].partitions.allSatisfy { $0.errorCode == KafkaErrorCode.unknownTopicOrPartition.rawValue })

        // Mixed: the known topic goes on alone, the answer gets the refused one added.
        guard case .relayPart(let part, let refused) = try FrontTopicFilter.filterProduceRequest(
            Self.produce(version: version, topics: ["typo", "events"]), version: version, allowed: allowed)
        else {
            Issue.record("a mixed request is relayed in part")
            return
        }
        #expect(refused == refusedTypo)
        #expect(try FrontTopicFilter.filterProduceRequest(part, version: version, allowed: allowed) == .relay)
        #expect(part.readableBytes < Self.produce(version: version, topics: ["typo", "events"]).readableBytes)
        let upstream = FrontTopicFilter.refusedProduceAnswer(
            correlationID: 42, version: version, refused: [.init(name: "events", partitions: [0])])
        let merged = try FrontTopicFilter.addRefused(refused, toProduceAnswer: upstream, version: version)
        let mergedDecoded = try KafkaFraming.decode(ProduceResponse.self, frame: merged, apiKey: .produce, version: version)
        #expect(mergedDecoded.topics.map(\.topic) == ["typo", "events"])
    }

    @Test func garbageIsRefusedNotCrashed() {
        var generator = SeededRandom(seed: 11)
        let valid = Array(Self.produce(version: 9, topics: ["typo", "events"]).readableBytesView)
        for cut in 0..<valid.count {
            _ = try? FrontTopicFilter.filterProduceRequest(ByteBuffer(bytes: valid[..<cut]), version: 9, allowed: ["events"])
            _ = try? FrontTopicFilter.filterMetadataRequest(ByteBuffer(bytes: valid[..<cut]), version: 9, allowed: ["events"])
        }
        for _ in 0..<500 {
            let garbage = (0..<Int.random(in: 0...80, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
            _ = try? FrontTopicFilter.filterProduceRequest(ByteBuffer(bytes: garbage), version: 7, allowed: ["events"])
            _ = try? FrontTopicFilter.filterMetadataRequest(ByteBuffer(bytes: garbage), version: 3, allowed: ["events"])
        }
    }
}

/// The same through a real front before librdkafka's mock cluster, with our producer and kcat.
@Suite(.serialized, .timeLimit(.minutes(2))) struct FrontTopicFilterTests {
    /// `kcat -L -J` through the front (SASL_SSL) or straight at the mock: the topics listed
    /// as existing (no error, some partitions).
    static func listedTopics(bootstrap: String, caFile: String?, topic: String? = nil) async throws -> [String] {
        try await KcatRun.listedTopics(bootstrap: bootstrap, extra: caFile.map { KcatRun.saslSSL(password: SecureFrontTests.password, caFile: $0) } ?? [], topic: topic)
    }

    @Test func unknownTopicIsRefusedAndNeverCreated() async throws {
        let cluster = try MockCluster(brokers: 2)
        try cluster.createTopic("known", partitions: 2)
        let front = try await KafkaSecureFront.start(
            .init(upstreams: cluster.bootstrap.split(separator: ",").map(String.init), users: ["producer": SecureFrontTests.password],
                allowedTopics: ["known"]))
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ingest-front-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let caFile = directory.appendingPathComponent("ca.pem").path
        try front.caCertificatePEM.write(toFile: caFile, atomically: true, encoding: .utf8)
        let setup = SecureFrontTests.Setup(cluster: cluster, front: front, caFile: caFile, directory: directory)

        let producer = try await KafkaProducer.connect(SecureFrontTests.configuration(setup, caFile: caFile))
        let known = await producer.send(ProducerRecord(topic: "known", partition: 1, value: Array("fine".utf8)))
        #expect(known == .delivered(partition: 1, offset: 0, timestampMs: try MockClusterProducerTests.timestamp(known)))
        let typo = await producer.send(ProducerRecord(topic: "knwon", value: Array("lost".utf8)))
        guard case .failed(let code, let name, let message) = typo else {
            Issue.record("expected failed, got \(typo)")
            return
        }
        #expect(code == KafkaErrorCode.unknownTopicOrPartition.rawValue)
        #expect(name == "UNKNOWN_TOPIC_OR_PARTITION")
        #expect(message.contains("topics are created by the platform"), "\(message)")
        await #expect(throws: KafkaProducerError.unknownTopic("knwon")) { try await producer.partitionCount(of: "knwon") }
        await producer.close()

        // A Produce request naming the unknown topic beside the known one (our producer never
        // sends one, having asked Metadata first): refused per partition, the rest written.
        let connection = try await KafkaConnection.connect(
            host: "localhost", port: Int(front.bootstrap.split(separator: ",")[0].split(separator: ":")[1])!,
            configuration: SecureFrontTests.configuration(setup, caFile: caFile), sslContext: try KafkaProducer.makeSSLContext(
                SecureFrontTests.configuration(setup, caFile: caFile).security),
            group: .singletonMultiThreadedEventLoopGroup, logger: .init(label: "test"))
        let batch = RecordBatch.encode([KafkaRecord(key: nil, value: Array("raw".utf8), timestampMs: 1)])
        let response = try await connection.send(
            ProduceRequest(
                version: connection.version(for: .produce)!, timeoutMs: 5000,
                topics: [.init(topic: "knwon", partitions: [.init(partition: 0, batch: batch)])]),
            as: ProduceResponse.self)
        #expect(response.topics.map(\.topic) == ["knwon"])
        #expect(response.topics.first?.partitions.first?.errorCode == KafkaErrorCode.unknownTopicOrPartition.rawValue)
        let mixed = try await connection.send(
            ProduceRequest(
                version: connection.version(for: .produce)!, timeoutMs: 5000,
                topics: [
                    .init(topic: "knwon", partitions: [.init(partition: 0, batch: batch)]),
                    .init(topic: "known", partitions: [.init(partition: 0, batch: batch)]),
                ]),
            as: ProduceResponse.self)
        let codes = Dictionary(uniqueKeysWithValues: mixed.topics.map { ($0.topic, $0.partitions.first?.errorCode ?? -1) })
        #expect(codes["knwon"] == KafkaErrorCode.unknownTopicOrPartition.rawValue)
        // Relayed to the broker behind this listener: written, or refused there if it does not lead the partition.
        #expect(codes["known"] == 0 || codes["known"] == KafkaErrorCode.notLeaderOrFollower.rawValue, "\(codes)")
        connection.close()

        // Neither through the front nor at the mock itself does the topic exist.
        #expect(try await Self.listedTopics(bootstrap: front.bootstrap, caFile: caFile, topic: "knwon").isEmpty)
        #expect(try await Self.listedTopics(bootstrap: front.bootstrap, caFile: caFile) == ["known"])
        #expect(try await Self.listedTopics(bootstrap: cluster.bootstrap, caFile: nil) == ["known"])
        await front.stop()
    }
}

