import Foundation
import Hummingbird
import HTTPTypes
import IngestModel
import IngestKafka
import Logging
import NIOConcurrencyHelpers
import NIOCore
import ServiceLifecycle

/// An in-process stand-in for the platform's REST Proxy v3 behind its API gateway, faithful
/// to `rest-proxy-v3.md`: discovery, produce (single and streamed), records:batch, the
/// `x-api-key` check, and the per-record and whole-request errors of the real proxy.
public final class SandboxServer: Sendable {
    public struct Configuration: Sendable {
        public var host = "127.0.0.1"
        public var port = 0
        public var apiKey: String
        /// Full topic names that exist.
        public var topics: [String]
        public var partitions = 3
        public var clusterID = "sandbox-cluster-1"
        /// Brokers to list (host:port); the sandbox's own address when empty.
        public var brokers: [HostPort] = []
        public var batchMaximumEntries = 10
        public var faults = SandboxFaults()
        /// The Kafka cluster behind the proxy; the in-memory log when nil.
        public var kafka: SandboxKafka?

        public init(apiKey: String, topics: [String], partitions: Int = 3) {
            self.apiKey = apiKey
            self.topics = topics
            self.partitions = partitions
        }
    }

    public let configuration: Configuration
    public let log: SandboxLog
    let clock = TimestampClock()
    private let faultsBox: NIOLockedValueBox<SandboxFaults>
    private let task = NIOLockedValueBox<Task<Void, any Error>?>(nil)
    private let group = NIOLockedValueBox<ServiceGroup?>(nil)
    private let boundPort = NIOLockedValueBox<Int?>(nil)
    /// Produce requests seen (tests count them to prove that nothing was sent).
    private let requestCounter = NIOLockedValueBox(0)

    public init(_ configuration: Configuration) {
        self.configuration = configuration
        self.log = SandboxLog(topics: configuration.topics, partitions: configuration.partitions)
        self.faultsBox = NIOLockedValueBox(configuration.faults)
    }

    public var faults: SandboxFaults {
        get { faultsBox.withLockedValue { $0 } }
        set { faultsBox.withLockedValue { $0 = newValue } }
    }

    public var produceRequests: Int { requestCounter.withLockedValue { $0 } }

    public var port: Int { boundPort.withLockedValue { $0 } ?? configuration.port }
    public var baseURL: String { "http://\(configuration.host):\(port)/v3" }

    /// Starts listening; returns once the port is bound.
    public func start() async throws {
        let router = Router()
        addRoutes(router)
        let (ready, readyContinuation) = AsyncStream<Int>.makeStream()
        var logger = Logger(label: "ingest.sandbox")
        logger.logLevel = .critical
        let app = Application(
            router: router,
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: nil),
            onServerRunning: { channel in
                readyContinuation.yield(channel.localAddress?.port ?? 0)
                readyContinuation.finish()
            },
            logger: logger
        )
        // Run in a service group so that stop() can shut down gracefully: cancelling the
        // server instead can drop a connection it accepted but had not served yet, and
        // swift-nio traps on that channel's unfinished writer (apple/swift-nio#2637).
        let group = ServiceGroup(services: [app], logger: logger)
        let task = Task { try await group.run() }
        self.task.withLockedValue { $0 = task }
        self.group.withLockedValue { $0 = group }
        var iterator = ready.makeAsyncIterator()
        let port = await withTaskCancellationHandler {
            await iterator.next()
        } onCancel: { readyContinuation.finish() }
        guard let port, port > 0 else {
            task.cancel()
            _ = await task.result
            if case .failure(let error) = await task.result {
                throw InputError("the sandbox could not listen on \(configuration.host):\(configuration.port): \(error)")
            }
            throw InputError("the sandbox could not listen on \(configuration.host):\(configuration.port)")
        }
        boundPort.withLockedValue { $0 = port }
    }

    /// Graceful: stops accepting, serves what was accepted, then ends. A request still
    /// streaming after 3 s is cut off by cancelling.
    public func stop() async {
        guard let task = task.withLockedValue({ $0 }) else { return }
        if let group = group.withLockedValue({ $0 }) { await group.triggerGracefulShutdown() }
        // Cancelling a server that already ended does nothing, so the deadline needs no state.
        let deadline = Task {
            try? await Task.sleep(for: .seconds(3))
            task.cancel()
        }
        _ = await task.result
        deadline.cancel()
    }

    // MARK: Routes

    func addRoutes(_ router: Router<BasicRequestContext>) {
        router.middlewares.add(APIKeyMiddleware(apiKey: configuration.apiKey))
        router.get("/v3/clusters") { [self] _, _ in json(.ok, clusterList()) }
        router.get("/v3/clusters/:cluster") { [self] _, context in
            let id = context.parameters.get("cluster") ?? ""
            guard id == configuration.clusterID else { return clusterNotFound(id) }
            return json(.ok, cluster())
        }
        router.get("/v3/clusters/:cluster/brokers") { [self] _, context in
            let id = context.parameters.get("cluster") ?? ""
            guard id == configuration.clusterID else { return clusterNotFound(id) }
            return json(.ok, brokerList())
        }
        router.post("/v3/clusters/:cluster/topics/:topic/:action") { [self] request, context in
            let id = context.parameters.get("cluster") ?? ""
            let topic = context.parameters.get("topic") ?? ""
            let action = context.parameters.get("action") ?? ""
            guard id == configuration.clusterID else { return clusterNotFound(id) }
            requestCounter.withLockedValue { $0 += 1 }
            if let failure = faults.failRequests { return Self.failure(failure) }
            switch action {
            case "records": return produce(request: request, topic: topic)
            case "records:batch": return try await batch(request: request, topic: topic)
            default: return errorResponse(.notFound, code: 404, message: "HTTP 404 Not Found")
            }
        }
    }

    func json(_ status: HTTPResponse.Status, _ object: Any) -> Response {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
        return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    func errorResponse(_ status: HTTPResponse.Status, code: Int, message: String) -> Response {
        json(status, ["error_code": code, "message": message])
    }

    func clusterNotFound(_ id: String) -> Response {
        errorResponse(.notFound, code: 404, message: "Cluster \(id) cannot be found.")
    }

    static func failure(_ failure: SandboxFaults.RequestFailure) -> Response {
        func body(_ status: HTTPResponse.Status, _ type: String, _ text: String) -> Response {
            Response(status: status, headers: [.contentType: type], body: .init(byteBuffer: ByteBuffer(string: text)))
        }
        switch failure {
        case .html429:
            return body(.tooManyRequests, "text/html;charset=iso-8859-1", "<html><head><title>Error 429 Too Many Requests</title></head><body><h2>HTTP ERROR 429 Too Many Requests</h2><p>Reason: Too Many Requests</p></body></html>")
        case .json429: return body(.tooManyRequests, "application/json", #"{"error_code":429,"message":"Request rate limit exceeded: The rate limit of requests per second has been exceeded."}"#)
        case .json500: return body(.internalServerError, "application/json", #"{"error_code":500,"message":"Internal Server Error"}"#)
        case .json503: return body(.serviceUnavailable, "application/json", #"{"error_code":50302,"message":"Broker not available"}"#)
        case .html502: return body(.badGateway, "text/html", "<html><body><h1>502 Bad Gateway</h1></body></html>")
        case .gateway403: return body(.forbidden, "application/json", #"{"message":"Forbidden"}"#)
        }
    }

    func link(_ path: String) -> [String: String] { ["related": baseURL + path] }

    func cluster() -> [String: Any] {
        let id = configuration.clusterID
        return [
            "kind": "KafkaCluster",
            "metadata": ["self": baseURL + "/clusters/\(id)", "resource_name": "crn:///kafka=\(id)"],
            "cluster_id": id,
            "controller": link("/clusters/\(id)/brokers/1"),
            "acls": link("/clusters/\(id)/acls"),
            "brokers": link("/clusters/\(id)/brokers"),
            "broker_configs": link("/clusters/\(id)/broker-configs"),
            "consumer_groups": link("/clusters/\(id)/consumer-groups"),
            "topics": link("/clusters/\(id)/topics"),
            "partition_reassignments": link("/clusters/\(id)/topics/-/partitions/-/reassignment"),
        ]
    }

    func clusterList() -> [String: Any] {
        ["kind": "KafkaClusterList", "metadata": ["self": baseURL + "/clusters", "next": NSNull()], "data": [cluster()]]
    }

    func brokerList() -> [String: Any] {
        let id = configuration.clusterID
        let brokers = configuration.kafka.map { $0.bootstrap.compactMap(HostPort.init) }
            ?? (configuration.brokers.isEmpty ? [HostPort(host: configuration.host, port: port)] : configuration.brokers)
        let data: [[String: Any]] = brokers.enumerated().map { index, broker in
            [
                "kind": "KafkaBroker",
                "metadata": ["self": baseURL + "/clusters/\(id)/brokers/\(index + 1)", "resource_name": "crn:///kafka=\(id)/broker=\(index + 1)"],
                "cluster_id": id, "broker_id": index + 1, "host": broker.host, "port": broker.port, "rack": NSNull(),
                "configs": link("/clusters/\(id)/brokers/\(index + 1)/configs"),
                "partition_replicas": link("/clusters/\(id)/brokers/\(index + 1)/partition-replicas"),
            ]
        }
        return ["kind": "KafkaBrokerList", "metadata": ["self": baseURL + "/clusters/\(id)/brokers", "next": NSNull()], "data": data]
    }

    // MARK: Produce

    /// Single and streamed produce are the same endpoint: records in, one report each, in order,
    /// written while the request is still being read.
    func produce(request: Request, topic: String) -> Response {
        let faults = self.faults
        // Knobs that act per report need one write per report; otherwise a chunk's reports go out together.
        let perReport = faults.reportDelayMilliseconds > 0 || faults.closeStreamAfter != nil || faults.dropConnectionAfter != nil
        let body = ResponseBody { [self] writer in
            var splitter = ConcatenatedJSONSplitter(maximumValueBytes: 2 * 1024 * 1024)
            var reported = 0
            var pendingOut = ByteBuffer()
            func write(_ report: [UInt8]) async throws -> Bool {
                if faults.reportDelayMilliseconds > 0 { try await Task.sleep(nanoseconds: UInt64(faults.reportDelayMilliseconds) * 1_000_000) }
                if let drop = faults.dropConnectionAfter, reported >= drop { throw SandboxDrop() }
                pendingOut.writeBytes(report)
                pendingOut.writeBytes([0x0D, 0x0A])
                reported += 1
                if perReport { try await flush() }
                if let close = faults.closeStreamAfter, reported >= close { return false }
                return true
            }
            func flush() async throws {
                guard pendingOut.readableBytes > 0 else { return }
                try await writer.write(pendingOut)
                pendingOut.clear()
            }
            // A JSON syntax error ends the stream with a final 400, as the real proxy does.
            func handle(_ chunk: ByteBuffer) async throws -> Bool {
                let pieces: [[UInt8]]
                do { pieces = try splitter.feed(chunk.readableBytesView) } catch {
                    _ = try await write(Self.reportJSON(["error_code": 400, "message": "Bad Request: Error processing message: \(error)"]))
                    return false
                }
                // Parse up to the first syntax error; produce those records (concurrently when a
                // broker is behind us), then report in order.
                var objects: [(Any, [UInt8]?)] = []
                var syntaxError = false
                for piece in pieces {
                    guard let object = (try? JSONSerialization.jsonObject(with: Data(piece))) else {
                        syntaxError = true
                        break
                    }
                    objects.append((object, piece))
                }
                for report in await produceMany(objects, topic: topic, faults: faults) {
                    guard try await write(report) else { return false }
                }
                if syntaxError {
                    _ = try await write(Self.reportJSON(["error_code": 400, "message": "Bad Request: Error processing message: Unexpected character in JSON"]))
                    return false
                }
                try await flush()
                return true
            }
            if faults.bufferWholeRequest {
                var all = ByteBuffer()
                for try await chunk in request.body { all.writeImmutableBuffer(chunk) }
                _ = try await handle(all)
            } else {
                for try await chunk in request.body {
                    guard try await handle(chunk) else { break }
                }
            }
            if reported == 0 {
                _ = try await write(Self.reportJSON(["error_code": 422, "message": "Error: 42206 : Payload error. Request body is empty. Data is required."]))
            }
            try await flush()
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: [.contentType: "application/json"], body: body)
    }

    static func reportJSON(_ object: [String: Any]) -> [UInt8] {
        Array((try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data())
    }

    static let knownFields: Set = ["value", "key", "partition_id", "headers", "timestamp", "id"]

    /// Records validated as the proxy does, then appended to the in-memory log or produced to
    /// the sandbox's Kafka cluster. Returns each record's report, in order.
    /// Each object comes with its raw text when there is one, so JSON values keep their key order.
    func produceMany(_ objects: [(Any, [UInt8]?)], topic: String, faults: SandboxFaults, allowID: Bool = false) async -> [[UInt8]] {
        let validated = objects.map { validate($0.0, raw: $0.1, topic: topic, allowID: allowID) }
        guard let kafka = configuration.kafka else {
            return validated.map { result in
                switch result {
                case .failure(let error): return Self.reportJSON(["error_code": error.code, "message": error.message])
                case .success(let record):
                    let now = Date()
                    guard let (partition, offset) = log.append(topic: topic, partition: record.partition, key: record.key?.bytes, value: record.value?.bytes,
                                                              valueType: record.value?.type, headers: record.headers, timestamp: now) else {
                        return Self.reportJSON(["error_code": 40403, "message": "This server does not host this topic-partition."])
                    }
                    return successReport(record, topic: topic, partition: partition, offset: offset, now: now, faults: faults)
                }
            }
        }
        // One `send` for the request's records, in their order: a record per task would
        // store records of one partition in whatever order the tasks ran.
        var reports = [[UInt8]](repeating: [], count: validated.count)
        var accepted: [(index: Int, record: ParsedRecord)] = []
        for (index, result) in validated.enumerated() {
            switch result {
            case .failure(let error): reports[index] = Self.reportJSON(["error_code": error.code, "message": error.message])
            case .success(let record): accepted.append((index, record))
            }
        }
        let records = accepted.map { (_, record: ParsedRecord) -> ProducerRecord in
            let partition: Int32? = record.partition.map { Int32($0) }
            let headers: [(name: String, value: [UInt8]?)] = record.headers.map { (name: $0.0, value: $0.1) }
            return ProducerRecord(topic: topic, partition: partition, key: record.key?.bytes, value: record.value?.bytes, headers: headers)
        }
        let outcomes = await kafka.producer.send(contentsOf: records)
        for ((index, record), outcome) in zip(accepted, outcomes) {
            switch outcome {
            case .delivered(let partition, let offset, _):
                reports[index] = successReport(record, topic: topic, partition: Int(partition), offset: offset, now: Date(), faults: faults)
            case .failed(let code, let name, let message):
                // The proxy's codes for Kafka errors: 50002 (Kafka error), 50003 (retriable).
                reports[index] = Self.reportJSON(["error_code": 50002, "message": "Kafka error \(code) \(name): \(message)"])
            case .unknown(let message):
                reports[index] = Self.reportJSON(["error_code": 500, "message": "Internal Server Error: \(message)"])
            }
        }
        return reports
    }

    func successReport(_ record: ParsedRecord, topic: String, partition: Int, offset: Int64, now: Date, faults: SandboxFaults) -> [UInt8] {
            // Written by hand: this is the sandbox's hot path.
            var out = "{\"error_code\":200,\"cluster_id\":\"\(configuration.clusterID)\",\"topic_name\":\"\(topic)\",\"partition_id\":\(partition)"
            if !faults.omitOffset { out += ",\"offset\":\(offset)" }
            out += ",\"timestamp\":\"\(clock.timestamp(now))\""
            if let key = record.key { out += ",\"key\":{\"type\":\"\(key.type)\",\"size\":\(key.bytes.count)}" }
            if let value = record.value { out += ",\"value\":{\"type\":\"\(value.type)\",\"size\":\(value.bytes.count)}" }
            if faults.extraReportField { out += ",\"sandbox_note\":\"a field clients do not know\"" }
            out += "}"
            return Array(out.utf8)
    }

    struct ProduceFailure: Error {
        var code: Int
        var message: String
    }

    struct ParsedPart {
        var type: String
        var bytes: [UInt8]
    }

    struct ParsedRecord {
        var id: String?
        var partition: Int?
        var key: ParsedPart?
        var value: ParsedPart?
        var headers: [(String, [UInt8]?)] = []
    }

    func validate(_ any: Any, raw: [UInt8]?, topic: String, allowID: Bool) -> Result<ParsedRecord, ProduceFailure> {
        guard let object = any as? [String: Any] else {
            return .failure(ProduceFailure(code: 400, message: "Bad Request: Error processing message: not a JSON object"))
        }
        for field in object.keys where !Self.knownFields.contains(field) || (field == "id" && !allowID) {
            return .failure(ProduceFailure(code: 400, message: "Unrecognized field \"\(field)\" (class io.confluent.kafkarest.entities.v3.AutoValue_ProduceRequest$Builder), not marked as ignorable"))
        }
        var record = ParsedRecord()
        if let partition = object["partition_id"], !(partition is NSNull) {
            guard let number = partition as? Int else { return .failure(ProduceFailure(code: 400, message: "Bad Request: partition_id must be an integer")) }
            guard number >= 0, number < (log.partitionCount(topic) ?? Int.max) else {
                return .failure(ProduceFailure(code: 40402, message: "Partition not found."))
            }
            record.partition = number
        }
        if let headers = object["headers"] as? [[String: Any]] {
            for header in headers {
                guard let name = header["name"] as? String else { return .failure(ProduceFailure(code: 400, message: "Bad Request: header name missing")) }
                if let value = header["value"] as? String {
                    guard let data = Data(base64Encoded: value) else {
                        return .failure(ProduceFailure(code: 400, message: "Bad Request: Illegal base64 character in header \(name)"))
                    }
                    record.headers.append((name, Array(data)))
                } else {
                    record.headers.append((name, nil))
                }
            }
        }
        do {
            record.key = try part(object["key"], raw: raw.flatMap { RawJSON.member($0, ["key", "data"]) })
            record.value = try part(object["value"], raw: raw.flatMap { RawJSON.member($0, ["value", "data"]) })
        } catch let failure as ProduceFailure {
            return .failure(failure)
        } catch {
            return .failure(ProduceFailure(code: 400, message: "Bad Request"))
        }
        guard log.partitionCount(topic) != nil else {
            return .failure(ProduceFailure(code: 40403, message: "This server does not host this topic-partition."))
        }
        return .success(record)
    }

    func part(_ any: Any?, raw: [UInt8]?) throws -> ParsedPart? {
        guard let any, !(any is NSNull) else { return nil }
        guard let object = any as? [String: Any] else { throw ProduceFailure(code: 400, message: "Bad Request: Cannot deserialize value") }
        guard let type = object["type"] as? String else {
            throw ProduceFailure(code: 422, message: "Error: 42206 : Payload error. Schema Registry must be configured when using schemas.")
        }
        let data = object["data"] ?? NSNull()
        switch type {
        case "JSON":
            return ParsedPart(type: type, bytes: raw ?? Array((try? JSONSerialization.data(withJSONObject: data, options: [.fragmentsAllowed, .withoutEscapingSlashes])) ?? Data()))
        case "STRING":
            if data is NSNull { return ParsedPart(type: type, bytes: []) }
            guard let text = data as? String else { throw ProduceFailure(code: 400, message: "Bad Request: data must be a string for STRING") }
            return ParsedPart(type: type, bytes: Array(text.utf8))
        case "BINARY":
            if data is NSNull { return ParsedPart(type: type, bytes: []) }
            guard let text = data as? String, let decoded = Data(base64Encoded: text) else {
                throw ProduceFailure(code: 400, message: "Bad Request: data=\(data) is not a base64 string.")
            }
            return ParsedPart(type: type, bytes: Array(decoded))
        case "AVRO", "JSONSCHEMA", "PROTOBUF":
            throw ProduceFailure(code: 422, message: "Error: 42206 : Payload error. Schema Registry must be configured when using schemas.")
        default:
            throw ProduceFailure(code: 400, message: "Bad Request: Cannot deserialize value of type EmbeddedFormat from String \"\(type)\"")
        }
    }

    // MARK: Batch

    func batch(request: Request, topic: String) async throws -> Response {
        let body = try await request.body.collect(upTo: 64 * 1024 * 1024)
        // A slow proxy answers a batch late as a whole.
        if faults.reportDelayMilliseconds > 0 { try await Task.sleep(nanoseconds: UInt64(faults.reportDelayMilliseconds) * 1_000_000) }
        guard body.readableBytes > 0 else {
            return errorResponse(.unprocessableContent, code: 42208, message: "Request body is empty. Data is required.")
        }
        guard let object = (try? JSONSerialization.jsonObject(with: Data(body.readableBytesView))) as? [String: Any] else {
            return errorResponse(.badRequest, code: 400, message: "Bad Request: Error processing message")
        }
        for field in object.keys where field != "entries" {
            return errorResponse(.unprocessableContent, code: 422, message: "Unrecognized field: \(field)")
        }
        guard let entries = object["entries"] as? [[String: Any]], !entries.isEmpty else {
            return errorResponse(.unprocessableContent, code: 42208, message: "Empty batch.")
        }
        guard entries.count <= configuration.batchMaximumEntries else {
            return errorResponse(.unprocessableContent, code: 42208, message: "Too many entries in batch.")
        }
        var ids: [String] = []
        for entry in entries {
            guard let id = entry["id"] as? String, (1...80).contains(id.count),
                  id.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) else {
                return errorResponse(.unprocessableContent, code: 42208, message: "Batch entry identifier is not a valid string.")
            }
            ids.append(id)
        }
        guard Set(ids).count == ids.count else {
            return errorResponse(.unprocessableContent, code: 42208, message: "Batch entry IDs are not distinct.")
        }
        var successes: [[String: Any]] = []
        var failures: [[String: Any]] = []
        let reports = await produceMany(entries.map { ($0, nil) }, topic: topic, faults: faults, allowID: true)
        for (id, reportBytes) in zip(ids, reports) {
            let report = (try? JSONSerialization.jsonObject(with: Data(reportBytes))) as? [String: Any] ?? [:]
            var answer = report
            answer["id"] = id
            if report["error_code"] as? Int == 200 {
                answer["error_code"] = nil
                successes.append(answer)
            } else {
                failures.append(answer)
            }
        }
        return json(.init(code: 207, reasonPhrase: "Multi-Status"), ["successes": successes, "failures": failures])
    }
}

struct SandboxDrop: Error {}

/// The gateway's key check: a missing or wrong `x-api-key` gets 403 before the proxy sees it.
struct APIKeyMiddleware: RouterMiddleware {
    typealias Context = BasicRequestContext
    let apiKey: String

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.headers[HTTPField.Name("x-api-key")!] == apiKey else {
            return Response(status: .forbidden, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: #"{"message":"Forbidden"}"#)))
        }
        return try await next(request, context)
    }
}
