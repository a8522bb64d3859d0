import AsyncHTTPClient
import NIOCore

// Reading one segment's response: each report settles the oldest record in flight (or sends
// it back to the queue when the proxy refused it for now); the end of the response settles or
// requeues the rest (`StreamFlow.didFinish`).
extension StreamSend {
    func startReading(segment id: Int, _ request: HTTPClientRequest) {
        let seconds = flow.withLock { $0.secondsCap + $0.settings.stream.stallSeconds }
        shared.withLock { state in
            state.readers[id] = Task { [self] in
                await readResponse(segment: id, request, deadline: .now() + .seconds(Int64(seconds) + 120))
                _ = shared.withLock { $0.readers.removeValue(forKey: id) }
                wakeup.signal()
            }
        }
    }

    private func readResponse(segment id: Int, _ request: HTTPClientRequest, deadline: NIODeadline) async {
        var reports = 0
        var ending = StreamFlow.Ending.ended
        var fatal: RestError?
        var refusedWhole = false
        var failure: RestError?
        do {
            let response = try await client.http.execute(request, deadline: deadline, logger: client.logger)
            client.logger.debug("stream segment answered", metadata: ["segment": "\(id)", "status": "\(response.status.code)"])
            if response.status.code == 200 {
                reports = try await readReports(segment: id, response)
            } else {
                flow.withLock { $0.close(segment: id) }
                wakeup.signal()
                let bytes = Array((try? await response.body.collect(upTo: 1024 * 1024))?.readableBytesView ?? ByteBuffer().readableBytesView)
                let answer = RestAnswer(status: Int(response.status.code), contentType: response.headers.first(name: "content-type"),
                                        retryAfter: response.headers.first(name: "retry-after"), body: bytes, topic: topic)
                refusedWhole = true
                switch answer {
                case .refused(let refusal, _):
                    // The gateway limits requests; the governor paces records: pause, keep the rate.
                    throttle.refused(refusal, cutRate: false)
                    ending = .refused(refusal)
                case .chunkedRefused:
                    client.logger.debug("the gateway refuses chunked bodies: Content-Length segments from now on")
                    ending = .chunkedRefused
                case .tooLarge(let error):
                    ending = .tooLarge(error.outcome)
                case .timedOut(let error):
                    ending = .timedOut(error.outcome)
                case .final(let error):
                    ending = .broke(error.outcome)
                    if RestClient.stopsTheRun(error) { fatal = error }
                }
            }
        } catch let error as ConcatenatedJSONSplitter.SplitError {
            ending = .broke(.unknown(message: "the proxy's reply broke off: \(error)"))
            fatal = RestError(kind: .protocolViolation, code: 200, description: "the proxy's stream reply is not concatenated JSON: \(error)")
        } catch is CancellationError {
            ending = .broke(.unknown(message: "stopped before this record was reported"))
        } catch let error as HTTPClientError where error == .cancelled {
            ending = .broke(.unknown(message: "stopped before this record was reported"))
        } catch {
            let transport = RestErrorText.transport(error, host: client.host, sent: true, tlsMinimum: client.tlsMinimum)
            failure = transport
            client.logger.debug("stream segment failed", metadata: ["segment": "\(id)", "error": "\(transport.description)"])
            ending = .broke(reports == 0 && transport.kind == .connection ? transport.outcome : .unknown(message: transport.description))
            if transport.kind == .connection || transport.kind == .tls { fatal = transport }
        }
        run.report(flow.withLock { $0.didFinish(segment: id, ending, now: .now) })
        shared.withLock { state in
            if let fatal, state.fatal == nil { state.fatal = fatal }
            // A proxy that keeps ending streams before answering anything would loop forever.
            state.fruitless = reports == 0 && !refusedWhole ? state.fruitless + 1 : 0
            if state.fruitless >= 3, state.fatal == nil {
                // Say why they ended: the proxy closing them, or no answer within --timeout.
                let why = failure.map { "\(state.fruitless) streams in a row ended without a single report (\($0.description))" }
                    ?? "the proxy closed \(state.fruitless) streams in a row without a single report"
                state.fatal = RestError(kind: .interrupted, code: ClientErrorCode.connection, description: why + "; stopping")
            }
        }
        client.logger.debug("stream segment ended", metadata: ["segment": "\(id)", "reports": "\(reports)"])
    }

    /// Reads reports as they come; what one read brought is reported together. Returns how many came.
    private func readReports(segment id: Int, _ response: HTTPClientResponse) async throws -> Int {
        var splitter = ConcatenatedJSONSplitter(maximumValueBytes: 1024 * 1024)
        var settled: [DeliveryReport] = []
        var count = 0
        for try await chunk in response.body {
            var refusal: (Refusal, ContinuousClock.Instant)?
            var accepted = false
            let outcomes = try splitter.feed(chunk.readableBytesView).map { piece in
                Wire.Report.decode(piece)?.outcomeNamingTopic(topic)
                    ?? .unknown(message: "unreadable delivery report: \(String(decoding: piece.prefix(80), as: UTF8.self))")
            }
            let now = ContinuousClock.now
            flow.withLock { flow in
                for outcome in outcomes {
                    switch flow.didReceive(segment: id, outcome, now: now) {
                    case .settled(let report):
                        count += 1
                        accepted = true
                        settled.append(report)
                    case .refused(let refused, let sentAt):
                        count += 1
                        if refused.kind == .throttled { refusal = refusal ?? (refused, sentAt) }
                    case .expired(let report, _):
                        count += 1
                        settled.append(report)
                    case .unmatched:
                        break
                    }
                }
            }
            // One refusal per read, however many records it named: one signal to slow down.
            if let (refused, sentAt) = refusal { throttle.refused(refused, sentAt: sentAt) } else if accepted { throttle.accepted() }
            run.report(settled)
            settled.removeAll(keepingCapacity: true)
            wakeup.signal()
        }
        return count
    }
}
