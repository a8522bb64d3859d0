/// Kafka protocol error codes this client reacts to or reports, with the broker's names.
public enum KafkaErrorCode: Int16, Sendable {
    case unknownServerError = -1
    case none = 0
    case offsetOutOfRange = 1
    case corruptMessage = 2
    case unknownTopicOrPartition = 3
    case invalidFetchSize = 4
    case leaderNotAvailable = 5
    case notLeaderOrFollower = 6
    case requestTimedOut = 7
    case brokerNotAvailable = 8
    case replicaNotAvailable = 9
    case messageTooLarge = 10
    case networkException = 13
    case invalidTopicException = 17
    case recordListTooLarge = 18
    case notEnoughReplicas = 19
    case notEnoughReplicasAfterAppend = 20
    case invalidRequiredAcks = 21
    case invalidTimestamp = 32
    case unsupportedSaslMechanism = 33
    case illegalSaslState = 34
    case unsupportedVersion = 35
    case topicAuthorizationFailed = 29
    case clusterAuthorizationFailed = 31
    case outOfOrderSequenceNumber = 45
    case duplicateSequenceNumber = 46
    case invalidProducerEpoch = 47
    case transactionalIdAuthorizationFailed = 53
    case kafkaStorageError = 56
    case saslAuthenticationFailed = 58
    case unknownProducerId = 59
    case fencedLeaderEpoch = 74
    case unknownLeaderEpoch = 75
    case invalidRecord = 87
    case producerFenced = 90
    case throttlingQuotaExceeded = 89

    /// The name the broker and the Java client use (e.g. NOT_LEADER_OR_FOLLOWER).
    public static func name(of code: Int16) -> String {
        guard let known = KafkaErrorCode(rawValue: code) else { return "KAFKA_ERROR_\(code)" }
        return known.name
    }

    public var name: String {
        switch self {
        case .unknownServerError: "UNKNOWN_SERVER_ERROR"
        case .none: "NONE"
        case .offsetOutOfRange: "OFFSET_OUT_OF_RANGE"
        case .corruptMessage: "CORRUPT_MESSAGE"
        case .unknownTopicOrPartition: "UNKNOWN_TOPIC_OR_PARTITION"
        case .invalidFetchSize: "INVALID_FETCH_SIZE"
        case .leaderNotAvailable: "LEADER_NOT_AVAILABLE"
        case .notLeaderOrFollower: "NOT_LEADER_OR_FOLLOWER"
        case .requestTimedOut: "REQUEST_TIMED_OUT"
        case .brokerNotAvailable: "BROKER_NOT_AVAILABLE"
        case .replicaNotAvailable: "REPLICA_NOT_AVAILABLE"
        case .messageTooLarge: "MESSAGE_TOO_LARGE"
        case .networkException: "NETWORK_EXCEPTION"
        case .invalidTopicException: "INVALID_TOPIC_EXCEPTION"
        case .recordListTooLarge: "RECORD_LIST_TOO_LARGE"
        case .notEnoughReplicas: "NOT_ENOUGH_REPLICAS"
        case .notEnoughReplicasAfterAppend: "NOT_ENOUGH_REPLICAS_AFTER_APPEND"
        case .invalidRequiredAcks: "INVALID_REQUIRED_ACKS"
        case .invalidTimestamp: "INVALID_TIMESTAMP"
        case .unsupportedSaslMechanism: "UNSUPPORTED_SASL_MECHANISM"
        case .illegalSaslState: "ILLEGAL_SASL_STATE"
        case .unsupportedVersion: "UNSUPPORTED_VERSION"
        case .topicAuthorizationFailed: "TOPIC_AUTHORIZATION_FAILED"
        case .clusterAuthorizationFailed: "CLUSTER_AUTHORIZATION_FAILED"
        case .outOfOrderSequenceNumber: "OUT_OF_ORDER_SEQUENCE_NUMBER"
        case .duplicateSequenceNumber: "DUPLICATE_SEQUENCE_NUMBER"
        case .invalidProducerEpoch: "INVALID_PRODUCER_EPOCH"
        case .transactionalIdAuthorizationFailed: "TRANSACTIONAL_ID_AUTHORIZATION_FAILED"
        case .kafkaStorageError: "KAFKA_STORAGE_ERROR"
        case .saslAuthenticationFailed: "SASL_AUTHENTICATION_FAILED"
        case .unknownProducerId: "UNKNOWN_PRODUCER_ID"
        case .fencedLeaderEpoch: "FENCED_LEADER_EPOCH"
        case .unknownLeaderEpoch: "UNKNOWN_LEADER_EPOCH"
        case .invalidRecord: "INVALID_RECORD"
        case .producerFenced: "PRODUCER_FENCED"
        case .throttlingQuotaExceeded: "THROTTLING_QUOTA_EXCEEDED"
        }
    }

    /// Errors after which the same batch may be sent again (after a metadata refresh):
    /// the broker did not append it and may accept it later.
    public static func isRetriable(_ code: Int16) -> Bool {
        switch KafkaErrorCode(rawValue: code) {
        case .unknownTopicOrPartition, .leaderNotAvailable, .notLeaderOrFollower, .requestTimedOut,
            .brokerNotAvailable, .replicaNotAvailable, .networkException, .notEnoughReplicas,
            .notEnoughReplicasAfterAppend, .kafkaStorageError, .fencedLeaderEpoch, .unknownLeaderEpoch,
            .throttlingQuotaExceeded:
            true
        default:
            false
        }
    }

    /// Errors that mean our idea of who leads a partition is stale.
    static func needsMetadataRefresh(_ code: Int16) -> Bool {
        switch KafkaErrorCode(rawValue: code) {
        case .unknownTopicOrPartition, .leaderNotAvailable, .notLeaderOrFollower, .brokerNotAvailable,
            .replicaNotAvailable, .fencedLeaderEpoch, .unknownLeaderEpoch, .kafkaStorageError:
            true
        default:
            false
        }
    }
}
