import Foundation
import IngestKafka
@testable import IngestCore

// The tests' way into the one Sender: a list of records, one transport, each outcome to a closure.
extension RestClient {
    func send(records: [EventRecord], topic: String, mode: RestMode, options: SendOptions = SendOptions(),
              onReport: @escaping @Sendable (DeliveryReport) -> Void = { _ in }) async -> SendResult {
        let plan = SendPlan(topic: topic, source: .records(records, origin: "test"), transport: .rest(mode), options: options)
        return await Sender(rest: self).run(plan, sinks: [ReportLines(onReport)])
    }
}

extension NativeSender {
    /// Through a given producer configuration (a wrong password, an untrusted CA).
    static func send(records: [EventRecord], topic: String, configuration: KafkaProducerConfiguration, options: SendOptions = SendOptions(),
                     onReport: @escaping @Sendable (DeliveryReport) -> Void = { _ in }) async -> SendResult {
        let run = SendRun(sinks: [ReportLines(onReport)])
        var result = SendResult()
        do {
            try await send(.records(RecordReader(source: ListSource(records), maximumBytes: options.maximumRecordBytes, run: run)),
                           topic: topic, configuration: configuration, options: options, run: run)
        } catch {
            result.stopReason = "\(error)"
        }
        result.ledger = run.snapshot
        return result
    }
}
