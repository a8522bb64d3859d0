import Foundation
import IngestKafka
import NIOCore

/// Runs a `SendPlan` to outcomes: reads the records, sends them through REST or natively,
/// and hands every record and outcome to the sinks (journal, JSON lines, console rows). The
/// CLI's `send` and `replay` and the console all send through here.
public struct Sender: Sendable {
    let rest: RestClient
    let nativeTarget: (@Sendable () async throws -> NativeSender.Target)?

    public init(session: ProfileSession) {
        self.rest = session.client
        self.nativeTarget = { try await session.nativeTarget() }
    }

    /// Over a REST client alone (tests, tools); `nativeTarget` enables native sends.
    public init(rest: RestClient, nativeTarget: (@Sendable () async throws -> NativeSender.Target)? = nil) {
        self.rest = rest
        self.nativeTarget = nativeTarget
    }

    /// Sends every record of the plan; never throws: what stopped the run is in the result.
    /// Cancelling the task stops sending; records in flight still get their outcomes.
    public func run(_ plan: SendPlan, sinks: [any SendSink]) async -> SendResult {
        let started = ContinuousClock.now
        // REST answers come back out of order (requests in flight together, records sent
        // again after a refusal); the sinks get them in record order.
        let run = SendRun(sinks: sinks, ordered: plan.transport != .native)
        var result = SendResult()
        do {
            let source = try Self.source(for: plan)
            switch plan.transport {
            case .rest(let mode):
                let reader = RecordReader(source: source, maximumBytes: plan.options.maximumRecordBytes, run: run)
                let stream = try await sendREST(reader, mode: mode, plan: plan, run: run)
                result.segments = stream.segments
                result.streamPath = stream.path
                result.streamPeakUnanswered = stream.peakUnanswered
            case .native:
                // Reading starts before the target is known: it overlaps discovery and connecting.
                let feed = Self.nativeFeed(source, plan: plan, run: run)
                guard let nativeTarget else { throw InputError("native sends need the profile's Kafka settings") }
                let configuration = NativeSender.configuration(try await nativeTarget(), options: plan.options)
                try await NativeSender.send(feed, topic: plan.topic, configuration: configuration, options: plan.options, run: run)
            }
        } catch let error as InputError {
            result.inputError = error
            result.stopReason = error.description
        } catch let error as RestError {
            result.stopReason = error.description
        } catch is CancellationError {
            result.stopReason = "stopped by the operator"
        } catch {
            result.stopReason = RestErrorText.scrub(String(describing: error))
        }
        result.ledger = run.snapshot
        result.throttle = run.throttleSummary
        result.elapsedSeconds = (ContinuousClock.now - started).inMilliseconds / 1000
        run.finish(result)
        return result
    }

    /// Natively, reading a file costs about what sending it does: read, check and digest on
    /// a thread of its own, and with no sink that needs records as they go, lay them out for
    /// Kafka there too. A paced send reads as it sends (`{{now}}` would be read early), and
    /// given records are already read.
    static func nativeFeed(_ source: RecordSource, plan: SendPlan, run: SendRun) -> NativeSender.Feed {
        let maximumBytes = plan.options.maximumRecordBytes
        guard plan.options.ratePerSecond == nil, !(source is ListSource) else {
            return .records(RecordReader(source: source, maximumBytes: maximumBytes, run: run))
        }
        let checked = ReadAheadSource(source, maximumBytes: maximumBytes, run: run)
        guard run.sendTimeSinks.isEmpty else {
            return .records(RecordReader(source: PrefetchingSource(checked), maximumBytes: maximumBytes, run: run, readAhead: true))
        }
        return .blocks(NativeSender.prefetchedBlocks(checked, topic: plan.topic))
    }

    private func sendREST(_ reader: RecordReader, mode: RestMode, plan: SendPlan, run: SendRun) async throws -> StreamSend.Summary {
        // A --timeout other than the client's read timeout gets a client of its own.
        guard let seconds = plan.options.timeoutSeconds, TimeAmount.seconds(Int64(max(1, seconds))) != rest.readTimeout else {
            return try await Self.sendREST(reader, client: rest, mode: mode, plan: plan, run: run)
        }
        let client = try rest.with(readTimeout: .seconds(Int64(max(1, seconds))))
        do {
            let stream = try await Self.sendREST(reader, client: client, mode: mode, plan: plan, run: run)
            await client.shutdown()
            return stream
        } catch {
            await client.shutdown()
            throw error
        }
    }

    private static func sendREST(_ reader: RecordReader, client: RestClient, mode: RestMode, plan: SendPlan,
                                 run: SendRun) async throws -> StreamSend.Summary {
        let throttle = SendThrottle(run: run, logger: client.logger)
        let cluster = try await client.clusterID(throttle: throttle)
        // Topic names are checked against Kafka's rules ([a-zA-Z0-9._-]): nothing to escape.
        let path = "/clusters/\(cluster)/topics/\(plan.topic)/records"
        switch mode {
        case .single, .batch:
            try await client.sendRequests(reader, mode: mode, path: path, topic: plan.topic, options: plan.options, throttle: throttle, run: run)
            return StreamSend.Summary()
        case .stream:
            return try await client.sendStream(reader, path: path, topic: plan.topic, options: plan.options, throttle: throttle, run: run)
        }
    }

    /// The records a plan names, read one at a time.
    public static func source(_ source: PlanSource) throws -> RecordSource {
        switch source {
        case .template(let template, let count):
            guard count >= 1 else { throw InputError("the count must be at least 1") }
            return try TemplateSource(template, count: count)
        case .file(let path, let format, let valueType):
            return try EventFileReader(path: path, format: format, valueType: valueType)
        case .records(let records, _):
            return ListSource(records)
        }
    }
}
