/// How to reach and authenticate to the cluster, and how to batch and retry.
public struct KafkaProducerConfiguration: Sendable {
    public enum Security: Sendable {
        case plaintext
        case ssl(TLS)
        case saslSSL(username: String, password: String, mechanism: SCRAMMechanism, tls: TLS)
    }

    /// TLS with certificate and hostname verification always on. Extra trust comes from a CA
    /// file, never from switching verification off.
    public struct TLS: Sendable {
        public enum MinimumVersion: Sendable {
            case tls12
            case tls13
        }

        public var minimumVersion: MinimumVersion
        /// PEM file with CA certificates trusted in addition to the system roots.
        public var extraCAFile: String?

        public init(minimumVersion: MinimumVersion = .tls12, extraCAFile: String? = nil) {
            self.minimumVersion = minimumVersion
            self.extraCAFile = extraCAFile
        }
    }

    /// "host:port" entries.
    public var bootstrapServers: [String]
    public var security: Security
    public var clientID: String
    /// How long a partition's batch may wait for more records before it is sent.
    public var lingerMs: Int
    /// Upper bound of one partition's record batch in bytes (a single bigger record still goes alone).
    public var batchMaxBytes: Int
    /// Kept for source compatibility; requests in flight are bounded per partition
    /// (`maxInFlightPerPartition`), as each request carries one partition's batch.
    public var maxInFlightPerBroker: Int
    /// Produce requests (batches) of one partition awaiting an answer, at most 5 with
    /// idempotence (what a broker deduplicates; the Java client and librdkafka allow as many),
    /// 1 without it (a retry could otherwise reorder records).
    public var maxInFlightPerPartition: Int = 5
    /// Time from enqueueing a record until it must have an outcome, retries included.
    public var deliveryTimeout: Duration
    public var retryBackoff: Duration
    /// Time a broker gets to answer one request before the connection is dropped.
    public var requestTimeout: Duration
    public var connectTimeout: Duration
    /// Ask for a producer id and stamp sequence numbers, so retries cannot duplicate records.
    public var idempotent: Bool
    /// Records read by `produce` and not answered yet, at most this many: it bounds memory
    /// (about 12 MB of batches at ~100-byte records), and it must be big enough to keep every
    /// partition's one batch in flight full (librdkafka's queue.buffering.max.messages default;
    /// 20,000 left the producer waiting for answers a third of the time).
    public var maxUnansweredRecords: Int
    /// How the records of a batch are compressed: fewer bytes on the wire (MSK charges and
    /// throttles by bytes) for some CPU. Brokers need Produce v7+ for zstd (Kafka 2.1+).
    public var compression: KafkaCompression = .none

    public init(
        bootstrapServers: [String],
        security: Security = .plaintext,
        clientID: String = "ingest",
        lingerMs: Int = 5,
        batchMaxBytes: Int = 1_000_000,
        maxInFlightPerBroker: Int = 5,
        deliveryTimeout: Duration = .seconds(120),
        retryBackoff: Duration = .milliseconds(100),
        requestTimeout: Duration = .seconds(30),
        connectTimeout: Duration = .seconds(10),
        idempotent: Bool = true,
        maxUnansweredRecords: Int = 100_000
    ) {
        self.bootstrapServers = bootstrapServers
        self.security = security
        self.clientID = clientID
        self.lingerMs = lingerMs
        self.batchMaxBytes = batchMaxBytes
        self.maxInFlightPerBroker = maxInFlightPerBroker
        self.deliveryTimeout = deliveryTimeout
        self.retryBackoff = retryBackoff
        self.requestTimeout = requestTimeout
        self.connectTimeout = connectTimeout
        self.idempotent = idempotent
        self.maxUnansweredRecords = maxUnansweredRecords
    }
}

extension KafkaProducerConfiguration.Security {
    /// The TLS settings, if the connection uses TLS.
    var tls: KafkaProducerConfiguration.TLS? {
        switch self {
        case .plaintext: nil
        case .ssl(let tls): tls
        case .saslSSL(_, _, _, let tls): tls
        }
    }
}

extension Duration {
    var milliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}

// A configuration printed or dumped into a log must not carry the password.
extension KafkaProducerConfiguration.Security: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var description: String {
        switch self {
        case .plaintext: "plaintext"
        case .ssl(let tls): "ssl(\(tls))"
        case .saslSSL(let username, _, let mechanism, let tls):
            "saslSSL(username: \(username), password: <redacted>, mechanism: \(mechanism.kafkaName), tls: \(tls))"
        }
    }

    public var debugDescription: String { description }

    public var customMirror: Mirror { Mirror(self, children: ["description": description]) }
}
