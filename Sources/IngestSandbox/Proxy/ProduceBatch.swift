import Foundation
import Hummingbird
import IngestKafka
import NIOCore

// records:batch: up to `batchMaximumEntries` entries with string ids, answered 207 with
// successes and failures matched by id; a malformed batch is refused whole with 422.
extension SandboxServer {
    func batch(request: Request, topic: String, faults: SandboxFaults) async throws -> Response {
        let body = try await request.body.collect(upTo: 64 * 1024 * 1024)
        // A slow proxy answers a batch late as a whole.
        if faults.reportDelayMilliseconds > 0 { try await Task.sleep(for: .milliseconds(faults.reportDelayMilliseconds)) }
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
        let reports = await produceEntries(entries, topic: topic, faults: faults)
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

    /// Each entry's report, in order: validated, rate limited, then stored in the in-memory
    /// log or produced to Kafka in one `send` (records of one partition keep their order).
    func produceEntries(_ entries: [[String: Any]], topic: String, faults: SandboxFaults) async -> [[UInt8]] {
        var reports = [[UInt8]](repeating: [], count: entries.count)
        var accepted: [(index: Int, record: ParsedRecord)] = []
        for (index, entry) in entries.enumerated() {
            switch validate(entry, raw: nil, topic: topic, allowID: true) {
            case .failure(let failure): reports[index] = failure.report
            case .success(let record):
                if let limited = rateLimited(faults) {
                    reports[index] = limited
                } else if configuration.kafka == nil {
                    reports[index] = appendToLog(record, topic: topic, faults: faults)
                } else {
                    accepted.append((index, record))
                }
            }
        }
        guard let kafka = configuration.kafka, !accepted.isEmpty else { return reports }
        let outcomes = await kafka.producer.send(contentsOf: accepted.map { $0.record.producerRecord(topic: topic) })
        for ((index, record), outcome) in zip(accepted, outcomes) {
            reports[index] = kafkaReport(outcome, shape: record.shape, topic: topic, faults: faults)
        }
        return reports
    }
}
