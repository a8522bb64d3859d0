import Foundation
import Hummingbird
import IngestKafka
import IngestModel
import NIOCore

// Single and streamed produce are the same endpoint: records in, one report each, in order,
// written while the request is still being read. With Kafka behind, a stream's records are
// produced concurrently (the producer keeps many in flight) and reported in order.
extension SandboxServer {
    func produce(request: Request, topic: String, faults: SandboxFaults) -> Response {
        let started = ContinuousClock.now
        // Knobs that act per report need one write per report; otherwise what is ready goes out together.
        let perReport = faults.reportDelayMilliseconds > 0 || faults.closeStreamAfter != nil || faults.dropConnectionAfter != nil
        let body = ResponseBody { [self] writer in
            let sequencer = ReportSequencer()
            try await withThrowingTaskGroup(of: Void.self) { group in
                let feed: AsyncStream<ProducerRecord>.Continuation?
                let waiting = Protected<[Int: (slot: Int, shape: ReportShape)]>([:])
                if let kafka = configuration.kafka {
                    let (records, continuation) = AsyncStream<ProducerRecord>.makeStream()
                    feed = continuation
                    group.addTask { [self] in
                        try await kafka.producer.produce(records) { index, outcome in
                            guard let waited = waiting.withLock({ $0.removeValue(forKey: index) }) else { return }
                            self.producingChanged(by: -1)
                            sequencer.fill(waited.slot, self.kafkaReport(outcome, shape: waited.shape, topic: topic, faults: faults))
                        }
                    }
                } else {
                    feed = nil
                }
                group.addTask { [self] in
                    var produced = 0
                    try await readRecords(request.body, topic: topic, faults: faults, started: started, sequencer: sequencer) { slot, record in
                        waiting.withLock { $0[produced] = (slot, record.shape) }
                        produced += 1
                        if let feed {
                            producingChanged(by: 1)
                            feed.yield(record.producerRecord(topic: topic))
                        }
                    } finished: {
                        feed?.finish()
                    }
                }

                var written = 0
                var out = ByteBuffer()
                writing: while let (reports, final) = await sequencer.next() {
                    for report in reports {
                        if faults.reportDelayMilliseconds > 0 { try await Task.sleep(for: .milliseconds(faults.reportDelayMilliseconds)) }
                        if let drop = faults.dropConnectionAfter, written == drop, dropsConnection(faults) { throw SandboxDrop() }
                        out.writeBytes(report)
                        out.writeBytes([0x0D, 0x0A])
                        written += 1
                        if perReport {
                            try await writer.write(out)
                            out.clear()
                        }
                        if let close = faults.closeStreamAfter, written >= close { break writing }
                    }
                    if out.readableBytes > 0 {
                        try await writer.write(out)
                        out.clear()
                    }
                    if final { break }
                }
                if out.readableBytes > 0 { try await writer.write(out) }
                // Every report of this request is written. The producer is shared: its flush
                // would wait until every request's records are answered, holding this response
                // open meanwhile, so it is stopped here (it owes this request nothing more).
                group.cancelAll()
                // A reader that ran into a gateway limit cuts the response off here (no end).
                while let next = await group.nextResult() {
                    if case .failure(let error) = next, !(error is CancellationError) { throw error }
                }
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: [.contentType: "application/json"], body: body)
    }

    /// Reads the request's records, giving each a report slot in order: a report at once
    /// (refused, or stored in the in-memory log), or `produce` for Kafka to answer later.
    /// Stops after `closeStreamAfter` records, at a JSON syntax error, and at the stream's
    /// maximum duration, as the proxy does; throws when the body breaks.
    func readRecords(_ body: RequestBody, topic: String, faults: SandboxFaults, started: ContinuousClock.Instant,
                     sequencer: ReportSequencer, produce: (Int, ParsedRecord) -> Void, finished: () -> Void) async throws {
        var splitter = ConcatenatedJSONSplitter(maximumValueBytes: 2 * 1024 * 1024)
        var assigned = 0
        defer {
            finished()
            sequencer.finishInput()
        }
        for try await chunk in body {
            let pieces: [[UInt8]]
            do { pieces = try splitter.feed(chunk.readableBytesView) } catch {
                sequencer.append(Self.reportJSON(["error_code": 400, "message": "Bad Request: Error processing message: \(error)"]), final: true)
                return
            }
            for piece in pieces {
                if let close = faults.closeStreamAfter, assigned >= close { return }
                assigned += 1
                if let maximum = faults.streamMaxSeconds, ContinuousClock.now - started > .seconds(maximum) {
                    // Each further record gets 408 (and is not produced) until the body ends.
                    sequencer.append(Self.reportJSON(["error_code": 408, "message": "Streaming connection open for longer than allowed: Connection will be closed."]))
                    continue
                }
                guard let object = try? JSONSerialization.jsonObject(with: Data(piece)) else {
                    sequencer.append(Self.reportJSON(["error_code": 400, "message": "Bad Request: Error processing message: Unexpected character in JSON"]), final: true)
                    return
                }
                switch validate(object, raw: piece, topic: topic, allowID: false) {
                case .failure(let failure):
                    sequencer.append(failure.report)
                case .success(let record):
                    if let limited = rateLimited(faults) {
                        sequencer.append(limited)
                    } else if configuration.kafka != nil {
                        produce(sequencer.assign(), record)
                    } else {
                        sequencer.append(appendToLog(record, topic: topic, faults: faults))
                    }
                }
            }
            await sequencer.waitForRoom()
        }
        if assigned == 0 {
            sequencer.append(Self.reportJSON(["error_code": 422, "message": "Error: 42206 : Payload error. Request body is empty. Data is required."]))
        }
    }
}
