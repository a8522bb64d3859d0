import Foundation
import IngestKafka
import IngestSandbox
import NIOConcurrencyHelpers
import Testing
import TestSupport
@testable import IngestCore

/// The sandbox as the platform in small: its REST proxy and native sends land in one Kafka
/// log (librdkafka's mock cluster), native sends go through the TLS + SCRAM-SHA-512 front
/// found by REST discovery, and kcat (librdkafka) reads back what was written.
@Suite(.serialized) struct NativeSandboxTests {
    struct Platform {
        let kafka: SandboxKafka
        let server: SandboxServer
        let client: RestClient

        static func start(topic: String = "ing-staging-events") async throws -> Platform {
            let kafka = try await SandboxKafka.start(topics: [topic], partitions: 3, password: "sandbox-password-0001")
            var configuration = SandboxServer.Configuration(apiKey: "native-key-000000001", topics: [topic], partitions: 3)
            configuration.kafka = kafka
            let server = SandboxServer(configuration)
            try await server.start()
            let client = try RestClient(profile: SandboxHarness.profile(), apiKey: Secret("native-key-000000001"), baseURL: server.baseURL)
            return Platform(kafka: kafka, server: server, client: client)
        }

        func stop() async {
            await client.shutdown()
            await server.stop()
            await kafka.stop()
        }

        func target(password: String? = nil, caFile: String? = nil) async throws -> NativeSender.Target {
            // As the guide does it: brokers from the REST proxy's discovery.
            let brokers = try await client.discover().brokers.map(\.description)
            return NativeSender.Target(bootstrap: brokers, username: "producer", password: Secret(password ?? kafka.password),
                                       caFile: caFile ?? kafka.caFile, tlsMinimum: .v1_2)
        }
    }

    func readBack(_ platform: Platform, topic: String) async throws -> [String] {
        try await KcatRun.output(["-C", "-b", platform.kafka.cluster.bootstrap, "-t", topic, "-e", "-q", "-f", "%k|%s\\n", "-X", "log_level=3"])
            .split(separator: "\n").map(String.init)
    }

    /// Outcomes reach the sinks one answered batch at a time (one write per batch for the
    /// journal and the JSON lines), each exactly once.
    @Test func nativeOutcomesArriveInBatches() async throws {
        let platform = try await Platform.start()
        struct Batches: SendSink {
            let sizes = Locked<[Int]>([])
            func didReport(_ reports: [DeliveryReport]) { sizes.withLock { $0.append(reports.count) } }
        }
        let sink = Batches()
        let target = try await platform.target()
        // ~3 MB: more than one batch's 1 MB, so several batches are answered.
        let padding = String(repeating: "x", count: 1000)
        let records = (1...3000).map { EventRecord(value: Payload(type: .json, data: Array("{\"n\":\($0),\"pad\":\"\(padding)\"}".utf8))) }
        let plan = SendPlan(topic: "ing-staging-events", source: .records(records, origin: "test"), transport: .native)
        let result = await Sender(rest: platform.client, nativeTarget: { target }).run(plan, sinks: [sink])
        await platform.stop()
        let sizes = sink.sizes.value
        #expect(result.ledger.delivered == 3000, "\(result.stopReason ?? "")")
        #expect(sizes.reduce(0, +) == 3000)
        // As each batch is answered (at least three of 1 MB), never one by one.
        #expect(sizes.count >= 3 && sizes.count < 300, "\(sizes.count) report batches for 3000 records: \(sizes.prefix(20))")
    }

    /// Keyed records spread over the partitions, so a batch holds runs of non-consecutive seqs:
    /// the delivered ranges still cover every record once, at the offsets kcat reads them at.
    /// Given records are laid out for Kafka in the sending task; a template's (like a file's)
    /// on the reading thread, in blocks. Either way each record lands once, with its key and
    /// header, where its range says.
    @Test(arguments: ["records", "template"])
    func deliveredRangesCoverEveryRecordOnceAtItsOffset(source: String) async throws {
        let platform = try await Platform.start()
        final class Ranges: SendSink {
            let ranges = NIOLockedValueBox<[DeliveredRange]>([])
            let reports = NIOLockedValueBox<Int>(0)
            func didReport(_ batch: [DeliveryReport]) { reports.withLockedValue { $0 += batch.count } }
            func didDeliver(_ range: DeliveredRange) { ranges.withLockedValue { $0.append(range) } }
        }
        let sink = Ranges()
        let count = 10_000
        let records = (1...count).map { EventRecord(key: Payload(type: .string, data: Array("k\($0)".utf8)),
                                                    value: Payload(type: .json, data: Array("{\"n\":\($0)}".utf8)),
                                                    headers: [RecordHeader(name: "h", value: Array("v\($0)".utf8))]) }
        let template = EventTemplate(value: "{\"n\":{{seq}}}", key: "k{{seq}}", headers: [HeaderTemplate(name: "h", value: "v{{seq}}")])
        let plan = SendPlan(topic: "ing-staging-events",
                            source: source == "records" ? .records(records, origin: "test") : .template(template, count: count), transport: .native)
        let target = try await platform.target()
        let result = await Sender(rest: platform.client, nativeTarget: { target }).run(plan, sinks: [sink])
        let stored = try await KcatRun.output(["-C", "-b", platform.kafka.cluster.bootstrap, "-t", "ing-staging-events", "-e", "-q",
                                               "-f", "%p %o %k %h %s\\n", "-X", "log_level=3"]).split(separator: "\n")
        await platform.stop()
        #expect(result.ledger.delivered == count, "\(result.stopReason ?? "")")
        #expect(sink.reports.withLockedValue { $0 } == 0)
        let ranges = sink.ranges.withLockedValue { $0 }
        #expect(ranges.flatMap { Array($0.seqs) }.sorted() == Array(1...count))
        #expect(ranges.count > 3, "keys on three partitions make more than one run per batch")
        // Where kcat finds each record is where its range put it, with its key and header.
        var placed: [String: String] = [:]
        for range in ranges {
            for position in 0..<range.count {
                let n = range.firstSeq + position
                placed["k\(n) h=v\(n) {\"n\":\(n)}"] = "\(range.partition) \(range.offset(at: position))"
            }
        }
        #expect(stored.count == count)
        for line in stored {
            let parts = line.split(separator: " ", maxSplits: 2)
            #expect(placed[String(parts[2])] == "\(parts[0]) \(parts[1])", "\(line)")
        }
        // Keyed records go where Kafka's partitioner puts them.
        for line in stored.prefix(50) {
            let parts = line.split(separator: " ")
            #expect(Int32(parts[0]) == Partitioner.partition(forKey: Array(parts[2].utf8), partitionCount: 3), "\(line)")
        }
    }

    /// A file's records are digested on the reading thread and handed to the journal a chunk
    /// at a time: every delivered record's entry still has its own size and digest.
    @Test func aNativeFileSendJournalsEveryRecordsDigest() async throws {
        let platform = try await Platform.start()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ingest-native-journal-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let count = 9_000  // over two reading chunks
        let values = (1...count).map { "{\"n\":\($0)}" }
        let file = directory + "/events.jsonl"
        try values.joined(separator: "\n").write(toFile: file, atomically: true, encoding: .utf8)
        let plan = SendPlan(topic: "ing-staging-events", source: .file(path: file, format: .jsonl, valueType: .json), transport: .native)
        let store = try JournalStore(directory: directory + "/journal")
        let journal = try JournalSink(plan: plan, profile: SandboxHarness.profile(), store: store)
        let target = try await platform.target()
        let result = await Sender(rest: platform.client, nativeTarget: { target }).run(plan, sinks: [journal])
        await platform.stop()
        #expect(result.ledger.delivered == count, "\(result.stopReason ?? "")")
        var digests: [Int: String] = [:]
        var sizes: [Int: Int] = [:]
        _ = try store.entries(run: journal.runID) { entry in
            digests[entry.seq] = entry.digest
            sizes[entry.seq] = entry.size
        }
        #expect(digests.count == count)
        for (offset, value) in values.enumerated() {
            let record = EventRecord(value: Payload(type: .json, data: Array(value.utf8)))
            #expect(digests[offset + 1] == RecordDigest(record).text, "record \(offset + 1)")
            #expect(sizes[offset + 1] == value.utf8.count, "record \(offset + 1)")
            if digests[offset + 1] != RecordDigest(record).text { break }
        }
    }

    @Test func restAndNativeLandInOneLog() async throws {
        let platform = try await Platform.start()
        let restRecords = (1...4).map { EventRecord(key: Payload(type: .string, data: Array("r\($0)".utf8)), value: Payload(type: .json, data: Array("{\"via\":\"rest\",\"n\":\($0)}".utf8))) }
        let rest = await platform.client.send(records: restRecords, topic: "ing-staging-events", mode: .stream) { _ in }
        #expect(rest.ledger.delivered == 4, "\(rest.stopReason ?? "")")

        let collected = NIOLockedValueBox<[DeliveryReport]>([])
        let nativeRecords = (1...6).map { EventRecord(key: Payload(type: .string, data: Array("n\($0)".utf8)), value: Payload(type: .json, data: Array("{\"via\":\"native\",\"n\":\($0)}".utf8)),
                                                      headers: [RecordHeader(name: "h", value: Array("v".utf8))]) }
        let native = await NativeSender.send(records: nativeRecords, topic: "ing-staging-events",
                                             configuration: NativeSender.configuration(try await platform.target())) { report in
            collected.withLockedValue { $0.append(report) }
        }
        #expect(native.ledger.delivered == 6, "\(native.stopReason ?? "")")
        let reports = collected.withLockedValue { $0 }
        #expect(Set(reports.map(\.seq)) == Set(1...6))
        #expect(reports.allSatisfy { if case .delivered(_, let offset, let timestamp) = $0.outcome { offset >= 0 && timestamp != nil } else { false } })

        let lines = try await readBack(platform, topic: "ing-staging-events")
        #expect(lines.count == 10, "\(lines)")
        #expect(Set(lines) == Set((1...4).map { "r\($0)|{\"via\":\"rest\",\"n\":\($0)}" } + (1...6).map { "n\($0)|{\"via\":\"native\",\"n\":\($0)}" }))
        await platform.stop()
    }

    /// Records of one request for one partition are stored in the order they were sent, as
    /// the real proxy does: offsets rise with the records' order within each batch (batches
    /// are in flight together, so two batches may be stored either way round) and along a
    /// stream (40 records: one segment).
    @Test(arguments: [RestMode.batch, .stream])
    func oneRequestKeepsItsOrderWithinAPartition(mode: RestMode) async throws {
        let platform = try await Platform.start()
        let records = (1...40).map { EventRecord(key: Payload(type: .string, data: Array("same-key".utf8)), value: Payload(type: .json, data: Array("{\"n\":\($0)}".utf8))) }
        let collected = NIOLockedValueBox<[DeliveryReport]>([])
        let run = await platform.client.send(records: records, topic: "ing-staging-events", mode: mode) { report in
            collected.withLockedValue { $0.append(report) }
        }
        #expect(run.ledger.delivered == 40, "\(run.stopReason ?? "")")
        let offsets = collected.withLockedValue { $0 }.sorted { $0.seq < $1.seq }.compactMap { report -> Int64? in
            if case .delivered(_, let offset, _) = report.outcome { offset } else { nil }
        }
        #expect(offsets.count == 40)
        let perRequest = mode == .batch ? SandboxHarness.profile().batchMaxEntries : 40
        for start in stride(from: 0, to: offsets.count, by: perRequest) {
            let request = Array(offsets[start..<min(offsets.count, start + perRequest)])
            #expect(request == request.sorted(), "offsets by record order: \(offsets)")
        }
        #expect(Set(offsets).count == 40, "offsets by record order: \(offsets)")
        await platform.stop()
    }

    /// The sandbox keeps up with a stream (issue 12): with Kafka 50 ms away, a stream's records
    /// are produced many at once (not one after the other), and reported in record order, each
    /// stored once.
    @Test func aStreamIsProducedConcurrentlyAndReportedInOrder() async throws {
        let kafka = try await SandboxKafka.start(topics: ["ing-staging-events"], partitions: 3, password: "sandbox-password-0002",
                                                 roundTripMilliseconds: 50)
        var configuration = SandboxServer.Configuration(apiKey: "native-key-000000002", topics: ["ing-staging-events"], partitions: 3)
        configuration.kafka = kafka
        let server = SandboxServer(configuration)
        try await server.start()
        let client = try RestClient(profile: SandboxHarness.profile(), apiKey: Secret("native-key-000000002"), baseURL: server.baseURL)
        let collected = NIOLockedValueBox<[DeliveryReport]>([])
        let result = await client.send(records: SandboxHarness.jsonRecords(500), topic: "ing-staging-events", mode: .stream) { report in
            collected.withLockedValue { $0.append(report) }
        }
        await client.shutdown()
        await server.stop()
        let stored = try await KcatRun.output(["-C", "-b", kafka.cluster.bootstrap, "-t", "ing-staging-events", "-e", "-q", "-X", "log_level=3", "-f", "%s\\n"])
            .split(separator: "\n").map(String.init)
        await kafka.stop()
        #expect(result.ledger.delivered == 500, "\(result.ledger.summaryLine) \(result.stopReason ?? "")")
        #expect(collected.withLockedValue { $0 }.map(\.seq) == Array(1...500), "reports in record order")
        #expect(server.peakRecordsProducing > 1, "records were produced one after the other")
        #expect(stored.count == 500 && Set(stored) == Set((1...500).map { "{\"n\":\($0)}" }), "\(stored.count) stored")
    }

    @Test func wrongPasswordAndUntrustedCAAreRefusedClearly() async throws {
        let platform = try await Platform.start()
        let wrong = await NativeSender.send(records: SandboxHarness.jsonRecords(2), topic: "ing-staging-events",
                                            configuration: NativeSender.configuration(try await platform.target(password: "not-the-password"))) { _ in }
        #expect(wrong.ledger.total == 0)
        #expect(wrong.stopReason?.contains("authentication failed for user producer: check the profile's kafka.password") == true, "\(wrong.stopReason ?? "")")
        #expect(wrong.stopReason?.contains("not-the-password") == false)

        let other = try await SandboxKafka.start(topics: [], partitions: 1, password: "x-00000000000")
        let untrusted = await NativeSender.send(records: SandboxHarness.jsonRecords(2), topic: "ing-staging-events",
                                                configuration: NativeSender.configuration(try await platform.target(caFile: other.caFile))) { _ in }
        await other.stop()
        #expect(untrusted.ledger.total == 0)
        #expect(untrusted.stopReason?.lowercased().contains("certificate") == true, "\(untrusted.stopReason ?? "")")

        await platform.stop()
    }

    /// Two retriable errors then a fatal one: the retriable ones are retried, the fatal one
    /// fails the records of the request it hit with its code, any others are delivered, and
    /// Kafka holds exactly the delivered ones.
    @Test func injectedKafkaErrorsGiveExactlyOneOutcomeEach() async throws {
        let platform = try await Platform.start()
        // Retriable then fatal: NOT_ENOUGH_REPLICAS (19) then TOPIC_AUTHORIZATION_FAILED (29).
        platform.kafka.cluster.failNextProduceRequests([19, 19, 29])
        let collected = NIOLockedValueBox<[DeliveryReport]>([])
        let result = await NativeSender.send(records: SandboxHarness.jsonRecords(30), topic: "ing-staging-events",
                                             configuration: NativeSender.configuration(try await platform.target())) { report in
            collected.withLockedValue { $0.append(report) }
        }
        let reports = collected.withLockedValue { $0 }
        #expect(result.ledger.total == 30)
        #expect(Set(reports.map(\.seq)) == Set(1...30))
        #expect(result.ledger.delivered + result.ledger.failed + result.ledger.unknown == 30)
        let failures = reports.compactMap { report -> (Int, String)? in
            if case .failed(let code, let message) = report.outcome { (code, message) } else { nil }
        }
        // The records the fatal error hit failed with its code; none with the retriable one,
        // which was retried (how many were hit depends on how the records were batched).
        #expect(!failures.isEmpty, "the fatal error failed no record: \(result.ledger.summaryLine)")
        #expect(failures.allSatisfy { $0.0 == 29 && $0.1.hasPrefix("TOPIC_AUTHORIZATION_FAILED") }, "\(failures)")
        #expect(result.ledger.unknown == 0, "an error answer is an outcome, not unknown")
        // No duplicates in Kafka, nothing failed stored: exactly the delivered records, once.
        let delivered = Set(reports.filter { $0.outcome.name == "delivered" }.map { "|{\"n\":\($0.seq)}" })
        let lines = try await readBack(platform, topic: "ing-staging-events")
        #expect(lines.count == result.ledger.delivered, "\(lines.count) in Kafka, \(result.ledger.delivered) delivered")
        #expect(Set(lines) == delivered, "Kafka holds \(lines.sorted()), delivered \(delivered.sorted())")
        await platform.stop()
    }

    /// The mock cluster creates any topic a Metadata request names; the sandbox's front keeps
    /// it to its own topics, as the platform would.
    @Test func unknownTopicFailsAndIsNeverCreated() async throws {
        let platform = try await Platform.start()
        let target = try await platform.target()
        let typo = "ing-staging-evnets"
        let result = await NativeSender.send(records: SandboxHarness.jsonRecords(3), topic: typo,
                                             configuration: NativeSender.configuration(target)) { _ in }
        #expect(result.ledger.total == 0)
        #expect(result.ledger.delivered == 0)
        #expect(result.stopReason?.contains("topic \(typo) does not exist: topics are created by the platform") == true, "\(result.stopReason ?? "")")

        // Record by record (no topic check first): each record fails with UNKNOWN_TOPIC_OR_PARTITION.
        let producer = try await KafkaProducer.connect(NativeSender.configuration(target))
        let outcome = await producer.send(ProducerRecord(topic: typo, value: Array("{}".utf8)))
        await producer.close()
        guard case .failed(let code, let message) = NativeSender.outcome(outcome, clock: TimestampClock()) else {
            Issue.record("expected failed, got \(outcome)")
            await platform.stop()
            return
        }
        #expect(code == 3)
        #expect(message.hasPrefix("UNKNOWN_TOPIC_OR_PARTITION: "), "\(message)")
        #expect(message.contains("topics are created by the platform"), "\(message)")

        // Not there through the front (as a client sees it) nor in the mock cluster itself.
        let secure = KcatRun.saslSSL(password: platform.kafka.password, caFile: platform.kafka.caFile)
        let front = platform.kafka.bootstrap.joined(separator: ",")
        #expect(try await KcatRun.listedTopics(bootstrap: front, extra: secure, topic: typo).isEmpty)
        #expect(try await KcatRun.listedTopics(bootstrap: front, extra: secure) == ["ing-staging-events"])
        #expect(try await KcatRun.listedTopics(bootstrap: platform.kafka.cluster.bootstrap) == ["ing-staging-events"])
        await platform.stop()
    }
}
