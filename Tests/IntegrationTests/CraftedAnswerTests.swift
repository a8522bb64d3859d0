import Foundation
import NIOConcurrencyHelpers
import Testing
@testable import IngestCore

/// The client's accounting when a proxy answers what a healthy one would not, over real HTTP
/// against `CraftedProxy`: a batch answer mixing successes and failures, one that leaves ids
/// out or names ids the batch did not have, a 200 that is not a batch answer, a single-mode
/// 200 that is not a report, and streams that keep ending without a report. Every record
/// still ends in exactly one outcome, and `unknown` is used where no answer says otherwise.
@Suite struct CraftedAnswerTests {
    struct Sent {
        var result: SendResult
        var reports: [Int: Outcome]
        var count: Int
    }

    func send(_ records: Int, mode: RestMode, stream: StreamSettings = StreamSettings(), options: SendOptions = SendOptions(),
              to proxy: CraftedProxy) async throws -> Sent {
        let client = try RestClient(profile: SandboxHarness.profile(stream: stream), apiKey: Secret("crafted-key-000001"), baseURL: proxy.baseURL)
        let collected = NIOLockedValueBox<[DeliveryReport]>([])
        let result = await client.send(records: SandboxHarness.jsonRecords(records), topic: SandboxHarness.topic, mode: mode, options: options) { report in
            collected.withLockedValue { $0.append(report) }
        }
        await client.shutdown()
        let reports = collected.withLockedValue { $0 }
        #expect(checkAccounting(result, reports), "\(result.ledger.summaryLine): \(reports)")
        return Sent(result: result, reports: Dictionary(reports.map { ($0.seq, $0.outcome) }, uniquingKeysWith: { first, _ in first }), count: reports.count)
    }

    static func batchAnswer(successes: [(id: String, partition: Int, offset: Int)], failures: [(id: String, code: Int, message: String)]) -> String {
        let s = successes.map { #"{"id":"\#($0.id)","partition_id":\#($0.partition),"offset":\#($0.offset),"timestamp":"2026-01-01T00:00:00Z"}"# }
        let f = failures.map { #"{"id":"\#($0.id)","error_code":\#($0.code),"message":"\#($0.message)"}"# }
        return #"{"successes":[\#(s.joined(separator: ","))],"failures":[\#(f.joined(separator: ","))]}"#
    }

    @Test func mixedBatchAnswerIsMatchedById() async throws {
        // The answer lists entries out of order, as the proxy may.
        let proxy = try await CraftedProxy.start { _ in
            .init(status: 207, body: Self.batchAnswer(successes: [("3", 1, 7), ("1", 0, 5)], failures: [("2", 40402, "Partition not found.")]))
        }
        let sent = try await send(3, mode: .batch, to: proxy)
        await proxy.stop()
        #expect(proxy.produceRequests.count == 1)
        #expect(proxy.produceRequests.first?.batchIDs == ["1", "2", "3"])
        #expect(sent.reports[1] == .delivered(partition: 0, offset: 5, timestamp: "2026-01-01T00:00:00Z"))
        #expect(sent.reports[2] == .failed(code: 40402, message: "Partition not found."))
        #expect(sent.reports[3] == .delivered(partition: 1, offset: 7, timestamp: "2026-01-01T00:00:00Z"))
        #expect(sent.result.ledger.delivered == 2 && sent.result.ledger.failed == 1 && sent.result.ledger.unknown == 0)
        #expect(sent.result.stopReason == nil)
    }

    /// Ids the answer leaves out are unknown (they may be stored); ids the batch did not have,
    /// and a second answer for an id, change nothing.
    @Test func idsMissingFromABatchAnswerAreUnknown() async throws {
        let proxy = try await CraftedProxy.start { request in
            let ids = request.batchIDs
            return .init(status: 207, body: Self.batchAnswer(successes: [(ids[0], 0, 1), ("999", 0, 2)], failures: [(ids[0], 50002, "again"), ("x", 500, "nope")]))
        }
        let sent = try await send(13, mode: .batch, to: proxy)
        await proxy.stop()
        // Two batches (10 + 3, in flight together: either may arrive first), each with only its first id answered.
        #expect(proxy.produceRequests.map(\.batchIDs.count).sorted() == [3, 10])
        #expect(sent.count == 13)
        #expect(sent.result.ledger.delivered == 2 && sent.result.ledger.failed == 0 && sent.result.ledger.unknown == 11, "\(sent.result.ledger.summaryLine)")
        for seq in [1, 11] { #expect(sent.reports[seq] == .delivered(partition: 0, offset: 1, timestamp: "2026-01-01T00:00:00Z")) }
        for seq in (2...10).map({ $0 }) + [12, 13] {
            #expect(sent.reports[seq] == .unknown(message: "the batch answer did not mention id \(seq)"), "\(seq): \(String(describing: sent.reports[seq]))")
        }
    }

    /// A 200 whose body is not a batch answer: every entry of that batch is unknown (the
    /// proxy may have stored them), and the run stops rather than sending more into it (one
    /// request at a time, so that nothing else was in flight when the answer came).
    @Test func batch200ThatIsNotABatchAnswerStopsWithEveryEntryUnknown() async throws {
        let proxy = try await CraftedProxy.start { _ in .init(status: 200, contentType: "text/html", body: "<html><body>OK</body></html>") }
        let sent = try await send(15, mode: .batch, options: SendOptions(concurrency: 1), to: proxy)
        await proxy.stop()
        #expect(proxy.produceRequests.count == 1)
        #expect(sent.count == 10)
        #expect(sent.result.ledger.unknown == 10)
        for seq in 1...10 {
            guard case .unknown(let message)? = sent.reports[seq] else { Issue.record("\(seq): \(String(describing: sent.reports[seq]))"); continue }
            #expect(message.contains("HTTP 200 but the body is not a batch answer"), "\(message)")
        }
        #expect(sent.result.stopReason?.contains("not a batch answer") == true, "\(sent.result.stopReason ?? "nil")")
    }

    /// A single-mode 200 whose body is not a delivery report: that record is unknown, and the
    /// next records are still sent (each answer stands for its own record).
    @Test func single200ThatIsNotAReportIsUnknown() async throws {
        let proxy = try await CraftedProxy.start { request in
            request.text.contains("\"n\":2")
                ? .init(status: 200, contentType: "text/html", body: "<html>accepted</html>")
                : .init(status: 200, body: #"{"error_code":200,"partition_id":0,"offset":3}"#)
        }
        let sent = try await send(3, mode: .single, to: proxy)
        await proxy.stop()
        #expect(proxy.produceRequests.count == 3)
        #expect(sent.reports[1] == .delivered(partition: 0, offset: 3, timestamp: nil))
        guard case .unknown(let message)? = sent.reports[2] else {
            Issue.record("record 2: \(String(describing: sent.reports[2]))")
            return
        }
        #expect(message.contains("HTTP 200 but the body is not a delivery report: <html>accepted</html>"), "\(message)")
        #expect(sent.reports[3] == .delivered(partition: 0, offset: 3, timestamp: nil))
        #expect(sent.result.ledger.delivered == 2 && sent.result.ledger.unknown == 1)
    }

    /// A proxy that answers every stream with 200 and no report: each segment's records are
    /// unknown, and after three such streams in a row the run stops instead of looping.
    @Test(.timeLimit(.minutes(1)))
    func streamsEndedWithoutAReportStopAfterThree() async throws {
        let proxy = try await CraftedProxy.start { _ in .init(status: 200, body: "") }
        var stream = StreamSettings()
        stream.window = 4
        stream.stallSeconds = 0.2
        let sent = try await send(40, mode: .stream, stream: stream, to: proxy)
        await proxy.stop()
        #expect(proxy.produceRequests.count == 3)
        #expect(sent.count == 12 && sent.result.ledger.unknown == 12, "\(sent.result.ledger.summaryLine)")
        #expect(sent.reports.values.allSatisfy { $0 == .unknown(message: "the proxy ended the stream before reporting this record") })
        #expect(sent.result.stopReason?.contains("closed 3 streams in a row without a single report") == true, "\(sent.result.stopReason ?? "nil")")
    }
}
