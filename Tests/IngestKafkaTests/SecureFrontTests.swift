import Foundation
import TestSupport
import IngestSandbox
import NIOCore
@testable import IngestKafkaFront
import Testing

@testable import IngestKafka

/// TLS + SASL SCRAM-SHA-512 through the front (CA generated at start) in front of the mock
/// cluster: our producer and kcat (librdkafka 2.0.2) as clients.
@Suite(.serialized, .timeLimit(.minutes(2))) struct SecureFrontTests {
    static let password = "front-test-pass"

    struct Setup {
        let cluster: MockCluster
        let front: KafkaSecureFront
        let caFile: String
        let directory: URL
    }

    static func setUp(topic: String) async throws -> Setup {
        let cluster = try MockCluster(brokers: 2)
        try cluster.createTopic(topic, partitions: 2)
        let front = try await KafkaSecureFront.start(
            .init(upstreams: cluster.bootstrap.split(separator: ",").map(String.init), users: ["producer": password]))
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ingest-front-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let caFile = directory.appendingPathComponent("ca.pem").path
        try front.caCertificatePEM.write(toFile: caFile, atomically: true, encoding: .utf8)
        return Setup(cluster: cluster, front: front, caFile: caFile, directory: directory)
    }

    static func configuration(_ setup: Setup, password: String = password, caFile: String?) -> KafkaProducerConfiguration {
        KafkaProducerConfiguration(
            bootstrapServers: setup.front.bootstrap.split(separator: ",").map(String.init),
            security: .saslSSL(
                username: "producer", password: password, mechanism: .sha512, tls: .init(extraCAFile: caFile)),
            lingerMs: 2, deliveryTimeout: .seconds(20), connectTimeout: .seconds(3))
    }

    @Test func ourProducerThroughTLSAndSCRAM() async throws {
        let setup = try await Self.setUp(topic: "secure")
        defer { try? FileManager.default.removeItem(at: setup.directory) }
        let producer = try await KafkaProducer.connect(Self.configuration(setup, caFile: setup.caFile))
        let count = 200
        let records = (0..<count).map { ProducerRecord(topic: "secure", key: Array("k\($0 % 7)".utf8), value: Array("secure-\($0)".utf8)) }
        let outcomes = OutcomeCollector(count: count)
        try await producer.produce(records.async) { outcomes.set($0, $1) }
        await producer.close()
        for (index, outcome) in outcomes.all().enumerated() {
            guard case .delivered = outcome else {
                Issue.record("record \(index): \(String(describing: outcome))")
                continue
            }
        }
        let stored = try await Kcat.consumeAll(bootstrap: setup.cluster.bootstrap, topic: "secure").compactMap(\.payload)
        #expect(Set(stored) == Set(records.map { String(decoding: $0.value!, as: UTF8.self) }))
        #expect(stored.count == count)
        await setup.front.stop()
    }

    @Test func kcatProducesThroughTLSAndSCRAM() async throws {
        let setup = try await Self.setUp(topic: "kcat-secure")
        defer { try? FileManager.default.removeItem(at: setup.directory) }
        let lines = (0..<50).map { "kcat-line-\($0)" }
        try await ToolRun.run(
            try Kcat.path(),
            [
                "-P", "-b", setup.front.bootstrap, "-t", "kcat-secure", "-X", "security.protocol=SASL_SSL",
                "-X", "sasl.mechanisms=SCRAM-SHA-512", "-X", "sasl.username=producer", "-X", "sasl.password=\(Self.password)",
                "-X", "ssl.ca.location=\(setup.caFile)", "-X", "log_level=3",
            ], input: Data((lines.joined(separator: "\n") + "\n").utf8), timeout: .seconds(30))
        let stored = try await Kcat.consumeAll(bootstrap: setup.cluster.bootstrap, topic: "kcat-secure").compactMap(\.payload)
        #expect(Set(stored) == Set(lines))
        await setup.front.stop()
    }

    @Test func wrongPasswordIsRefusedWithAClearMessage() async throws {
        let setup = try await Self.setUp(topic: "secure-wrong")
        defer { try? FileManager.default.removeItem(at: setup.directory) }
        do {
            _ = try await KafkaProducer.connect(Self.configuration(setup, password: "not-the-password", caFile: setup.caFile))
            Issue.record("a wrong password must not connect")
        } catch let error as KafkaProducerError {
            guard case .authenticationFailed = error else {
                Issue.record("unexpected \(error)")
                return
            }
            #expect(error.description.hasPrefix("authentication failed for user producer: check the profile's kafka.password"))
            #expect(!error.description.contains("not-the-password"), "the password never appears in errors")
        }
        await setup.front.stop()
    }

    @Test func untrustedCAIsRefused() async throws {
        let setup = try await Self.setUp(topic: "secure-ca")
        defer { try? FileManager.default.removeItem(at: setup.directory) }
        do {
            _ = try await KafkaProducer.connect(Self.configuration(setup, caFile: nil))
            Issue.record("a certificate from an unknown CA must be refused")
        } catch let error as KafkaProducerError {
            guard case .tlsFailed(_, let detail) = error else {
                Issue.record("unexpected \(error)")
                return
            }
            #expect(detail.contains("certificate verification failed"))
        }
        await setup.front.stop()
    }
}

extension SecureFrontTests {
    @Test func scramSHA256OverTLS13() async throws {
        let setup = try await Self.setUp(topic: "secure-256")
        defer { try? FileManager.default.removeItem(at: setup.directory) }
        var configuration = Self.configuration(setup, caFile: setup.caFile)
        configuration.security = .saslSSL(
            username: "producer", password: Self.password, mechanism: .sha256,
            tls: .init(minimumVersion: .tls13, extraCAFile: setup.caFile))
        let producer = try await KafkaProducer.connect(configuration)
        let outcome = await producer.send(ProducerRecord(topic: "secure-256", partition: 1, value: Array("tls13".utf8)))
        #expect(outcome == .delivered(partition: 1, offset: 0, timestampMs: try MockClusterProducerTests.timestamp(outcome)))
        await producer.close()
        await setup.front.stop()
    }
}

@Suite struct FrontRewriterTests {
    @Test(arguments: KafkaAPIKey.metadata.supportedVersions) func metadataBrokersPointAtTheFront(version: Int16) throws {
        let rewritten = try FrontRewriter.rewriteMetadata(MetadataFixtures.response(version: version), version: version) { host, port in
            host == "broker2" ? ("localhost", port + 1000) : nil
        }
        let response = try KafkaFraming.decode(MetadataResponse.self, frame: rewritten, apiKey: .metadata, version: version)
        #expect(response.brokers == [.init(nodeID: 1, host: "broker1", port: 9091), .init(nodeID: 2, host: "localhost", port: 10092)])
        #expect(response.topics.first?.partitions.count == 2, "the rest is copied unchanged")
    }

    @Test func garbageIsRefusedNotCrashed() {
        var generator = SeededRandom(seed: 7)
        let valid = Array(MetadataFixtures.response(version: 12).readableBytesView)
        for cut in 0..<valid.count {
            _ = try? FrontRewriter.rewriteMetadata(ByteBuffer(bytes: valid[..<cut]), version: 12) { _, _ in nil }
        }
        for _ in 0..<500 {
            let garbage = (0..<Int.random(in: 0...80, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
            _ = try? FrontRewriter.rewriteMetadata(ByteBuffer(bytes: garbage), version: 9) { _, _ in nil }
        }
    }
}

extension SecureFrontTests {
    @Test func hostnameMismatchIsRefused() async throws {
        let cluster = try MockCluster(brokers: 1)
        try cluster.createTopic("secure-name", partitions: 1)
        // The certificate names only "ingest-front.invalid"; we connect as "localhost".
        let front = try await KafkaSecureFront.start(
            .init(upstreams: [cluster.bootstrap], users: ["producer": Self.password], certificateNames: ["ingest-front.invalid"]))
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ingest-front-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let caFile = directory.appendingPathComponent("ca.pem").path
        try front.caCertificatePEM.write(toFile: caFile, atomically: true, encoding: .utf8)
        let port = front.bootstrap.split(separator: ":").last.map(String.init) ?? ""
        do {
            _ = try await KafkaProducer.connect(
                KafkaProducerConfiguration(
                    bootstrapServers: ["localhost:\(port)"],
                    security: .saslSSL(username: "producer", password: Self.password, mechanism: .sha512, tls: .init(extraCAFile: caFile)),
                    connectTimeout: .seconds(3)))
            Issue.record("a certificate for another name must be refused")
        } catch let error as KafkaProducerError {
            guard case .tlsFailed(_, let detail) = error else {
                Issue.record("unexpected \(error)")
                return
            }
            #expect(detail.contains("hostname"), "\(detail)")
        }
        await front.stop()
    }
}
