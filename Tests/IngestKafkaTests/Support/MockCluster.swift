import CRdKafka
import Foundation

/// librdkafka's mock Kafka cluster, in this process, on real loopback TCP ports.
final class MockCluster: @unchecked Sendable {
    private let handle: OpaquePointer
    private let cluster: OpaquePointer
    let bootstrap: String

    init(brokers: Int) throws {
        let conf = rd_kafka_conf_new()
        var errors = [CChar](repeating: 0, count: 512)
        // Errors only: the mock cluster's info logs would bury the test output.
        _ = rd_kafka_conf_set(conf, "log_level", "3", &errors, errors.count)
        guard let handle = rd_kafka_new(RD_KAFKA_PRODUCER, conf, &errors, errors.count) else {
            throw TestPeerError("rd_kafka_new failed: \(String(decoding: errors.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))")
        }
        guard let cluster = rd_kafka_mock_cluster_new(handle, Int32(brokers)) else {
            rd_kafka_destroy(handle)
            throw TestPeerError("rd_kafka_mock_cluster_new failed")
        }
        self.handle = handle
        self.cluster = cluster
        self.bootstrap = String(cString: rd_kafka_mock_cluster_bootstraps(cluster))
    }

    func createTopic(_ name: String, partitions: Int, replicationFactor: Int = 1) throws {
        let error = rd_kafka_mock_topic_create(cluster, name, Int32(partitions), Int32(replicationFactor))
        guard error == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw TestPeerError("creating \(name): \(String(cString: rd_kafka_err2str(error)))")
        }
    }

    /// The next `codes.count` Produce requests (to any broker) fail with these Kafka error codes.
    func failNextProduceRequests(_ codes: [Int32]) {
        let errors = codes.map { rd_kafka_resp_err_t(rawValue: $0) }
        errors.withUnsafeBufferPointer { rd_kafka_mock_push_request_errors_array(cluster, 0, $0.count, $0.baseAddress) }
    }

    func setPartitionLeader(topic: String, partition: Int32, broker: Int32) {
        _ = rd_kafka_mock_partition_set_leader(cluster, topic, partition, broker)
    }

    func setBrokerDown(_ id: Int32) {
        _ = rd_kafka_mock_broker_set_down(cluster, id)
    }

    func setBrokerUp(_ id: Int32) {
        _ = rd_kafka_mock_broker_set_up(cluster, id)
    }

    deinit {
        rd_kafka_mock_cluster_destroy(cluster)
        rd_kafka_destroy(handle)
    }
}

/// One message as `kcat -C -J` prints it.
struct KcatMessage: Decodable {
    var partition: Int32
    var offset: Int64
    var key: String?
    var payload: String?
    var headers: [String]?
}

enum Kcat {
    static func path() throws -> String {
        guard let path = TestPeers.which("kcat") else {
            throw TestPeerError("kcat not found: apt-get install -y kcat librdkafka-dev")
        }
        return path
    }

    /// Every message of a topic, read by librdkafka through kcat.
    static func consumeAll(bootstrap: String, topic: String) throws -> [KcatMessage] {
        let output = try TestPeers.run(
            try path(), ["-C", "-b", bootstrap, "-t", topic, "-e", "-J", "-q", "-X", "log_level=3"], timeout: .seconds(60))
        let decoder = JSONDecoder()
        return try output.split(separator: "\n").map { try decoder.decode(KcatMessage.self, from: Data($0.utf8)) }
    }
}
