import Foundation
import IngestSandbox
import IngestTUI
import Testing
@testable import IngestConsole
@testable import IngestCore

/// What the console hears of a throttled send: the core's throttle totals reach the console's
/// events as they change, over a real gateway usage plan (HTTPS, 429s), and every record
/// still ends delivered.
@Suite struct ConsoleThrottleTests {
    @Test func aThrottledSendTellsTheConsoleAndLosesNothing() async throws {
        var faults = SandboxFaults()
        faults.throttle = SandboxFaults.Throttle(requestsPerSecond: 20, burst: 5)
        let harness = try await SandboxHarness.start(faults: faults)
        let (events, continuation) = AsyncStream<SendEvent>.makeStream()
        let sink = ConsoleSink(send: 1, held: HeldRecords(), continuation: continuation)
        let plan = SendPlan(topic: SandboxHarness.topic, source: .records(SandboxHarness.jsonRecords(60), origin: "test"), transport: .rest(.single))
        let result = await Sender(rest: harness.client).run(plan, sinks: [sink])
        continuation.finish()
        await harness.stop()
        var throttles: [ThrottleSummary] = []
        var reported = 0
        var finished: SendEvent?
        for await event in events {
            switch event {
            case .throttled(let summary): throttles.append(summary)
            case .reports(let reports, _): reported += reports.count
            case .finished: finished = event
            case .refused(let message): Issue.record("refused: \(message)")
            case .journaled: break
            }
        }
        #expect(result.ledger.delivered == 60, "\(result.ledger.summaryLine) \(result.stopReason ?? "")")
        #expect(reported == 60)
        #expect(finished == .finished(delivered: 60, failed: 0, unknown: 0, stopReason: nil))
        #expect(!throttles.isEmpty, "the console never heard of the 429s")
        #expect(throttles.last == result.throttle, "the last totals the console saw are the run's")
        #expect(zip(throttles, throttles.dropFirst()).allSatisfy { $0.times < $1.times }, "totals only grow: \(throttles)")
        #expect(result.summaryLine.contains("throttled \(result.throttle.times) time"))
        #expect(harness.server.log.count(topic: SandboxHarness.topic) == 60)
    }
}
