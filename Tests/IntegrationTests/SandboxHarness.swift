import Foundation
import IngestSandbox
import NIOConcurrencyHelpers
import NIOCore
@testable import IngestCore

/// A sandbox on a free loopback port and a client for it, torn down after the test.
struct SandboxHarness {
    let server: SandboxServer
    let client: RestClient
    let profile: Profile
    static let topic = "ing-staging-events"

    static func profile(batchMax: Int = 10, stream: StreamSettings = StreamSettings(), url: String = "http://127.0.0.1:1/v3") -> Profile {
        Profile(name: "test", environment: .sandbox, clientID: "", restURLTemplate: url, topicPrefix: "ing-staging-",
                apiKey: .environment("TEST_KEY"), batchMaxEntries: batchMax, tlsMinVersion: .v1_2, kafka: KafkaSettings(),
                stream: stream, sandbox: nil, source: "test")
    }

    /// Over HTTPS with the sandbox's own CA, as the platform is reached (`https: false` for plain http).
    static func start(faults: SandboxFaults = SandboxFaults(), batchMax: Int = 10, stream: StreamSettings = StreamSettings(),
                      apiKey: String = "sandbox-test-key-0001", clientKey: String? = nil,
                      readTimeout: TimeAmount = .seconds(30), https: Bool = true, logTail: Int = 10_000) async throws -> SandboxHarness {
        var configuration = SandboxServer.Configuration(apiKey: apiKey, topics: [topic, "ing-staging-other"], partitions: 3)
        configuration.faults = faults
        configuration.batchMaximumEntries = batchMax
        configuration.https = https
        configuration.logTailLimit = logTail
        let server = SandboxServer(configuration)
        try await server.start()
        let profile = Self.profile(batchMax: batchMax, stream: stream)
        let client = try RestClient(profile: profile, apiKey: Secret(clientKey ?? apiKey), baseURL: server.baseURL, caFile: server.caFile,
                                    readTimeout: readTimeout)
        return SandboxHarness(server: server, client: client, profile: profile)
    }

    func stop() async {
        await client.shutdown()
        await server.stop()
    }

    /// Sends and collects every report handed to the caller.
    func send(_ records: [EventRecord], mode: RestMode, topic: String = SandboxHarness.topic, options: SendOptions = SendOptions()) async -> (SendResult, [DeliveryReport]) {
        let collected = NIOLockedValueBox<[DeliveryReport]>([])
        let result = await client.send(records: records, topic: topic, mode: mode, options: options) { report in
            collected.withLockedValue { $0.append(report) }
        }
        return (result, collected.withLockedValue { $0 })
    }

    static func jsonRecords(_ count: Int, start: Int = 1) -> [EventRecord] {
        (start..<(start + count)).map { EventRecord(value: Payload(type: .json, data: Array("{\"n\":\($0)}".utf8))) }
    }
}

/// The invariants every send must keep, whatever happened.
func checkAccounting(_ result: SendResult, _ reports: [DeliveryReport], sent: Int? = nil) -> Bool {
    let seqs = reports.map(\.seq)
    let ledger = result.ledger
    let unique = Set(seqs).count == seqs.count
    let adds = ledger.delivered + ledger.failed + ledger.unknown == reports.count
    let matches = sent.map { ledger.total == $0 } ?? true
    let contiguous = Set(seqs) == Set(1...max(1, seqs.count)) || seqs.isEmpty
    return unique && adds && matches && contiguous && ledger.duplicates == 0
}
