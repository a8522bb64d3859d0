import Foundation
import IngestKafka
import IngestSandbox
import NIOConcurrencyHelpers
import Testing
import TestSupport
@testable import IngestCore

/// The sandbox as the platform in small: its REST proxy and native sends land in one Kafka
/// log (librdkafka's mock cluster), native sends go through the TLS + SCRAM-SHA-512 front
/// found by REST discovery, and kcat (librdkafka) reads back what was written.
@Suite(.serialized) struct NativeSandboxTests {
    struct Platform {
        let kafka: SandboxKafka
        let server: SandboxServer
        let client: RestClient

        static func start(topic: String = "ing-staging-events") async throws -> Platform {
            let kafka = try await SandboxKafka.start(topics: [topic], partitions: 3, password: "sandbox-password-0001")
            var configuration = SandboxServer.Configuration(apiKey: "native-key-000000001", topics: [topic], partitions: 3)
            configuration.kafka = kafka
            let server = SandboxServer(configuration)
            try await server.start()
            let client = try RestClient(profile: SandboxHarness.profile(), apiKey: Secret("native-key-000000001"), baseURL: server.baseURL)
            return Platform(kafka: kafka, server: server, client: client)
        }

        func stop() async {
            await client.shutdown()
            await server.stop()
            await kafka.stop()
        }

        func target(password: String? = nil, caFile: String? = nil) async throws -> NativeSender.Target {
            // As the guide does it: brokers from the REST proxy's discovery.
            let brokers = try await client.discover().brokers.map(\.description)
            return NativeSender.Target(bootstrap: brokers, username: "producer", password: Secret(password ?? kafka.password),
                                       caFile: caFile ?? kafka.caFile, tlsMinimum: .v1_2)
        }
    }

    func readBack(_ platform: Platform, topic: String) throws -> [String] {
        try ToolRun.output("/usr/bin/kcat", ["-C", "-b", platform.kafka.cluster.bootstrap, "-t", topic, "-e", "-q", "-f", "%k|%s\\n", "-X", "log_level=3"],
                           timeout: .seconds(30), requireSuccess: false)
            .split(separator: "\n").map(String.init)
    }

    @Test func restAndNativeLandInOneLog() async throws {
        let platform = try await Platform.start()
        let restRecords = (1...4).map { EventRecord(key: Payload(type: .string, data: Array("r\($0)".utf8)), value: Payload(type: .json, data: Array("{\"via\":\"rest\",\"n\":\($0)}".utf8))) }
        let rest = await platform.client.send(records: restRecords, topic: "ing-staging-events", mode: .stream) { _ in }
        #expect(rest.ledger.delivered == 4, "\(rest.stopReason ?? "")")

        let collected = NIOLockedValueBox<[DeliveryReport]>([])
        let nativeRecords = (1...6).map { EventRecord(key: Payload(type: .string, data: Array("n\($0)".utf8)), value: Payload(type: .json, data: Array("{\"via\":\"native\",\"n\":\($0)}".utf8)),
                                                      headers: [RecordHeader(name: "h", value: Array("v".utf8))]) }
        let native = await NativeSender.send(records: nativeRecords, topic: "ing-staging-events",
                                             configuration: NativeSender.configuration(try await platform.target())) { report in
            collected.withLockedValue { $0.append(report) }
        }
        #expect(native.ledger.delivered == 6, "\(native.stopReason ?? "")")
        let reports = collected.withLockedValue { $0 }
        #expect(Set(reports.map(\.seq)) == Set(1...6))
        #expect(reports.allSatisfy { if case .delivered(_, let offset, let timestamp) = $0.outcome { offset >= 0 && timestamp != nil } else { false } })

        let lines = try readBack(platform, topic: "ing-staging-events")
        #expect(lines.count == 10, "\(lines)")
        #expect(Set(lines) == Set((1...4).map { "r\($0)|{\"via\":\"rest\",\"n\":\($0)}" } + (1...6).map { "n\($0)|{\"via\":\"native\",\"n\":\($0)}" }))
        await platform.stop()
    }

    /// Records of one request for one partition are stored in the order they were sent, as
    /// the real proxy does: offsets rise with the records' order, in batches and streams.
    @Test(arguments: [RestMode.batch, .stream])
    func oneRequestKeepsItsOrderWithinAPartition(mode: RestMode) async throws {
        let platform = try await Platform.start()
        let records = (1...40).map { EventRecord(key: Payload(type: .string, data: Array("same-key".utf8)), value: Payload(type: .json, data: Array("{\"n\":\($0)}".utf8))) }
        let collected = NIOLockedValueBox<[DeliveryReport]>([])
        let run = await platform.client.send(records: records, topic: "ing-staging-events", mode: mode) { report in
            collected.withLockedValue { $0.append(report) }
        }
        #expect(run.ledger.delivered == 40, "\(run.stopReason ?? "")")
        let offsets = collected.withLockedValue { $0 }.sorted { $0.seq < $1.seq }.compactMap { report -> Int64? in
            if case .delivered(_, let offset, _) = report.outcome { offset } else { nil }
        }
        #expect(offsets.count == 40)
        #expect(offsets == offsets.sorted() && Set(offsets).count == 40, "offsets by record order: \(offsets)")
        await platform.stop()
    }

    @Test func wrongPasswordAndUntrustedCAAreRefusedClearly() async throws {
        let platform = try await Platform.start()
        let wrong = await NativeSender.send(records: SandboxHarness.jsonRecords(2), topic: "ing-staging-events",
                                            configuration: NativeSender.configuration(try await platform.target(password: "not-the-password"))) { _ in }
        #expect(wrong.ledger.total == 0)
        #expect(wrong.stopReason?.contains("authentication failed for user producer: check the profile's kafka.password") == true, "\(wrong.stopReason ?? "")")
        #expect(wrong.stopReason?.contains("not-the-password") == false)

        let other = try await SandboxKafka.start(topics: [], partitions: 1, password: "x-00000000000")
        let untrusted = await NativeSender.send(records: SandboxHarness.jsonRecords(2), topic: "ing-staging-events",
                                                configuration: NativeSender.configuration(try await platform.target(caFile: other.caFile))) { _ in }
        await other.stop()
        #expect(untrusted.ledger.total == 0)
        #expect(untrusted.stopReason?.lowercased().contains("certificate") == true, "\(untrusted.stopReason ?? "")")

        await platform.stop()
    }

    @Test func injectedKafkaErrorsGiveExactlyOneOutcomeEach() async throws {
        let platform = try await Platform.start()
        // Retriable then fatal: NOT_ENOUGH_REPLICAS (19) then TOPIC_AUTHORIZATION_FAILED (29).
        platform.kafka.cluster.failNextProduceRequests([19, 19, 29])
        let collected = NIOLockedValueBox<[DeliveryReport]>([])
        let result = await NativeSender.send(records: SandboxHarness.jsonRecords(30), topic: "ing-staging-events",
                                             configuration: NativeSender.configuration(try await platform.target())) { report in
            collected.withLockedValue { $0.append(report) }
        }
        let reports = collected.withLockedValue { $0 }
        #expect(result.ledger.total == 30)
        #expect(Set(reports.map(\.seq)).count == 30)
        #expect(result.ledger.delivered + result.ledger.failed + result.ledger.unknown == 30)
        // No duplicates in Kafka: what was delivered is there exactly once.
        let lines = try readBack(platform, topic: "ing-staging-events")
        #expect(lines.count == result.ledger.delivered, "\(lines.count) in Kafka, \(result.ledger.delivered) delivered")
        #expect(Set(lines).count == lines.count)
        await platform.stop()
    }

    /// Topic names `kcat -L -J` lists as existing (no error, some partitions).
    func listedTopics(bootstrap: String, extra: [String], topic: String? = nil) throws -> [String] {
        let output = try ToolRun.output(
            "/usr/bin/kcat", ["-L", "-J", "-b", bootstrap, "-m", "10", "-X", "log_level=0"] + (topic.map { ["-t", $0] } ?? []) + extra,
            timeout: .seconds(30), requireSuccess: false)
        struct Listing: Decodable {
            struct Topic: Decodable {
                struct Partition: Decodable { var partition: Int32 }
                var topic: String
                var err: String?
                var error: String?
                var partitions: [Partition]?
            }
            var topics: [Topic]
        }
        let listing = try JSONDecoder().decode(Listing.self, from: Data(output.utf8))
        return listing.topics.filter { $0.err == nil && $0.error == nil && !($0.partitions ?? []).isEmpty }.map(\.topic)
    }

    /// The mock cluster creates any topic a Metadata request names; the sandbox's front keeps
    /// it to its own topics, as the platform would.
    @Test func unknownTopicFailsAndIsNeverCreated() async throws {
        let platform = try await Platform.start()
        let target = try await platform.target()
        let typo = "ing-staging-evnets"
        let result = await NativeSender.send(records: SandboxHarness.jsonRecords(3), topic: typo,
                                             configuration: NativeSender.configuration(target)) { _ in }
        #expect(result.ledger.total == 0)
        #expect(result.ledger.delivered == 0)
        #expect(result.stopReason?.contains("topic \(typo) does not exist: topics are created by the platform") == true, "\(result.stopReason ?? "")")

        // Record by record (no topic check first): each record fails with UNKNOWN_TOPIC_OR_PARTITION.
        let producer = try await KafkaProducer.connect(NativeSender.configuration(target))
        let outcome = await producer.send(ProducerRecord(topic: typo, value: Array("{}".utf8)))
        await producer.close()
        guard case .failed(let code, let message) = NativeSender.outcome(outcome, clock: TimestampClock()) else {
            Issue.record("expected failed, got \(outcome)")
            await platform.stop()
            return
        }
        #expect(code == 3)
        #expect(message.hasPrefix("UNKNOWN_TOPIC_OR_PARTITION: "), "\(message)")
        #expect(message.contains("topics are created by the platform"), "\(message)")

        // Not there through the front (as a client sees it) nor in the mock cluster itself.
        let secure = ["-X", "security.protocol=SASL_SSL", "-X", "sasl.mechanisms=SCRAM-SHA-512", "-X", "sasl.username=producer",
                      "-X", "sasl.password=\(platform.kafka.password)", "-X", "ssl.ca.location=\(platform.kafka.caFile)"]
        let front = platform.kafka.bootstrap.joined(separator: ",")
        #expect(try listedTopics(bootstrap: front, extra: secure, topic: typo).isEmpty)
        #expect(try listedTopics(bootstrap: front, extra: secure) == ["ing-staging-events"])
        #expect(try listedTopics(bootstrap: platform.kafka.cluster.bootstrap, extra: []) == ["ing-staging-events"])
        await platform.stop()
    }
}
