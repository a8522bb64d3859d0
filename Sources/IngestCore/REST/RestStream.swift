import AsyncHTTPClient
import NIOCore

// The full-duplex stream: records written as concatenated JSON while reports are read back in
// order, cut into segments (requests) so that a gateway that buffers or caps a body still
// answers. `StreamFlow` decides (window, segments, what the path is, what goes again); this
// file writes, and `RestStreamSegment.swift` reads each segment's reports.
extension RestClient {
    func sendStream(_ reader: RecordReader, path: String, topic: String, options: SendOptions,
                    throttle: SendThrottle, run: SendRun) async throws -> StreamSend.Summary {
        let settings = StreamFlow.Settings(
            stream: profile.stream, fixedWindow: options.window ?? profile.stream.window,
            deliveryTimeout: .seconds(options.deliveryTimeoutSeconds ?? SendOptions.defaultDeliveryTimeoutSeconds),
            probe: probeTime)
        let stream = StreamSend(client: self, path: path, topic: topic, flow: StreamFlow(settings: settings), throttle: throttle, run: run)
        return try await stream.run(reader, ratePerSecond: options.ratePerSecond)
    }

    /// How long a first segment waits for a report before ending its body to learn whether a
    /// gateway buffers it: twice the round trip the cluster lookup took, 50 ms at least.
    var probeTime: Duration {
        let roundTrip = measuredRoundTripMilliseconds ?? 100
        return .milliseconds(Int64(min(profile.stream.stallSeconds * 1000, max(50, 2 * roundTrip))))
    }
}

/// One stream send: the writer (the calling task) opens segments and writes records into
/// them while each segment's response is read in a task of its own.
final class StreamSend: Sendable {
    let client: RestClient
    let path: String
    let topic: String
    let flow: Locked<StreamFlow>
    let throttle: SendThrottle
    let run: SendRun
    let wakeup = Wakeup()
    let shared = Locked(Shared())

    struct Shared {
        var fatal: RestError?
        /// Segments in a row that ended without a single report.
        var fruitless = 0
        var readers: [Int: Task<Void, Never>] = [:]
    }

    init(client: RestClient, path: String, topic: String, flow: StreamFlow, throttle: SendThrottle, run: SendRun) {
        self.client = client
        self.path = path
        self.topic = topic
        self.flow = Locked(flow)
        self.throttle = throttle
        self.run = run
    }

    /// What a stream came to, besides its outcomes.
    struct Summary: Sendable {
        var segments = 0
        var path: String?
        var peakUnanswered = 0
    }

    /// Sends segment after segment until every record has an outcome.
    func run(_ reader: RecordReader, ratePerSecond: Double?) async throws -> Summary {
        var writer = SegmentWriter(reader: reader, pacer: Pacer(ratePerSecond: ratePerSecond))
        let settings = flow.withLock { $0.settings }
        // One timer for the stream: it wakes the writer so that stalls and probes are noticed.
        let tick = min(settings.stream.stallSeconds / 4, settings.probe.inMilliseconds / 2000, 0.05)
        let watchdog = Task { [wakeup] in
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(max(0.005, tick)))
                wakeup.signal()
            }
        }
        defer { watchdog.cancel() }
        var segments = 0
        var inputError: (any Error)?
        do {
            while !Task.isCancelled, shared.withLock({ $0.fatal }) == nil {
                let more = try reader.peek() != nil
                let (mayOpen, idle, hasRetry) = flow.withLock { ($0.mayOpenSegment, $0.isIdle, $0.hasRetry) }
                if !more && !hasRetry {
                    if idle { break }
                    await wakeup.wait()
                    continue
                }
                if !mayOpen || (!more && throttle.blockedUntil != nil) {
                    await wakeup.wait()
                    continue
                }
                segments += 1
                try await writeSegment(&writer)
            }
        } catch {
            inputError = error
        }
        let stopped = Task.isCancelled
        await windDown(grace: stopped ? .seconds(settings.stream.stallSeconds + 3) : nil)
        let fatal = shared.withLock { $0.fatal }
        let reason = stopped ? "stopped by the operator" : fatal.map { "the send stopped (\($0.description))" } ?? "the send stopped"
        run.report(flow.withLock { $0.abandonRetries(because: reason) })
        if let inputError { throw inputError }
        // Stopped: the run says so (and the exit code), even when every record sent was answered.
        if stopped { throw CancellationError() }
        if let fatal { throw fatal }
        return flow.withLock { Summary(segments: segments, path: $0.pathSummary, peakUnanswered: $0.peakInFlight) }
    }

    /// Waits for the segments still answering; after `grace`, stops listening to them.
    private func windDown(grace: Duration?) async {
        let timer = grace.map { grace in
            Task { [shared] in
                try? await Task.sleep(for: grace)
                for reader in shared.withLock({ Array($0.readers.values) }) { reader.cancel() }
            }
        }
        while let reader = shared.withLock({ $0.readers.values.first }) {
            await reader.value
        }
        timer?.cancel()
    }

    /// Where records come from: those refused for now first, then the source.
    struct SegmentWriter {
        let reader: RecordReader
        var pacer: Pacer
        var encoded = EncodedAhead()
    }

    private enum Next {
        case record(StreamRecord, fromRetry: Bool)
        /// Something to send soon (a record refused for now), not yet.
        case notYet
        case none
    }

    private func next(_ writer: inout SegmentWriter) throws -> Next {
        let now = ContinuousClock.now
        while let retried = flow.withLock({ $0.takeRetry() }) {
            if flow.withLock({ $0.isExpired(retried, now: now) }), let refusal = retried.lastRefusal {
                run.report(DeliveryReport(seq: retried.seq, outcome: refusal.finalOutcome))
                continue
            }
            return .record(retried, fromRetry: true)
        }
        guard let (seq, record) = try writer.reader.peek() else {
            return flow.withLock { $0.hasRetry } ? .notYet : .none
        }
        return .record(StreamRecord(seq: seq, bytes: writer.encoded.bytes(seq: seq, record)), fromRetry: false)
    }

    /// Opens one segment and writes into it until the flow ends its body.
    private func writeSegment(_ writer: inout SegmentWriter) async throws {
        let (id, contentLength) = flow.withLock { ($0.openSegment(now: .now), $0.contentLength) }
        var request = client.request(path, method: .POST)
        var chunks: AsyncStream<ByteBuffer>.Continuation?
        if !contentLength {
            let (body, continuation) = AsyncStream<ByteBuffer>.makeStream()
            request.body = .stream(body, length: .unknown)
            chunks = continuation
            startReading(segment: id, request)
        }
        var buffer = ByteBuffer()
        var reason = StreamSegmentMachine.EndReason.nothingToSend
        func flush() {
            guard let chunks, buffer.readableBytes > 0 else { return }
            chunks.yield(buffer)
            buffer = ByteBuffer()
        }
        defer { chunks?.finish() }
        writing: while !Task.isCancelled {
            let next: Next
            do { next = try self.next(&writer) } catch {
                flow.withLock { $0.didEndBody(segment: id, reason: .nothingToSend) }
                flush()
                if contentLength { finishAssembled(id, request, buffer) }
                throw error
            }
            guard case .record(let record, let fromRetry) = next else {
                // Nothing to write now: a body with records ends (so its reports come); an
                // empty one waits for a record refused for now to be due.
                if case .none = next { break writing }
                if !flow.withLock({ $0.isEmpty(segment: id) }) { break writing }
                flush()
                await wakeup.wait()
                continue
            }
            if !throttle.tryAcquire() {
                let buffered = flow.withLock { $0.mode == .buffered || $0.contentLength }
                if buffered && !flow.withLock({ $0.isEmpty(segment: id) }) {
                    // A buffered body waiting for a pause to pass releases nothing: send it.
                    if fromRetry { flow.withLock { $0.putBack(record) } }
                    reason = .windowFull
                    break writing
                }
                flush()
                let deadline = record.firstSent.map { $0 + flow.withLock { $0.settings.deliveryTimeout } }
                do {
                    guard try await throttle.acquire(deadline: deadline) else {
                        // Out of time while waiting: it fails with the refusal it last got.
                        if let refusal = record.lastRefusal { run.report(DeliveryReport(seq: record.seq, outcome: refusal.finalOutcome)) }
                        continue
                    }
                } catch {
                    if fromRetry { flow.withLock { $0.putBack(record) } }
                    break writing
                }
                // The turn is this record's; the segment may have closed meanwhile: `admit` decides.
            }
            let decision = flow.withLock { $0.admit(segment: id, record, now: .now) }
            switch decision {
            case .send:
                if !fromRetry { _ = try writer.reader.next() }
                buffer.writeBytes(record.bytes)
                if writer.pacer.isPacing {
                    flush()
                    do { try await writer.pacer.wait() } catch { break writing }
                } else if buffer.readableBytes >= 64 * 1024 {
                    // Unpaced, records go out together: one chunk, one syscall.
                    flush()
                }
            case .wait:
                if fromRetry { flow.withLock { $0.putBack(record) } }
                flush()
                await wakeup.wait()
            case .endBody(let why):
                if fromRetry { flow.withLock { $0.putBack(record) } }
                reason = why
                break writing
            }
        }
        let (window, base, smoothed) = flow.withLock { ($0.window.size, $0.window.baseMilliseconds ?? 0, $0.window.smoothedMilliseconds ?? 0) }
        client.logger.debug("ending stream segment", metadata: ["segment": "\(id)", "reason": "\(reason.rawValue)", "window": "\(window)",
                                                              "base_ms": "\(Int(base))", "latency_ms": "\(Int(smoothed))"])
        flow.withLock { $0.didEndBody(segment: id, reason: reason) }
        flush()
        if contentLength { finishAssembled(id, request, buffer) }
    }

    /// A Content-Length segment goes once its records are all in `buffer`.
    private func finishAssembled(_ id: Int, _ request: HTTPClientRequest, _ buffer: ByteBuffer) {
        guard buffer.readableBytes > 0 else {
            run.report(flow.withLock { $0.didFinish(segment: id, .ended, now: .now) })
            return
        }
        var request = request
        request.body = .bytes(buffer)
        startReading(segment: id, request)
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
