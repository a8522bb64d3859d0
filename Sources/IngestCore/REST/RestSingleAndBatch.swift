import AsyncHTTPClient
import Foundation
import NIOCore

// Single and batch sends: one request per record, or per `batch_max_entries` records.
extension RestClient {
    func sendSingles(_ reader: RecordReader, path: String, topic: String, options: SendOptions, run: SendRun) async throws {
        var pacer = Pacer(ratePerSecond: options.ratePerSecond)
        while let (seq, record) = try reader.next() {
            try Task.checkCancellation()
            try await pacer.wait()
            var request = self.request(path, method: .POST)
            request.body = .bytes(ByteBuffer(bytes: RecordEncoding.produceRequest(record)))
            let sentAt = ContinuousClock.now
            do {
                let response = try await http.execute(request, timeout: answerTimeout, logger: logger)
                let bytes = Array(try await response.body.collect(upTo: 4 * 1024 * 1024).readableBytesView)
                let latency = (ContinuousClock.now - sentAt).inMilliseconds
                logger.debug("record answered", metadata: ["seq": "\(seq)", "status": "\(response.status.code)", "ms": "\(latency)"])
                if response.status.code == 200 {
                    let outcome = Wire.Report.decode(bytes)?.outcomeNamingTopic(topic)
                        ?? .unknown(message: "HTTP 200 but the body is not a delivery report: \(String(decoding: bytes.prefix(80), as: UTF8.self))")
                    run.report(DeliveryReport(seq: seq, outcome: outcome, latencyMilliseconds: latency))
                } else {
                    let error = RestErrorText.httpError(status: Int(response.status.code), contentType: response.headers.first(name: "content-type"), body: bytes, topic: topic)
                    run.report(DeliveryReport(seq: seq, outcome: error.outcome, latencyMilliseconds: latency))
                    if Self.stopsTheRun(error) { throw error }
                }
            } catch let error as RestError {
                throw error
            } catch {
                let failure = RestErrorText.transport(error, host: host, sent: true, tlsMinimum: tlsMinimum)
                run.report(DeliveryReport(seq: seq, outcome: failure.outcome))
                throw failure
            }
        }
    }

    /// Errors that would hit every following record alike.
    static func stopsTheRun(_ error: RestError) -> Bool {
        switch error.kind {
        case .http(let status): return ![400, 408, 413, 422].contains(status)
        default: return true
        }
    }

    func sendBatches(_ reader: RecordReader, path: String, topic: String, options: SendOptions, run: SendRun) async throws {
        var pacer = Pacer(ratePerSecond: options.ratePerSecond.map { $0 / Double(profile.batchMaxEntries) })
        while true {
            var entries: [(seq: Int, record: EventRecord)] = []
            while entries.count < profile.batchMaxEntries, let (seq, record) = try reader.next() {
                entries.append((seq, record))
            }
            guard !entries.isEmpty else { return }
            try Task.checkCancellation()
            try await pacer.wait()
            var request = self.request(path, method: .POST)
            request.body = .bytes(ByteBuffer(bytes: RecordEncoding.batchRequest(entries.map { (String($0.seq), $0.record) })))
            let sentAt = ContinuousClock.now
            var pending = Dictionary(uniqueKeysWithValues: entries.map { (String($0.seq), $0.seq) })
            var settled: [DeliveryReport] = []
            func settle(_ id: String, _ outcome: Outcome, latency: Double?) {
                guard let seq = pending.removeValue(forKey: id) else { return }
                settled.append(DeliveryReport(seq: seq, outcome: outcome, latencyMilliseconds: latency))
            }
            // One batch answer, one report batch: in record order.
            defer { run.report(settled.sorted { $0.seq < $1.seq }) }
            do {
                let response = try await http.execute(request, timeout: answerTimeout, logger: logger)
                let bytes = Array(try await response.body.collect(upTo: 16 * 1024 * 1024).readableBytesView)
                let latency = (ContinuousClock.now - sentAt).inMilliseconds
                let status = Int(response.status.code)
                logger.debug("batch answered", metadata: ["entries": "\(entries.count)", "status": "\(status)", "ms": "\(latency)"])
                if status == 207 || status == 200, let answer = try? JSONDecoder().decode(Wire.BatchResponse.self, from: Data(bytes)) {
                    for success in answer.successes {
                        let report = Wire.Report(error_code: 200, message: nil, partition_id: success.partition_id, offset: success.offset, timestamp: success.timestamp)
                        settle(success.id, report.outcome, latency: latency)
                    }
                    for failure in answer.failures {
                        settle(failure.id, .failed(code: failure.error_code, message: RestErrorText.explain(code: failure.error_code, message: failure.message, topic: topic)), latency: latency)
                    }
                    for (id, _) in pending.sorted(by: { $0.value < $1.value }) {
                        settle(id, .unknown(message: "the batch answer did not mention id \(id)"), latency: nil)
                    }
                } else {
                    // A whole-batch answer (422 and the like) is the outcome of every entry.
                    let error = status == 207 || status == 200
                        ? RestError(kind: .protocolViolation, code: status, description: "HTTP \(status) but the body is not a batch answer: \(String(decoding: bytes.prefix(80), as: UTF8.self))")
                        : RestErrorText.httpError(status: status, contentType: response.headers.first(name: "content-type"), body: bytes, topic: topic)
                    for entry in entries { settle(String(entry.seq), error.outcome, latency: latency) }
                    if error.kind != .http(status: 422) && Self.stopsTheRun(error) { throw error }
                }
            } catch let error as RestError {
                throw error
            } catch {
                let failure = RestErrorText.transport(error, host: host, sent: true, tlsMinimum: tlsMinimum)
                for entry in entries { settle(String(entry.seq), failure.outcome, latency: nil) }
                throw failure
            }
        }
    }
}

extension Wire.Report {
    func outcomeNamingTopic(_ topic: String) -> Outcome {
        if case .failed(let code, _) = outcome {
            return .failed(code: code, message: RestErrorText.explain(code: code, message: message, topic: topic))
        }
        return outcome
    }
}
