import Foundation
import IngestKafka
import IngestKafkaFront

/// The sandbox's real broker: librdkafka's mock cluster (3 brokers on loopback) behind a TLS +
/// SASL SCRAM-SHA-512 front for user `producer`, so that native sends use exactly the
/// platform's settings. The REST proxy produces into the same cluster.
public final class SandboxKafka: Sendable {
    public let cluster: MockCluster
    public let front: KafkaSecureFront
    /// The front's `host:port` list: what the brokers endpoint returns.
    public let bootstrap: [String]
    /// The sandbox CA, written to a private temporary file for clients to trust.
    public let caFile: String
    public let username = "producer"
    public let password: String
    /// Plaintext producer straight to the mock brokers, for the REST proxy.
    let producer: KafkaProducer

    /// `roundTripMilliseconds`: how long each broker waits before answering a request (the
    /// distance to a real cluster; negative values are refused).
    public static func start(
        topics: [String], partitions: Int, password: String, brokers: Int = 3, roundTripMilliseconds: Int = 0
    ) async throws -> SandboxKafka {
        let cluster = try MockCluster(brokers: brokers, roundTripMilliseconds: roundTripMilliseconds)
        for topic in topics { try cluster.createTopic(topic, partitions: partitions) }
        let front = try await KafkaSecureFront.start(.init(
            upstreams: cluster.bootstrap.split(separator: ",").map(String.init), users: ["producer": password],
            mechanisms: [.sha512, .sha256], listenHost: "127.0.0.1", advertisedHost: "127.0.0.1",
            allowedTopics: Set(topics)))
        let caFile = FileManager.default.temporaryDirectory.appendingPathComponent("ingest-sandbox-ca-\(UUID().uuidString.prefix(8)).pem").path
        guard FileManager.default.createFile(atPath: caFile, contents: Data(front.caCertificatePEM.utf8), attributes: [.posixPermissions: 0o600]) else {
            await front.stop()
            throw MockCluster.Failure(description: "cannot write the sandbox CA to \(caFile)")
        }
        let producer = try await KafkaProducer.connect(KafkaProducerConfiguration(
            bootstrapServers: cluster.bootstrap.split(separator: ",").map(String.init), lingerMs: 1))
        return SandboxKafka(cluster: cluster, front: front, bootstrap: front.bootstrap.split(separator: ",").map(String.init),
                            caFile: caFile, password: password, producer: producer)
    }

    private init(cluster: MockCluster, front: KafkaSecureFront, bootstrap: [String], caFile: String, password: String, producer: KafkaProducer) {
        self.cluster = cluster
        self.front = front
        self.bootstrap = bootstrap
        self.caFile = caFile
        self.password = password
        self.producer = producer
    }

    public func stop() async {
        await producer.close()
        await front.stop()
        try? FileManager.default.removeItem(atPath: caFile)
    }
}
