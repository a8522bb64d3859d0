import CRdKafka
import Foundation

/// librdkafka's mock Kafka cluster, in this process, on real loopback TCP ports: the
/// sandbox's broker, and an independent Kafka peer for tests.
public final class MockCluster: @unchecked Sendable {
    // The handles are used from any thread: librdkafka's mock API is thread-safe.
    private let handle: OpaquePointer
    private let cluster: OpaquePointer
    /// `127.0.0.1:port,...` of the plaintext brokers.
    public let bootstrap: String

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// `roundTripMilliseconds`: every broker answers each request that much later (librdkafka's
    /// mock broker RTT), to put the cluster at a distance.
    public init(brokers: Int, roundTripMilliseconds: Int = 0) throws {
        guard (0...60_000).contains(roundTripMilliseconds) else {
            throw Failure(description: "the brokers' round trip must be 0 to 60000 ms, not \(roundTripMilliseconds)")
        }
        let conf = rd_kafka_conf_new()
        var errors = [CChar](repeating: 0, count: 512)
        // Errors only: the mock cluster's info logs would bury everything else.
        _ = rd_kafka_conf_set(conf, "log_level", "3", &errors, errors.count)
        guard let handle = rd_kafka_new(RD_KAFKA_PRODUCER, conf, &errors, errors.count) else {
            throw Failure(description: "librdkafka could not start its mock cluster: \(String(decoding: errors.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))")
        }
        guard let cluster = rd_kafka_mock_cluster_new(handle, Int32(brokers)) else {
            rd_kafka_destroy(handle)
            throw Failure(description: "librdkafka could not start its mock cluster")
        }
        self.handle = handle
        self.cluster = cluster
        self.bootstrap = String(cString: rd_kafka_mock_cluster_bootstraps(cluster))
        self.roundTripMilliseconds = roundTripMilliseconds
        if roundTripMilliseconds > 0 {
            for broker in 1...Int32(brokers) { setRoundTripTime(broker: broker, milliseconds: roundTripMilliseconds) }
        }
    }

    /// What every broker was set to at start.
    public let roundTripMilliseconds: Int

    public func createTopic(_ name: String, partitions: Int, replicationFactor: Int = 1) throws {
        let error = rd_kafka_mock_topic_create(cluster, name, Int32(partitions), Int32(replicationFactor))
        guard error == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw Failure(description: "creating \(name): \(String(cString: rd_kafka_err2str(error)))")
        }
    }

    /// The next `codes.count` Produce requests (to any broker) fail with these Kafka error codes.
    public func failNextProduceRequests(_ codes: [Int32]) {
        let errors = codes.map { rd_kafka_resp_err_t(rawValue: $0) }
        errors.withUnsafeBufferPointer { rd_kafka_mock_push_request_errors_array(cluster, 0, $0.count, $0.baseAddress) }
    }

    public func setPartitionLeader(topic: String, partition: Int32, broker: Int32) {
        _ = rd_kafka_mock_partition_set_leader(cluster, topic, partition, broker)
    }

    public func setBrokerDown(_ id: Int32) { _ = rd_kafka_mock_broker_set_down(cluster, id) }
    public func setBrokerUp(_ id: Int32) { _ = rd_kafka_mock_broker_set_up(cluster, id) }
    public func setRoundTripTime(broker id: Int32, milliseconds: Int) { _ = rd_kafka_mock_broker_set_rtt(cluster, id, Int32(milliseconds)) }

    deinit {
        rd_kafka_mock_cluster_destroy(cluster)
        rd_kafka_destroy(handle)
    }
}
