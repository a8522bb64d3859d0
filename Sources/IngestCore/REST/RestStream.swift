import AsyncHTTPClient
import NIOCore
import Synchronization

// The full-duplex stream: records written as concatenated JSON while reports are read back in
// order, cut into segments (requests) so a gateway that buffers or caps a body still answers.
extension RestClient {

    /// Sends segment after segment until the source is empty. A segment that the proxy ends
    /// early leaves its unanswered records unknown; the next segment goes on with the rest.
    func sendStream(_ reader: RecordReader, path: String, topic: String, options: SendOptions, run: SendRun) async throws -> Int {
        let limits = StreamSegmentMachine.Limits(profile.stream, window: options.window)
        var pacer = Pacer(ratePerSecond: options.ratePerSecond)
        var segments = 0
        var fruitless = 0
        while try reader.peek() != nil {
            try Task.checkCancellation()
            segments += 1
            let segment = try await streamSegment(reader, path: path, topic: topic, limits: limits, pacer: &pacer, run: run)
            if let fatal = segment.fatal { throw fatal }
            // A proxy that keeps closing streams before answering anything would loop forever.
            fruitless = segment.reports == 0 ? fruitless + 1 : 0
            if fruitless >= 3 {
                throw RestError(kind: .interrupted, code: ClientErrorCode.connection, description: "the proxy closed \(fruitless) streams in a row without a single report; stopping")
            }
        }
        return segments
    }

    struct SegmentResult {
        var reports: Int
        var fatal: RestError?
    }

    func streamSegment(_ reader: RecordReader, path: String, topic: String, limits: StreamSegmentMachine.Limits,
                       pacer: inout Pacer, run: SendRun) async throws -> SegmentResult {
        var encoded = EncodedAhead()
        let state = Locked(SegmentState(machine: StreamSegmentMachine(limits: limits, now: .now)))
        let wakeup = Wakeup()
        let (body, bodyWriter) = AsyncStream<ByteBuffer>.makeStream()
        var request = self.request(path, method: .POST)
        request.body = .stream(body, length: .unknown)
        let host = self.host, tlsMinimum = self.tlsMinimum

        // Reader: the response, concurrently with the writing below (full duplex).
        let readerTask = Task { [http, logger] () -> SegmentResult in
            var reports = 0
            func settleAll(_ outcome: Outcome) {
                let rest = state.withLock { state -> [DeliveryReport] in
                    state.closed = true
                    return state.machine.finish(outcome)
                }
                run.report(rest)
                wakeup.signal()
            }
            do {
                let response = try await http.execute(request, deadline: .now() + .seconds(Int64(limits.seconds + limits.stallSeconds) + 120), logger: logger)
                logger.debug("stream segment answered", metadata: ["status": "\(response.status.code)"])
                guard response.status.code == 200 else {
                    let bytes = Array((try? await response.body.collect(upTo: 1024 * 1024))?.readableBytesView ?? ByteBuffer().readableBytesView)
                    let error = RestErrorText.httpError(status: Int(response.status.code), contentType: response.headers.first(name: "content-type"), body: bytes, topic: topic)
                    settleAll(error.outcome)
                    return SegmentResult(reports: 0, fatal: error)
                }
                var splitter = ConcatenatedJSONSplitter(maximumValueBytes: 1024 * 1024)
                var received: [DeliveryReport] = []
                for try await chunk in response.body {
                    let pieces = try splitter.feed(chunk.readableBytesView)
                    for piece in pieces {
                        let outcome = Wire.Report.decode(piece)?.outcomeNamingTopic(topic)
                            ?? .unknown(message: "unreadable delivery report: \(String(decoding: piece.prefix(80), as: UTF8.self))")
                        if let report = state.withLock({ $0.machine.didReceive(outcome, now: .now) }) {
                            reports += 1
                            received.append(report)
                        }
                    }
                    // What one read brought is reported together.
                    run.report(received)
                    received.removeAll(keepingCapacity: true)
                    wakeup.signal()
                }
                settleAll(.unknown(message: "the proxy ended the stream before reporting this record"))
                logger.debug("stream segment ended by the proxy", metadata: ["reports": "\(reports)"])
                return SegmentResult(reports: reports, fatal: nil)
            } catch let error as ConcatenatedJSONSplitter.SplitError {
                settleAll(.unknown(message: "the proxy's reply broke off: \(error)"))
                return SegmentResult(reports: reports, fatal: RestError(kind: .protocolViolation, code: 200, description: "the proxy's stream reply is not concatenated JSON: \(error)"))
            } catch is CancellationError {
                settleAll(.unknown(message: "stopped before this record was reported"))
                return SegmentResult(reports: reports, fatal: nil)
            } catch let error as HTTPClientError where error == .cancelled {
                settleAll(.unknown(message: "stopped before this record was reported"))
                return SegmentResult(reports: reports, fatal: nil)
            } catch {
                let failure = RestErrorText.transport(error, host: host, sent: true, tlsMinimum: tlsMinimum)
                logger.debug("stream segment failed", metadata: ["reports": "\(reports)", "error": "\(failure.description)"])
                settleAll(reports == 0 && failure.kind == .connection ? failure.outcome : .unknown(message: failure.description))
                let fatal = failure.kind == .connection || failure.kind == .tls ? failure : nil
                return SegmentResult(reports: reports, fatal: fatal)
            }
        }

        // One timer per segment, not one per wait: it wakes the writer so that a stall is noticed.
        let watchdog = Task {
            let tick = UInt64(max(0.01, limits.stallSeconds / 4) * 1e9)
            while !Task.isCancelled {
                try? await Task.sleep(nanoseconds: tick)
                wakeup.signal()
            }
        }
        defer { watchdog.cancel() }

        // Writer: records into the body while the window and the segment limits allow.
        defer { bodyWriter.finish() }
        do {
            while let (seq, record) = try reader.peek() {
                let bytes = encoded.bytes(seq: seq, record)
                if Task.isCancelled { break }
                let decision = state.withLock { state -> StreamSegmentMachine.SendDecision? in
                    state.closed ? nil : state.machine.decide(nextRecordBytes: bytes.count, now: .now)
                }
                guard let decision else { break }
                switch decision {
                case .send:
                    try await pacer.wait()
                    // The reader may have closed the stream meanwhile and settled what was in
                    // flight: check and record the send in one step, or the record would be
                    // in flight after the settling and never get an outcome.
                    let admitted = state.withLock { state -> Bool in
                        guard !state.closed else { return false }
                        state.machine.didSend(seq: seq, bytes: bytes.count, now: .now)
                        return true
                    }
                    guard admitted else { break }
                    _ = try reader.next()
                    var buffer = ByteBuffer(bytes: bytes)
                    // Unpaced, fill the free part of the window in one write: one chunk, one syscall.
                    while !pacer.isPacing, buffer.readableBytes < 64 * 1024, let (nextSeq, nextRecord) = try reader.peek() {
                        let nextBytes = encoded.bytes(seq: nextSeq, nextRecord)
                        let admitted = state.withLock { state -> Bool in
                            guard !state.closed, state.machine.decide(nextRecordBytes: nextBytes.count, now: .now) == .send else { return false }
                            state.machine.didSend(seq: nextSeq, bytes: nextBytes.count, now: .now)
                            return true
                        }
                        guard admitted else { break }
                        _ = try reader.next()
                        buffer.writeBytes(nextBytes)
                    }
                    bodyWriter.yield(buffer)
                    continue
                case .wait:
                    await wakeup.wait()
                    continue
                case .endBody(let reason):
                    logger.debug("ending stream segment", metadata: ["reason": "\(reason.rawValue)"])
                }
                break
            }
        } catch {
            state.withLock { $0.machine.didEndBody() }
            bodyWriter.finish()
            _ = await readerTask.value
            throw error
        }
        state.withLock { $0.machine.didEndBody() }
        bodyWriter.finish()
        if Task.isCancelled {
            // Stopped by the operator: give the records in flight a moment to be reported.
            let grace = Task {
                try? await Task.sleep(nanoseconds: UInt64((limits.stallSeconds + 3) * 1e9))
                readerTask.cancel()
            }
            let result = await readerTask.value
            grace.cancel()
            return result
        }
        return await withTaskCancellationHandler {
            await readerTask.value
        } onCancel: {
            readerTask.cancel()
        }
    }

    struct SegmentState: Sendable {
        var machine: StreamSegmentMachine
        var closed = false
    }
}

/// The produce request of the record peeked at, encoded once however often it is peeked.
struct EncodedAhead {
    private var seq = 0
    private var encoded: [UInt8] = []

    mutating func bytes(seq: Int, _ record: EventRecord) -> [UInt8] {
        if seq != self.seq {
            self.seq = seq
            encoded = RecordEncoding.produceRequest(record)
        }
        return encoded
    }
}
