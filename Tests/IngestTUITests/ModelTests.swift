import IngestModel
import Testing
@testable import IngestTUI

@Suite struct ModelTests {
    @Test func ringKeepsLastNButCountsExactly() {
        var store = ReportStore(capacity: 10)
        for i in 1...25 {
            let outcome: Outcome = i % 5 == 0 ? .failed(code: 400, message: "x") : .delivered(partition: 0, offset: Int64(i), timestamp: nil)
            store.append(StoredReport(sendID: 1, report: DeliveryReport(seq: i, outcome: outcome, latencyMilliseconds: Double(i))), at: Double(i))
        }
        #expect(store.held == 10)
        #expect(store.total == 25)
        #expect(store.delivered == 20)
        #expect(store.failed == 5)
        #expect(store.firstHeld == 15)
        #expect(store[absolute: 14] == nil)
        #expect(store[absolute: 15]?.report.seq == 16)
        #expect(store[absolute: 24]?.report.seq == 25)
        #expect(store.problemIndices() == [19, 24])
        #expect(store.latency.count == 25)
    }

    @Test func percentilesToThreeDigits() {
        var h = LatencyStats()
        for i in 1...1000 { h.record(Double(i) / 10) }  // 0.1 ... 100 ms
        let p50 = h.percentile(50)!
        let p99 = h.percentile(99)!
        #expect(abs(p50 - 50) / 50 < 0.002)
        #expect(abs(p99 - 99) / 99 < 0.002)
        #expect(LatencyStats().percentile(50) == nil)
    }

    @Test func rateMeterCountsCompletedSeconds() {
        var r = RateMeter(capacity: 10)
        r.add(5, at: 100.2)
        r.add(3, at: 100.9)
        r.add(7, at: 101.5)
        #expect(r.perSecond == 8)
        r.advance(to: 103.0)
        #expect(r.perSecond == 0)
        #expect(r.history(3) == [8, 7, 0])
        #expect(Sparkline.render([0, 7, 14]) == "▁▄█")
    }

    @Test func gridHandlesWideCharacters() {
        var g = Grid(width: 6, height: 2)
        g.put("a日本語", x: 0, y: 0)
        #expect(g.line(0) == "a日本 ")  // 語 does not fit in the last column
        #expect(g[2, 0].isContinuation)
        g.put("x", x: 2, y: 0)  // overwrites the second half of 日
        #expect(g.line(0) == "a x本 ")
        #expect("日本".displayWidth == 4)
        #expect("é".displayWidth == 1)
        #expect("e\u{301}".displayWidth == 1)
        #expect("abcdef".truncated(toWidth: 4) == "abc…")
    }

    @Test func textBufferEdits() {
        var b = TextBuffer("ab", multiline: true)
        b.insert("\n")
        b.insert("c")
        #expect(b.text == "ab\nc")
        b.home()
        b.backspace()
        #expect(b.text == "abc")
        var single = TextBuffer("x")
        single.insert("\n")
        #expect(single.text == "x")
    }

    @Test func actionTableIsConsistent() {
        #expect(ActionTable.conflicts().isEmpty, "\(ActionTable.conflicts())")
        for id in ActionID.allCases { #expect(ActionTable.all.contains { $0.id == id }, "\(id) has no entry") }
        #expect(ActionTable.action(for: .char("s"), in: .compose) == .send)
        #expect(ActionTable.action(for: .char("s"), in: .load) == .sendFile)
        #expect(ActionTable.action(for: .char("q"), in: .reports) == .quit)
        #expect(ActionTable.footerItems(in: .compose).contains { $0.label == "send" })
    }

    @Test func composeChecksJSONWithTheModelsValidator() {
        #expect(EventTemplate(value: "{\"a\": [1, 2, {\"b\": null}]}").check() == .ok)
        guard case .invalid(let line, let col, _) = EventTemplate(value: "{\n  \"a\": 1,\n  \"b\" 2\n}").check() else {
            Issue.record("expected invalid")
            return
        }
        #expect(line == 3 && col == 7)
        #expect(EventTemplate(value: "{\"a\": 1} x").check() != .ok)
        #expect(EventTemplate(value: "{\"s\": {{seq}}}").check() == .ok)
    }

    @Test func keysFromTheTerminal() {
        #expect(NCursesBackend.key(char: 13) == .enter)
        #expect(NCursesBackend.key(char: 3) == .ctrl("c"))
        #expect(NCursesBackend.key(char: 0xE9) == .char("é"))
        #expect(NCursesBackend.colour(.index(9), available: 8) == (1, true))
    }
}

@Suite struct MessageQueueTests {
    @Test func sendEventsOfOneSendMergeInOrder() async {
        let q = MessageQueue()
        let r = { (n: Int) in SendEvent.reports([DeliveryReport(seq: n, outcome: .delivered(partition: 0, offset: Int64(n), timestamp: nil))], sent: n) }
        q.post(.sendEvents(id: 1, [r(1)], now: 1))
        q.post(.key(.char("a")))
        q.post(.sendEvents(id: 1, [r(2)], now: 2))
        q.post(.sendEnded(id: 1))
        let batch = await q.next()
        #expect(batch == [.sendEvents(id: 1, [r(1), r(2)], now: 2), .key(.char("a")), .sendEnded(id: 1)])
        q.post(.sendEvents(id: 1, [r(3)], now: 3))
        #expect(await q.next() == [.sendEvents(id: 1, [r(3)], now: 3)])
    }
}

@Suite struct ReportStoreProblemTests {
    @Test func problemIndexFollowsTheRing() {
        var store = ReportStore(capacity: 100)
        for i in 1...5000 {
            let outcome: Outcome = i % 7 == 0 ? .failed(code: 400, message: "x") : i % 11 == 0 ? .unknown(message: "y") : .delivered(partition: 0, offset: 0, timestamp: nil)
            store.append(StoredReport(sendID: i <= 2500 ? 1 : 2, report: DeliveryReport(seq: i, outcome: outcome)), at: 0)
        }
        let expected = (store.firstHeld..<store.total).filter { !store[absolute: $0]!.report.outcome.isDelivered }
        #expect(store.problemIndices() == expected)
        #expect(store.problems(ofSend: 1).isEmpty)
        #expect(store.problems(ofSend: 2).count == expected.count)
        #expect(store.failed == 5000 / 7)
    }
}

@Suite struct MessageQueueCancellationTests {
    @Test func nextEndsOnCancellation() async {
        let q = MessageQueue()
        let waiting = Task { await q.next() }
        try? await Task.sleep(for: .milliseconds(50))
        waiting.cancel()
        let ended = await withTaskGroup(of: Bool.self) { group in
            group.addTask { _ = await waiting.value; return true }
            group.addTask { try? await Task.sleep(for: .seconds(5)); return false }
            let first = await group.next()!
            group.cancelAll()
            return first
        }
        #expect(ended)
        // The queue still works afterwards.
        q.post(.key(.char("a")))
        #expect(await q.next() == [.key(.char("a"))])
    }
}
