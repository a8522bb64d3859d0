import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

// One single or batch request and what its answer means for each of its records.
extension RequestDispatch {
    func send(_ entries: [Entry]) async {
        // Records refused before may not wait past their delivery timeout.
        let deadline = entries.compactMap { $0.firstSent.map { $0 + deliveryTimeout } }.min()
        do {
            guard try await throttle.acquire(deadline: deadline) else {
                run.report(expire(entries, now: .now))
                return
            }
            try await pacer.wait()
        } catch {
            // Stopped while waiting: these were never sent this time; the run fails them.
            putBack(entries)
            return
        }
        let now = ContinuousClock.now
        let entries = entries.map { entry in
            var entry = entry
            if entry.firstSent == nil { entry.firstSent = now }
            return entry
        }
        let body = batch
            ? RecordEncoding.batchRequest(entries.map { (String($0.seq), $0.record) })
            : RecordEncoding.produceRequest(entries[0].record)
        let path = batch ? self.path + ":batch" : self.path
        let sentAt = ContinuousClock.now
        let answer = await execute(path, body: body)
        let latency = (ContinuousClock.now - sentAt).inMilliseconds
        switch answer {
        case .failure(let error):
            let failure = RestErrorText.transport(error, host: client.host, sent: true, tlsMinimum: client.tlsMinimum)
            run.report(entries.map { DeliveryReport(seq: $0.seq, outcome: failure.outcome) })
            stop(failure)
        case .success(let (status, headers, bytes)):
            client.logger.debug(batch ? "batch answered" : "record answered",
                                metadata: ["first_seq": "\(entries[0].seq)", "status": "\(status)", "ms": "\(latency)"])
            if status == 200 || status == 207 {
                settle(entries, answer: bytes, status: status, sentAt: sentAt, latency: latency)
            } else {
                refuse(entries, answer: RestAnswer(status: status, contentType: headers.first(name: "content-type"),
                                                   retryAfter: headers.first(name: "retry-after"), body: bytes, topic: topic), sentAt: sentAt)
            }
        }
    }

    /// The request is not cancelled with the send: Ctrl-C lets it finish (its records get their
    /// real outcome) for a few seconds before cutting it off.
    private func execute(_ path: String, body: [UInt8]) async -> Result<(Int, HTTPHeaders, [UInt8]), any Error> {
        let post = client.post(path, body: body)
        return await withTaskCancellationHandler {
            do { return .success(try await post.answer()) } catch { return .failure(error) }
        } onCancel: {
            Task {
                try? await Task.sleep(for: .seconds(5))
                post.cutOff()
            }
        }
    }

    /// A 200 (single) or 207 (batch) answer.
    private func settle(_ entries: [Entry], answer bytes: [UInt8], status: Int, sentAt: ContinuousClock.Instant, latency: Double) {
        var reports: [DeliveryReport] = []
        var refused: [Entry] = []
        var refusal: Refusal?
        func outcome(_ entry: Entry, _ outcome: Outcome) {
            if case .failed(let code, let message) = outcome, let refused_ = Refusal.record(code: code, message: message) {
                refusal = refusal ?? refused_
                refused.append(entry)
            } else {
                reports.append(DeliveryReport(seq: entry.seq, outcome: outcome, latencyMilliseconds: outcome.name == "unknown" ? nil : latency))
            }
        }
        if batch {
            guard let answer = try? JSONDecoder().decode(Wire.BatchResponse.self, from: Data(bytes)) else {
                let error = RestError(kind: .protocolViolation, code: status, description: "HTTP \(status) but the body is not a batch answer: \(String(decoding: bytes.prefix(80), as: UTF8.self))")
                run.report(entries.map { DeliveryReport(seq: $0.seq, outcome: error.outcome) })
                stop(error)
                return
            }
            var byID = Dictionary(uniqueKeysWithValues: entries.map { (String($0.seq), $0) })
            for success in answer.successes {
                guard let entry = byID.removeValue(forKey: success.id) else { continue }
                let report = Wire.Report(error_code: 200, message: nil, partition_id: success.partition_id, offset: success.offset, timestamp: success.timestamp)
                outcome(entry, report.outcome)
            }
            for failure in answer.failures {
                guard let entry = byID.removeValue(forKey: failure.id) else { continue }
                outcome(entry, .failed(code: failure.error_code, message: RestErrorText.explain(code: failure.error_code, message: failure.message, topic: topic)))
            }
            for entry in byID.values.sorted(by: { $0.seq < $1.seq }) {
                outcome(entry, .unknown(message: "the batch answer did not mention id \(entry.seq)"))
            }
        } else {
            outcome(entries[0], Wire.Report.decode(bytes)?.outcomeNamingTopic(topic)
                ?? .unknown(message: "HTTP 200 but the body is not a delivery report: \(String(decoding: bytes.prefix(80), as: UTF8.self))"))
        }
        if let refusal {
            throttle.refused(refusal, sentAt: sentAt)
            reports += requeue(refused, refusal, now: .now)
        } else {
            throttle.accepted()
        }
        run.report(reports.sorted { $0.seq < $1.seq })
    }

    /// Any other answer: refused for now, the gateway's limits, or every record's outcome.
    private func refuse(_ entries: [Entry], answer: RestAnswer, sentAt: ContinuousClock.Instant) {
        switch answer {
        case .refused(let refusal, _):
            throttle.refused(refusal, sentAt: sentAt)
            run.report(requeue(entries, refusal, now: .now))
        case .tooLarge(let error) where entries.count > 1:
            // The gateway's payload limit: nothing was produced; smaller requests from now on.
            halveRequests(entries.count)
            run.report(requeue(entries, Refusal(kind: .unavailable, code: 413, message: error.description), now: .now))
        case .tooLarge(let error), .chunkedRefused(let error), .timedOut(let error), .final(let error):
            // A whole-batch 422 (and the like) is the outcome of every entry.
            run.report(entries.map { DeliveryReport(seq: $0.seq, outcome: error.outcome, latencyMilliseconds: nil) })
            if error.kind != .http(status: 422) && RestClient.stopsTheRun(error) { stop(error) }
        }
    }
}
