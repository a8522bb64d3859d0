import Foundation
import Testing
@testable import IngestCore

@Suite struct DeliveryTests {
    let limits = StreamSegmentMachine.Limits(records: 5, bytes: 1000, seconds: 10, stallSeconds: 1)

    func record(_ seq: Int, bytes: Int = 10) -> StreamRecord {
        StreamRecord(seq: seq, bytes: Array(repeating: 0x20, count: bytes))
    }

    @Test func reportsMatchRecordsInOrderAndFinish() {
        let t0 = ContinuousClock.now
        var machine = StreamSegmentMachine(limits: limits, now: t0)
        machine.didSend(record(1), now: t0)
        machine.didSend(record(2), now: t0)
        let first = machine.didReceive(now: t0 + .milliseconds(3))
        #expect(first?.record.seq == 1)
        #expect(first?.latency == 3)
        machine.didSend(record(3), now: t0)
        #expect(machine.finish().map(\.seq) == [2, 3])
        #expect(machine.didReceive(now: t0) == nil)
        #expect(machine.unmatchedReports == 1)
    }

    @Test func segmentLimitsAndStall() {
        let t0 = ContinuousClock.now
        var machine = StreamSegmentMachine(limits: limits, now: t0)
        machine.didSend(record(1, bytes: 600), now: t0)
        #expect(machine.limitReached(nextRecordBytes: 600, now: t0) == .byteLimit)
        #expect(machine.limitReached(nextRecordBytes: 10, now: t0 + .seconds(11)) == .timeLimit)
        #expect(!machine.isStalled(now: t0 + .milliseconds(500)))
        #expect(machine.isStalled(now: t0 + .milliseconds(1001)))
        var full = StreamSegmentMachine(limits: .init(records: 2, bytes: 1000, seconds: 10, stallSeconds: 1), now: t0)
        full.didSend(record(1, bytes: 1), now: t0)
        full.didSend(record(2, bytes: 1), now: t0)
        #expect(full.limitReached(nextRecordBytes: 1, now: t0) == .recordLimit)
    }

    @Test func ledgerCountsEachRecordOnce() {
        var ledger = DeliveryLedger()
        let accepted = [
            ledger.record(DeliveryReport(seq: 1, outcome: .delivered(partition: 0, offset: 1, timestamp: nil), latencyMilliseconds: 2)),
            ledger.record(DeliveryReport(seq: 1, outcome: .failed(code: 500, message: "x"))),
            ledger.record(DeliveryReport(seq: 200, outcome: .unknown(message: "y"))),
            ledger.record(DeliveryReport(seq: 64, outcome: .failed(code: 40403, message: "z"))),
        ]
        #expect(accepted == [true, false, true, true])
        #expect(ledger.delivered == 1 && ledger.failed == 1 && ledger.unknown == 1 && ledger.duplicates == 1)
        #expect(ledger.total == 3)
        #expect(ledger.percentileMilliseconds(50) == 2)
    }

    @Test func reportLines() {
        let delivered = DeliveryReport(seq: 1, outcome: .delivered(partition: 0, offset: 5, timestamp: "2023-03-09T14:07:23.592Z"), latencyMilliseconds: 1.9)
        #expect(delivered.jsonLine == #"{"seq":1,"id":"1","outcome":"delivered","partition":0,"offset":5,"timestamp":"2023-03-09T14:07:23.592Z","latency_ms":1.9}"#)
        let failed = DeliveryReport(seq: 2, outcome: .failed(code: 40403, message: "no \"topic\""))
        #expect(failed.jsonLine == #"{"seq":2,"id":"2","outcome":"failed","error_code":40403,"message":"no \"topic\""}"#)
        #expect(DeliveryReport(seq: 3, outcome: .unknown(message: "closed")).jsonLine == #"{"seq":3,"id":"3","outcome":"unknown","message":"closed"}"#)
    }

    @Test func successWithoutOffsetIsNotDelivered() {
        #expect(Wire.Report(error_code: 200, message: nil, partition_id: 0, offset: nil, timestamp: nil).outcome.name == "unknown")
        #expect(Wire.Report(error_code: nil, message: nil, partition_id: nil, offset: nil, timestamp: nil).outcome.name == "unknown")
    }
}

@Suite struct JournalLineTests {
    @Test func handWrittenLinesDecodeToTheSameEntry() throws {
        let full = JournalEntry(time: "2026-11-25T03:00:00.000Z", run: "ab12cd34", profile: "dev \"x\"", profile_file: "/p/dev.toml",
                                environment: "dev", topic: "ing-staging-events", transport: "rest", mode: "stream", seq: 7,
                                digest: "sha256:00", size: 12, outcome: "failed", partition: nil, offset: nil, error_code: 40403,
                                message: "no\ntopic", source: "file:/tmp/e.jsonl", format: "auto", value_type: "JSON", record: "{\"value\":1}")
        var delivered = full
        delivered.outcome = "delivered"; delivered.partition = 2; delivered.offset = 99; delivered.error_code = nil
        delivered.message = nil; delivered.format = nil; delivered.record = nil; delivered.profile_file = nil; delivered.value_type = nil
        for entry in [full, delivered] {
            let decoded = try JSONDecoder().decode(JournalEntry.self, from: Data(entry.jsonLine.utf8))
            #expect(decoded == entry)
        }
    }
}
