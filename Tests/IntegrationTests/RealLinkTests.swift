import Foundation
import IngestSandbox
import NIOCore
import Testing
@testable import IngestCore

/// The link as operators meet it: a round trip away, through a gateway that buffers, limits,
/// throttles or refuses chunked bodies, over HTTPS. Faults come from the sandbox, through real
/// sockets; every test checks behaviour (outcomes, what the log holds), never speed.
@Suite struct RealLinkTests {
    /// Each value of the log, with how often it is stored.
    static func stored(_ harness: SandboxHarness) -> [String: Int] {
        var counts: [String: Int] = [:]
        for (_, record) in harness.server.log.records(topic: SandboxHarness.topic) {
            counts[String(decoding: record.value ?? [], as: UTF8.self), default: 0] += 1
        }
        return counts
    }

    /// Delivered records are stored exactly once, at the offsets their reports name; failed
    /// ones never; unknown ones at most once.
    static func checkExactlyOnce(_ harness: SandboxHarness, _ reports: [DeliveryReport], sourceLocation: SourceLocation = #_sourceLocation) {
        let stored = stored(harness)
        for report in reports {
            let value = "{\"n\":\(report.seq)}"
            switch report.outcome {
            case .delivered: #expect(stored[value] == 1, "record \(report.seq) delivered but stored \(stored[value] ?? 0) times", sourceLocation: sourceLocation)
            case .failed: #expect(stored[value] == nil, "record \(report.seq) failed but is stored", sourceLocation: sourceLocation)
            case .unknown: #expect((stored[value] ?? 0) <= 1, "record \(report.seq) stored twice", sourceLocation: sourceLocation)
            }
        }
        #expect(stored.values.allSatisfy { $0 == 1 }, "a record is stored twice", sourceLocation: sourceLocation)
    }

    /// A proxy that ends each stream after 300 reports, 40 ms away: every report it wrote is
    /// read (each stored record comes back delivered); only records it never stored are unknown.
    @Test func everyReportWrittenBeforeTheEndIsRead() async throws {
        var faults = SandboxFaults()
        faults.latencyMilliseconds = 20
        faults.closeStreamAfter = 300
        let harness = try await SandboxHarness.start(faults: faults)
        let (result, reports) = await harness.send(SandboxHarness.jsonRecords(2_000), mode: .stream)
        await harness.stop()
        #expect(checkAccounting(result, reports, sent: 2_000))
        #expect(result.ledger.failed == 0)
        #expect(Int64(result.ledger.delivered) == harness.server.log.count(topic: SandboxHarness.topic),
                "\(result.ledger.summaryLine), log \(harness.server.log.count(topic: SandboxHarness.topic))")
        Self.checkExactlyOnce(harness, reports)
    }

    /// Every mode 40 ms away: all delivered, outcomes in record order.
    @Test(arguments: RestMode.allCases)
    func everyModeFortyMillisecondsAway(mode: RestMode) async throws {
        var faults = SandboxFaults()
        faults.latencyMilliseconds = 20
        let harness = try await SandboxHarness.start(faults: faults)
        let (result, reports) = await harness.send(SandboxHarness.jsonRecords(400), mode: mode)
        await harness.stop()
        #expect(result.ledger.delivered == 400, "\(result.ledger.summaryLine) \(result.stopReason ?? "")")
        #expect(reports.map(\.seq) == Array(1...400))
        Self.checkExactlyOnce(harness, reports)
    }

    /// 40 ms away, the adaptive window opens past its first 64 records (reports come back near
    /// the path's round trip), in one request: the operator is told how far it opened.
    @Test func theWindowOpensAtADistance() async throws {
        var faults = SandboxFaults()
        faults.latencyMilliseconds = 20
        let harness = try await SandboxHarness.start(faults: faults)
        let (result, reports) = await harness.send(SandboxHarness.jsonRecords(5_000), mode: .stream)
        await harness.stop()
        #expect(result.ledger.delivered == 5_000, "\(result.ledger.summaryLine) \(result.stopReason ?? "")")
        #expect(result.streamPeakUnanswered > AdaptiveWindow.initialSize, "\(result.streamPath ?? "")")
        #expect(result.streamPath == "stream: 1 request, up to \(result.streamPeakUnanswered) records unanswered (adaptive window)")
        Self.checkExactlyOnce(harness, reports)
    }

    /// A gateway that holds each body until it ends: found by the first segment, then fed
    /// segments sent whole, several at a time, instead of one 2-second stall per window.
    @Test func aBufferingGatewayIsFoundAndFedWithoutStalls() async throws {
        var faults = SandboxFaults()
        faults.bufferWholeRequest = true
        let harness = try await SandboxHarness.start(faults: faults)
        let (result, reports) = await harness.send(SandboxHarness.jsonRecords(3_000), mode: .stream)
        await harness.stop()
        #expect(result.ledger.delivered == 3_000, "\(result.ledger.summaryLine)")
        // A window of 64 per stalled segment would take 47 segments.
        #expect(result.segments < 15, "\(result.segments) segments")
        #expect(result.streamPath?.contains("the gateway buffers request bodies") == true, "\(result.streamPath ?? "")")
        Self.checkExactlyOnce(harness, reports)
    }

    /// A gateway that refuses chunked bodies (411): nothing was produced; the stream goes on
    /// with Content-Length segments.
    @Test func aGatewayRefusingChunkedBodiesGetsContentLength() async throws {
        var faults = SandboxFaults()
        faults.refuseChunked = true
        let harness = try await SandboxHarness.start(faults: faults)
        let (result, reports) = await harness.send(SandboxHarness.jsonRecords(1_500), mode: .stream)
        await harness.stop()
        #expect(result.ledger.delivered == 1_500, "\(result.ledger.summaryLine) \(result.stopReason ?? "")")
        #expect(result.streamPath?.contains("the gateway refuses chunked bodies") == true, "\(result.streamPath ?? "")")
        Self.checkExactlyOnce(harness, reports)
    }

    /// A buffering gateway with a small payload limit (413): segments shrink until they pass.
    @Test func aPayloadLimitShrinksSegments() async throws {
        var faults = SandboxFaults()
        faults.bufferWholeRequest = true
        faults.maxBodyBytes = 20_000
        let harness = try await SandboxHarness.start(faults: faults)
        let (result, reports) = await harness.send(SandboxHarness.jsonRecords(2_000), mode: .stream)
        await harness.stop()
        #expect(result.ledger.delivered == 2_000, "\(result.ledger.summaryLine) \(result.stopReason ?? "")")
        Self.checkExactlyOnce(harness, reports)
    }

    /// A buffering gateway with a time limit (504 past 1.5 s of request): the first segment,
    /// paced to last longer, gets 504 and its records are unknown (the gateway may have passed
    /// them on); later segments are cut shorter than the limit and are delivered.
    @Test func aGatewayTimeLimitShortensSegments() async throws {
        var faults = SandboxFaults()
        faults.bufferWholeRequest = true
        faults.maxRequestSeconds = 1.5
        let harness = try await SandboxHarness.start(faults: faults)
        let (result, reports) = await harness.send(SandboxHarness.jsonRecords(500), mode: .stream,
                                                   options: SendOptions(ratePerSecond: 100, window: 200))
        await harness.stop()
        #expect(checkAccounting(result, reports, sent: 500), "\(result.ledger.summaryLine)")
        #expect(result.ledger.failed == 0 && result.ledger.unknown > 0 && result.ledger.delivered > 0,
                "\(result.ledger.summaryLine) \(result.stopReason ?? "")")
        #expect(reports.contains { if case .unknown(let message) = $0.outcome { message.contains("504") || message.contains("timed out") } else { false } })
        #expect(result.segments > 2)
        Self.checkExactlyOnce(harness, reports)
    }

    /// The proxy's own rate limiter answers per record (429, or 42901 for a Kafka quota)
    /// inside a stream's reports and per batch entry: those records go again; each is stored once.
    @Test(arguments: [(RestMode.stream, 429, 400), (.stream, 42901, 400), (.batch, 42901, 400), (.single, 429, 50)])
    func perRecordRateLimitsAreSentAgain(mode: RestMode, code: Int, perSecond: Double) async throws {
        var faults = SandboxFaults()
        faults.recordRateLimit = SandboxFaults.RecordRateLimit(recordsPerSecond: perSecond, code: code)
        let harness = try await SandboxHarness.start(faults: faults)
        let count = Int(perSecond) * 3
        let (result, reports) = await harness.send(SandboxHarness.jsonRecords(count), mode: mode)
        await harness.stop()
        #expect(result.ledger.delivered == count, "\(mode) \(code): \(result.ledger.summaryLine) \(result.stopReason ?? "")")
        #expect(result.throttle.times > 0)
        #expect(reports.map(\.seq) == Array(1...count), "outcomes leave in record order")
        Self.checkExactlyOnce(harness, reports)
    }

    /// Streams open longer than the proxy allows get a 408 per further record: never
    /// produced, so they go again in a new segment.
    @Test func recordsPastTheStreamsMaximumDurationGoAgain() async throws {
        var faults = SandboxFaults()
        faults.streamMaxSeconds = 0.2
        let harness = try await SandboxHarness.start(faults: faults)
        let (result, reports) = await harness.send(SandboxHarness.jsonRecords(1_000), mode: .stream, options: SendOptions(ratePerSecond: 2_000))
        await harness.stop()
        #expect(result.ledger.delivered == 1_000, "\(result.ledger.summaryLine) \(result.stopReason ?? "")")
        #expect(result.segments > 1)
        Self.checkExactlyOnce(harness, reports)
    }

    /// A gateway usage plan of 20 requests/s: single, batch and stream (segments of 5 records,
    /// so that it takes many requests) slow down to it (AIMD, backoff) instead of failing;
    /// every record is delivered and stored exactly once.
    @Test(arguments: [RestMode.single, .batch, .stream])
    func aUsagePlanSlowsTheSendDown(mode: RestMode) async throws {
        var faults = SandboxFaults()
        faults.throttle = SandboxFaults.Throttle(requestsPerSecond: 20, burst: 5)
        var stream = StreamSettings()
        stream.segmentRecords = 5
        let harness = try await SandboxHarness.start(faults: faults, stream: stream)
        let count = mode == .batch ? 300 : 60
        let (result, reports) = await harness.send(SandboxHarness.jsonRecords(count), mode: mode)
        await harness.stop()
        #expect(result.ledger.delivered == count && result.stopReason == nil, "\(mode): \(result.ledger.summaryLine) \(result.stopReason ?? "")")
        #expect(reports.map(\.seq) == Array(1...count), "outcomes leave in record order")
        #expect(result.throttle.times > 0)
        Self.checkExactlyOnce(harness, reports)
    }

    /// 100,000 records streamed 40 ms away through a usage plan, the proxy's rate limiter and
    /// a dropped connection: delivered + failed + unknown = sent, and the log holds each
    /// delivered record exactly once (and each unknown one at most once).
    @Test func aHundredThousandRecordsOverAFarThrottledBrokenLinkAddUp() async throws {
        var faults = SandboxFaults()
        faults.latencyMilliseconds = 20
        // A request a second: the next segment, opened as the last one ends its body, is refused.
        faults.throttle = SandboxFaults.Throttle(requestsPerSecond: 1, burst: 1)
        faults.recordRateLimit = SandboxFaults.RecordRateLimit(recordsPerSecond: 20_000, code: 42901)
        faults.dropConnectionAfter = 3_000
        faults.dropOnce = true
        var stream = StreamSettings()
        stream.segmentRecords = 4_000
        let harness = try await SandboxHarness.start(faults: faults, stream: stream, logTail: 200_000)
        let (result, reports) = await harness.send(SandboxHarness.jsonRecords(100_000), mode: .stream)
        await harness.stop()
        #expect(result.stopReason == nil, "\(result.stopReason ?? "")")
        #expect(checkAccounting(result, reports, sent: 100_000), "\(result.ledger.summaryLine)")
        #expect(result.ledger.unknown > 0, "the dropped connection left records unknown")
        #expect(result.throttle.times > 0)
        Self.checkExactlyOnce(harness, reports)
        #expect(harness.server.log.count(topic: SandboxHarness.topic) >= Int64(result.ledger.delivered))
    }
}
