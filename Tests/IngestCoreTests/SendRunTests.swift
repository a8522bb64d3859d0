import Foundation
import Synchronization
import Testing
@testable import IngestCore

/// What a send run passes on to its sinks: each record's first outcome once, and JSON lines
/// masked wherever a server's text could carry a secret back.
@Suite struct SendRunTests {
    final class Collected: SendSink {
        let reports = Mutex<[DeliveryReport]>([])
        func didReport(_ batch: [DeliveryReport]) { reports.withLock { $0 += batch } }
    }

    func delivered(_ seq: Int) -> DeliveryReport {
        DeliveryReport(seq: seq, outcome: .delivered(partition: 0, offset: Int64(seq), timestamp: nil))
    }

    @Test(arguments: [false, true])
    func aSecondOutcomeNeverReachesTheSinks(ordered: Bool) {
        let sink = Collected()
        let run = SendRun(sinks: [sink], ordered: ordered)
        run.report([delivered(1), delivered(2)])
        // A server fault: seq 2 again (before this batch), seq 3 twice in one batch.
        run.report([DeliveryReport(seq: 2, outcome: .failed(code: 500, message: "again")), delivered(3),
                    DeliveryReport(seq: 3, outcome: .unknown(message: "twice"))])
        let seen = sink.reports.withLock { $0 }
        #expect(seen.map(\.seq) == [1, 2, 3])
        #expect(seen.allSatisfy { $0.outcome.isDelivered })
        #expect(run.snapshot.delivered == 3 && run.snapshot.duplicates == 2)
    }

    @Test func aBatchOfDeliveredLinesWithOneServerMessageIsStillMasked() throws {
        let secret = "send-run-secret-\(UUID().uuidString)"
        SecretScrubber.register(secret)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("jsonlines-\(UUID().uuidString)").path
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        #expect(fd >= 0)
        defer { unlink(path) }
        JSONLinesSink(fileDescriptor: fd).didReport([
            delivered(1), DeliveryReport(seq: 2, outcome: .failed(code: 401, message: "bad key \(secret)")), delivered(3),
        ])
        close(fd)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text.split(separator: "\n").count == 3)
        #expect(!text.contains(secret))
        #expect(text.contains("bad key ••••"))
    }
}
