import Foundation
import Testing
@testable import IngestCore

/// The flow-control rules as values, decision by decision, without sockets.
@Suite struct RateGovernorTests {
    let throttled = Refusal(kind: .throttled, code: 429, message: "Too Many Requests")

    @Test func unlimitedUntilTheFirstRefusal() {
        let t0 = ContinuousClock.now
        var governor = RateGovernor(now: t0)
        for _ in 0..<1000 { #expect(governor.take(now: t0) == nil) }
        #expect(governor.rate == nil)
    }

    @Test func aRefusalCutsTheRateInUseAndPauses() {
        let t0 = ContinuousClock.now
        var governor = RateGovernor(now: t0)
        // 40 units in the first half second: about 80/s in use.
        for i in 0..<40 { _ = governor.take(now: t0 + .milliseconds(i * 12)) }
        let pause = governor.didRefuse(throttled, now: t0 + .milliseconds(500), jitter: 0)
        let rate = try! #require(governor.rate)
        #expect(abs(rate - 80 * governor.settings.decrease) < 8, "cut from about 80/s: \(rate)")
        #expect(pause == .milliseconds(50), "half the first backoff with no jitter")
        #expect(governor.blockedUntil == t0 + .milliseconds(550))
        #expect(governor.summary.times == 1)
        #expect(abs(governor.summary.waitedSeconds - 0.05) < 1e-9)
        // Nothing during the pause; then one unit per interval of the new rate, never two at once.
        #expect(governor.take(now: t0 + .milliseconds(520)) == t0 + .milliseconds(550))
        #expect(governor.take(now: t0 + .milliseconds(550)) == nil)
        let next = governor.take(now: t0 + .milliseconds(550))
        #expect(next.map { abs(($0 - (t0 + .milliseconds(550))).inMilliseconds - 1000 / rate) < 0.01 } == true)
    }

    @Test func refusalsTogetherCutOnceAndBackOffExponentially() {
        let t0 = ContinuousClock.now
        var governor = RateGovernor(now: t0)
        for _ in 0..<100 { _ = governor.take(now: t0) }
        governor.didRefuse(throttled, now: t0, jitter: 1)
        let afterFirst = governor.rate
        let together = (1...4).map { governor.didRefuse(throttled, now: t0 + .milliseconds($0), jitter: 1) }
        #expect(governor.rate == afterFirst, "refusals within the spacing are one signal")
        #expect(together == Array(repeating: .milliseconds(100), count: 4), "one step of the backoff, too")
        let spaced = (1...4).map { governor.didRefuse(throttled, now: t0 + .milliseconds(300 * $0), jitter: 1) }
        #expect(spaced == [.milliseconds(200), .milliseconds(400), .milliseconds(800), .milliseconds(1600)])
        #expect(abs(governor.rate! - afterFirst! * pow(governor.settings.decrease, 4)) < 1e-9, "each signal cuts")
        #expect(governor.summary.times == 9)
        // Overlapping pauses count once in the time waited: [0, 0.104] ∪ [0.3, 0.5] ∪ [0.6, 2.8].
        #expect(abs(governor.summary.waitedSeconds - 2.504) < 1e-6, "\(governor.summary.waitedSeconds)")
        // Retry-After wins over the backoff.
        var asked = throttled
        asked.retryAfter = .seconds(3)
        #expect(governor.didRefuse(asked, now: t0 + .seconds(5), jitter: 0) == .seconds(3))
    }

    @Test func acceptedUnitsRaiseTheRateAdditively() {
        let t0 = ContinuousClock.now
        var governor = RateGovernor(now: t0)
        for i in 0..<20 { _ = governor.take(now: t0 + .milliseconds(i * 50)) }
        governor.didRefuse(throttled, now: t0 + .seconds(1), jitter: 0)
        let cut = governor.rate!
        governor.didAccept(now: t0 + .seconds(3))
        // A share of the rate it was refused at, per second.
        let ceiling = cut / governor.settings.decrease
        #expect(abs(governor.rate! - (cut + 2 * ceiling * governor.settings.increase)) < 0.5, "\(cut) -> \(governor.rate!)")
    }
}

@Suite struct RefusalTests {
    @Test func whatCountsAsNotNow() {
        #expect(Refusal.request(status: 429, retryAfter: "2", code: 429, message: "m")?.retryAfter == .seconds(2))
        #expect(Refusal.request(status: 503, retryAfter: nil, code: 50302, message: "m")?.kind == .unavailable)
        #expect(Refusal.request(status: 500, retryAfter: nil, code: 500, message: "m") == nil)
        #expect(Refusal.request(status: 429, retryAfter: "Wed, 21 Oct 2015 07:28:00 GMT", code: 429, message: "m")?.retryAfter == nil)
        #expect(Refusal.record(code: 42901, message: "quota")?.kind == .throttled)
        #expect(Refusal.record(code: 408, message: "too long")?.kind == .streamExpired)
        #expect(Refusal.record(code: 40403, message: "no topic") == nil)
        #expect(Refusal.record(code: 500, message: "x") == nil)
    }

    @Test func reportOrderReleasesInSequence() {
        var order = ReportOrder()
        func report(_ seq: Int) -> DeliveryReport { DeliveryReport(seq: seq, outcome: .unknown(message: "x")) }
        #expect(order.add([report(2), report(3)]).isEmpty)
        #expect(order.add([report(1)]).map(\.seq) == [1, 2, 3])
        #expect(order.add([report(5)]).isEmpty)
        #expect(order.heldCount == 1)
        #expect(order.drain().map(\.seq) == [5])
    }
}

@Suite struct AdaptiveWindowTests {
    @Test func growsNearTheBaseAndShrinksWhenRecordsQueue() {
        var window = AdaptiveWindow(maximum: 100_000)
        #expect(window.size == 64)
        // 40 ms path, reports at 42 ms: slow start doubles about once per window.
        for _ in 0..<400 { window.didReport(latencyMilliseconds: 42) }
        #expect(window.size >= 512, "\(window.size)")
        // Up to twice the round trip still counts as near it: the window keeps growing.
        var busy = window
        for _ in 0..<2000 { busy.didReport(latencyMilliseconds: 75) }
        #expect(busy.size > window.size, "\(window.size) -> \(busy.size)")
        let grown = window.size
        // Reports now at 200 ms: records queue in the proxy; the window comes down.
        for _ in 0..<2000 { window.didReport(latencyMilliseconds: 200) }
        #expect(window.size < grown, "\(grown) -> \(window.size)")
        #expect(window.size >= window.minimum)
    }

    /// Reports `count` reports `latency` ms after their records, `perMillisecond` of them a ms.
    func report(_ window: inout AdaptiveWindow, count: Int, latency: Double, perMillisecond: Double, from start: inout ContinuousClock.Instant) {
        for _ in 0..<count {
            start += .nanoseconds(Int64(1_000_000 / perMillisecond))
            window.didReport(latencyMilliseconds: latency, at: start)
        }
    }

    @Test func queueingShrinksTheWindowNoFurtherThanTwiceWhatThePathCarries() {
        var clock = ContinuousClock.now
        var window = AdaptiveWindow(maximum: 100_000)
        // A 40 ms path delivering 30 reports a millisecond: the window opens.
        report(&window, count: 20_000, latency: 42, perMillisecond: 30, from: &clock)
        let grown = window.size
        #expect(grown >= 4096, "\(grown)")
        // The proxy's own work shows as latency (200 ms) while it still delivers 30 a ms: the
        // window comes down, but not below twice the 1,260 records 42 ms carry at that rate.
        report(&window, count: 100_000, latency: 200, perMillisecond: 30, from: &clock)
        #expect(window.size < grown)
        #expect((2 * 30 * 42 - 100)...(2 * 30 * 42 + 200) ~= window.size, "\(window.size)")
        // The rate falls to 1 a ms and the reports still queue: down to what that carries.
        report(&window, count: 20_000, latency: 200, perMillisecond: 1, from: &clock)
        #expect(window.size <= 2 * 42 + 10, "\(window.size)")
    }

    @Test func capsAndFixedWindows() {
        var window = AdaptiveWindow(maximum: 100)
        for _ in 0..<1000 { window.didReport(latencyMilliseconds: 1) }
        #expect(window.size == 100)
        window.cap(70)
        #expect(window.size == 70)
        var fixed = AdaptiveWindow(fixed: 8)
        for _ in 0..<1000 { fixed.didReport(latencyMilliseconds: 1) }
        fixed.cap(2)
        #expect(fixed.size == 8)
    }
}

@Suite struct StreamFlowTests {
    func flow(window: Int? = nil, segmentRecords: Int = 10_000, timeout: Duration = .seconds(120)) -> StreamFlow {
        var stream = StreamSettings()
        stream.segmentRecords = segmentRecords
        return StreamFlow(settings: .init(stream: stream, fixedWindow: window, deliveryTimeout: timeout, probe: .milliseconds(100)))
    }

    func record(_ seq: Int) -> StreamRecord { StreamRecord(seq: seq, bytes: Array("{\"value\":{\"type\":\"JSON\",\"data\":\(seq)}}".utf8)) }
    let delivered = Outcome.delivered(partition: 0, offset: 1, timestamp: nil)

    @Test func reportsWhileWritingMeanDuplex() {
        let t0 = ContinuousClock.now
        var flow = flow(window: 2)
        let id = flow.openSegment(now: t0)
        #expect(!flow.mayOpenSegment, "the probing segment is alone")
        #expect(flow.admit(segment: id, record(1), now: t0) == .send)
        #expect(flow.admit(segment: id, record(2), now: t0) == .send)
        #expect(flow.admit(segment: id, record(3), now: t0) == .wait, "the window is full")
        guard case .settled(let report) = flow.didReceive(segment: id, delivered, now: t0 + .milliseconds(5)) else {
            Issue.record("not settled")
            return
        }
        #expect(report.seq == 1)
        #expect(flow.mode == .duplex)
        #expect(flow.admit(segment: id, record(3), now: t0) == .send)
    }

    @Test func reportsOnlyAfterTheBodyEndedMeanABufferingGateway() {
        let t0 = ContinuousClock.now
        var flow = flow()
        let id = flow.openSegment(now: t0)
        for seq in 1...64 { #expect(flow.admit(segment: id, record(seq), now: t0) == .send) }
        #expect(flow.admit(segment: id, record(65), now: t0 + .milliseconds(50)) == .wait)
        // No report within the probe: end the body to see.
        #expect(flow.admit(segment: id, record(65), now: t0 + .milliseconds(100)) == .endBody(.probe))
        flow.didEndBody(segment: id, reason: .probe)
        for _ in 1...64 { _ = flow.didReceive(segment: id, delivered, now: t0 + .milliseconds(150)) }
        #expect(flow.didFinish(segment: id, .ended, now: t0 + .milliseconds(151)).isEmpty)
        #expect(flow.mode == .buffered)
        // Now several segments at once, each ended as soon as it is full, without waiting.
        let a = flow.openSegment(now: t0)
        var seq = 65
        while flow.admit(segment: a, record(seq), now: t0) == .send { seq += 1 }
        #expect(seq - 65 == flow.bufferedTarget)
        flow.didEndBody(segment: a, reason: .recordLimit)
        #expect(flow.mayOpenSegment)
    }

    @Test func aBodyEndedByItsLimitsProvesNothing() {
        let t0 = ContinuousClock.now
        var flow = flow(segmentRecords: 3)
        let id = flow.openSegment(now: t0)
        for seq in 1...3 { _ = flow.admit(segment: id, record(seq), now: t0) }
        #expect(flow.admit(segment: id, record(4), now: t0) == .endBody(.recordLimit))
        flow.didEndBody(segment: id, reason: .recordLimit)
        for _ in 1...3 { _ = flow.didReceive(segment: id, delivered, now: t0 + .milliseconds(1)) }
        _ = flow.didFinish(segment: id, .ended, now: t0 + .milliseconds(2))
        #expect(flow.mode == .probing)
    }

    @Test func aSegmentThatEndedTakesNoRecord() {
        let t0 = ContinuousClock.now
        var flow = flow()
        let id = flow.openSegment(now: t0)
        #expect(flow.admit(segment: id, record(1), now: t0) == .send)
        let left = flow.didFinish(segment: id, .broke(.unknown(message: "dropped")), now: t0)
        #expect(left.map(\.seq) == [1])
        #expect(flow.admit(segment: id, record(2), now: t0) == .endBody(.closing))
        #expect(flow.inFlight == 0)
    }

    @Test func refusedRecordsGoAgainUntilTheDeliveryTimeout() {
        let t0 = ContinuousClock.now
        var flow = flow(timeout: .seconds(5))
        let id = flow.openSegment(now: t0)
        _ = flow.admit(segment: id, record(1), now: t0)
        _ = flow.admit(segment: id, record(2), now: t0)
        guard case .refused = flow.didReceive(segment: id, .failed(code: 429, message: "rate"), now: t0) else {
            Issue.record("a 429 report is not a refusal")
            return
        }
        guard case .refused = flow.didReceive(segment: id, .failed(code: 408, message: "too long"), now: t0 + .seconds(2)) else {
            Issue.record("a 408 report is not a refusal")
            return
        }
        #expect(flow.admit(segment: id, record(3), now: t0) == .endBody(.closing), "the proxy closes after a 408")
        #expect(abs(flow.secondsCap - 1.6) < 1e-9, "later segments live shorter than the one the proxy expired: \(flow.secondsCap)")
        #expect(flow.retryCount == 2)
        var again = flow.takeRetry()!
        #expect(again.seq == 1 && again.lastRefusal?.code == 429)
        let next = flow.openSegment(now: t0 + .seconds(1))
        _ = flow.didFinish(segment: id, .ended, now: t0)
        #expect(flow.admit(segment: next, again, now: t0 + .seconds(1)) == .send)
        guard case .expired(let report, _) = flow.didReceive(segment: next, .failed(code: 42901, message: "quota"), now: t0 + .seconds(6)) else {
            Issue.record("refused past the timeout must fail")
            return
        }
        #expect(report.seq == 1 && report.outcome.name == "failed")
        again = flow.takeRetry()!
        #expect(again.seq == 2)
        flow.putBack(again)
        #expect(flow.abandonRetries(because: "stopped").map(\.outcome.name) == ["failed"])
    }

    @Test func gatewayRefusalsTeachTheFlow() {
        let t0 = ContinuousClock.now
        var flow = flow()
        let id = flow.openSegment(now: t0)
        for seq in 1...10 { _ = flow.admit(segment: id, record(seq), now: t0) }
        #expect(flow.didFinish(segment: id, .chunkedRefused, now: t0).isEmpty, "nothing was produced: all go again")
        #expect(flow.contentLength && flow.retryCount == 10)
        let big = flow.openSegment(now: t0)
        while let again = flow.takeRetry() { _ = flow.admit(segment: big, again, now: t0) }
        let before = flow.byteCap
        #expect(flow.didFinish(segment: big, .tooLarge(.failed(code: 413, message: "too long")), now: t0).isEmpty)
        #expect(flow.byteCap < before && flow.retryCount == 10)
        // A record alone over the limit fails: sending it again cannot help.
        let alone = flow.openSegment(now: t0)
        _ = flow.admit(segment: alone, flow.takeRetry()!, now: t0)
        #expect(flow.didFinish(segment: alone, .tooLarge(.failed(code: 413, message: "too long")), now: t0).map(\.outcome.name) == ["failed"])
        // A 504 leaves records unknown (the proxy may have produced) and shortens segments.
        let slow = flow.openSegment(now: t0)
        _ = flow.admit(segment: slow, flow.takeRetry()!, now: t0)
        #expect(flow.didFinish(segment: slow, .timedOut(.unknown(message: "504")), now: t0 + .seconds(10)).map(\.outcome.name) == ["unknown"])
        #expect(flow.secondsCap == 5)
    }
}
