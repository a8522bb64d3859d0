import Testing
@testable import IngestCore

/// Hand-made waits end when their task is cancelled, instead of hanging it.
@Suite struct WaiterTests {
    @Test func wakeupWaitEndsOnCancellation() async {
        let wakeup = Wakeup()
        let waiting = Task { await wakeup.wait() }
        try? await Task.sleep(for: .milliseconds(50))
        waiting.cancel()
        // Bounded: a wait that ignored cancellation would never end; give up after 5 s.
        let ended = await withTaskGroup(of: Bool.self) { group in
            group.addTask { await waiting.value; return true }
            group.addTask { try? await Task.sleep(for: .seconds(5)); return false }
            let first = await group.next()!
            group.cancelAll()
            return first
        }
        #expect(ended)
    }

    @Test func aSignalBeforeTheWaitIsKept() async {
        let wakeup = Wakeup()
        wakeup.signal()
        await wakeup.wait()  // returns at once
        let waiting = Task { await wakeup.wait() }
        try? await Task.sleep(for: .milliseconds(20))
        wakeup.signal()
        await waiting.value
    }
}
