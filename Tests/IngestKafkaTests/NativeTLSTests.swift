import Foundation
import IngestSandbox
import NIOSSL
import Testing

@testable import IngestKafka
@testable import IngestKafkaFront

/// What the producer accepts of a broker's TLS: forward secrecy, and the profile's minimum
/// version; and what it reports of the session it got.
@Suite(.serialized, .timeLimit(.minutes(2))) struct NativeTLSTests {
    struct Setup {
        let cluster: MockCluster
        let front: KafkaSecureFront
        let caFile: String
    }

    static func setUp(maximum: TLSVersion? = nil, suites: [NIOTLSCipher]? = nil) async throws -> Setup {
        let cluster = try MockCluster(brokers: 1)
        try cluster.createTopic("tls", partitions: 1)
        var configuration = KafkaSecureFront.Configuration(
            upstreams: cluster.bootstrap.split(separator: ",").map(String.init), users: ["producer": SecureFrontTests.password])
        configuration.maximumTLSVersion = maximum
        configuration.tls12CipherSuites = suites
        let front = try await KafkaSecureFront.start(configuration)
        let caFile = FileManager.default.temporaryDirectory.appendingPathComponent("ingest-tls-\(UUID().uuidString).pem").path
        try front.caCertificatePEM.write(toFile: caFile, atomically: true, encoding: .utf8)
        return Setup(cluster: cluster, front: front, caFile: caFile)
    }

    static func connect(_ setup: Setup, minimum: KafkaProducerConfiguration.TLS.MinimumVersion = .tls12) async throws -> KafkaProducer {
        try await KafkaProducer.connect(
            KafkaProducerConfiguration(
                bootstrapServers: setup.front.bootstrap.split(separator: ",").map(String.init),
                security: .saslSSL(
                    username: "producer", password: SecureFrontTests.password, mechanism: .sha512,
                    tls: .init(minimumVersion: minimum, extraCAFile: setup.caFile)),
                connectTimeout: .seconds(3)))
    }

    static func refusal(_ setup: Setup, minimum: KafkaProducerConfiguration.TLS.MinimumVersion = .tls12) async -> String? {
        do {
            let producer = try await connect(setup, minimum: minimum)
            await producer.close()
            return nil
        } catch {
            return String(describing: error)
        }
    }

    @Test func tls13SessionIsReported() async throws {
        let setup = try await Self.setUp()
        defer { try? FileManager.default.removeItem(atPath: setup.caFile) }
        let producer = try await Self.connect(setup)
        #expect(producer.tlsSession?.version == "TLSv1.3")
        #expect(producer.tlsSession?.cipherSuiteName.hasPrefix("TLS_AES_") == true || producer.tlsSession?.cipherSuiteName == "TLS_CHACHA20_POLY1305_SHA256")
        await producer.close()
        await setup.front.stop()
    }

    /// A broker capped at TLS 1.2 still gets a forward-secret (ECDHE) suite.
    @Test func tls12SessionIsForwardSecret() async throws {
        let setup = try await Self.setUp(maximum: .tlsv12)
        defer { try? FileManager.default.removeItem(atPath: setup.caFile) }
        let producer = try await Self.connect(setup)
        #expect(producer.tlsSession?.version == "TLSv1.2")
        #expect(producer.tlsSession?.cipherSuiteName.hasPrefix("TLS_ECDHE_") == true, "got \(String(describing: producer.tlsSession))")
        let outcome = await producer.send(ProducerRecord(topic: "tls", value: Array("over 1.2".utf8)))
        guard case .delivered = outcome else {
            Issue.record("expected delivery, got \(outcome)")
            return
        }
        await producer.close()
        await setup.front.stop()
    }

    /// A TLS 1.2 broker offering only RSA key exchange (no forward secrecy) is refused, and
    /// the message says why.
    @Test func brokerWithoutForwardSecrecyIsRefused() async throws {
        let setup = try await Self.setUp(maximum: .tlsv12, suites: [.TLS_RSA_WITH_AES_128_GCM_SHA256])
        defer { try? FileManager.default.removeItem(atPath: setup.caFile) }
        let message = await Self.refusal(setup)
        #expect(message?.contains("forward secrecy") == true, "got \(message ?? "a connection")")
        #expect(message?.contains("TLS with") == true)
        await setup.front.stop()
    }

    /// tls_min_version = 1.3 refuses a broker capped at TLS 1.2, saying so.
    @Test func minimumTLS13RefusesATLS12Broker() async throws {
        let setup = try await Self.setUp(maximum: .tlsv12)
        defer { try? FileManager.default.removeItem(atPath: setup.caFile) }
        let message = await Self.refusal(setup, minimum: .tls13)
        #expect(message?.contains("requires TLS 1.3") == true, "got \(message ?? "a connection")")
        // The same broker is accepted with the 1.2 minimum (positive control).
        #expect(await Self.refusal(setup, minimum: .tls12) == nil)
        await setup.front.stop()
    }
}
