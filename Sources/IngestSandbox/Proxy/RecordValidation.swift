import Foundation
import IngestKafka
import IngestModel

// A produce record checked as the proxy checks it, and its delivery report.
extension SandboxServer {
    struct ProduceFailure: Error {
        var code: Int
        var message: String

        var report: [UInt8] { SandboxServer.reportJSON(["error_code": code, "message": message]) }
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

        func producerRecord(topic: String) -> ProducerRecord {
            ProducerRecord(topic: topic, partition: partition.map { Int32($0) }, key: key?.bytes, value: value?.bytes,
                           headers: headers.map { (name: $0.0, value: $0.1) })
        }

        /// What a success report says about the record: the type and size of its key and value.
        var shape: ReportShape {
            ReportShape(key: key.map { ($0.type, $0.bytes.count) }, value: value.map { ($0.type, $0.bytes.count) })
        }
    }

    struct ReportShape: Sendable {
        var key: (type: String, size: Int)?
        var value: (type: String, size: Int)?
    }

    static let knownFields: Set = ["value", "key", "partition_id", "headers", "timestamp", "id"]

    func successReport(_ shape: ReportShape, topic: String, partition: Int, offset: Int64, now: Date, faults: SandboxFaults) -> [UInt8] {
        // Written by hand: this is the sandbox's hot path.
        var out = "{\"error_code\":200,\"cluster_id\":\"\(configuration.clusterID)\",\"topic_name\":\"\(topic)\",\"partition_id\":\(partition)"
        if !faults.omitOffset { out += ",\"offset\":\(offset)" }
        out += ",\"timestamp\":\"\(clock.timestamp(now))\""
        if let key = shape.key { out += ",\"key\":{\"type\":\"\(key.type)\",\"size\":\(key.size)}" }
        if let value = shape.value { out += ",\"value\":{\"type\":\"\(value.type)\",\"size\":\(value.size)}" }
        if faults.extraReportField { out += ",\"sandbox_note\":\"a field clients do not know\"" }
        out += "}"
        return Array(out.utf8)
    }

    /// The report of a record the Kafka producer answered.
    func kafkaReport(_ outcome: KafkaDeliveryOutcome, shape: ReportShape, topic: String, faults: SandboxFaults) -> [UInt8] {
        switch outcome {
        case .delivered(let partition, let offset, _):
            return successReport(shape, topic: topic, partition: Int(partition), offset: offset, now: Date(), faults: faults)
        case .failed(let code, let name, let message):
            // The proxy's codes for Kafka errors: 50002 (Kafka error), 50003 (retriable).
            return Self.reportJSON(["error_code": 50002, "message": "Kafka error \(code) \(name): \(message)"])
        case .unknown(let message):
            return Self.reportJSON(["error_code": 500, "message": "Internal Server Error: \(message)"])
        }
    }

    /// Appends to the in-memory log; the record's report.
    func appendToLog(_ record: ParsedRecord, topic: String, faults: SandboxFaults) -> [UInt8] {
        let now = Date()
        guard let (partition, offset) = log.append(topic: topic, partition: record.partition, key: record.key?.bytes, value: record.value?.bytes,
                                                  valueType: record.value?.type, headers: record.headers, timestamp: now) else {
            return Self.reportJSON(["error_code": 40403, "message": "This server does not host this topic-partition."])
        }
        return successReport(record.shape, topic: topic, partition: partition, offset: offset, now: now, faults: faults)
    }

    /// The proxy's own rate limiter: nil when the record may be produced, else its report.
    func rateLimited(_ faults: SandboxFaults) -> [UInt8]? {
        guard let limit = faults.recordRateLimit, bucket(for: limit).take() != nil else { return nil }
        let message = limit.code == 42901
            ? "Request rate limit exceeded: Kafka quota exceeded; the producer is being throttled."
            : "Request rate limit exceeded: The rate limit of requests per second has been exceeded."
        return Self.reportJSON(["error_code": limit.code, "message": message])
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
}
