import Foundation
import IngestSandbox
import NIOCore
import NIOPosix
import Testing
@testable import IngestCore

/// Real HTTP over loopback against the sandbox, for every mode, error and outcome.
@Suite struct RestSendTests {
    @Test(arguments: RestMode.allCases)
    func everyModeDeliversAndLandsInTheLog(mode: RestMode) async throws {
        let harness = try await SandboxHarness.start()
        let records = SandboxHarness.jsonRecords(25)
        let (result, reports) = await harness.send(records, mode: mode)
        await harness.stop()
        #expect(result.stopReason == nil)
        #expect(result.ledger.delivered == 25)
        #expect(checkAccounting(result, reports, sent: 25))
        #expect(harness.server.log.count(topic: SandboxHarness.topic) == 25)
        // Byte-identical values, each once, at the offsets the reports name.
        let stored = harness.server.log.records(topic: SandboxHarness.topic)
        #expect(Set(stored.map { String(decoding: $0.record.value ?? [], as: UTF8.self) }) == Set((1...25).map { "{\"n\":\($0)}" }))
        for report in reports {
            guard case .delivered(let partition, let offset, _) = report.outcome else { continue }
            let match = stored.first { $0.partition == partition && $0.record.offset == offset }
            #expect(match.map { String(decoding: $0.record.value ?? [], as: UTF8.self) } == "{\"n\":\(report.seq)}")
        }
        if mode == .batch { #expect(harness.server.produceRequests == 3) }
        if mode == .stream { #expect(reports.map(\.seq) == Array(1...25)) }
    }

    @Test func discoveryFindsClusterAndBrokers() async throws {
        let harness = try await SandboxHarness.start()
        let discovery = try await harness.client.discover()
        await harness.stop()
        #expect(discovery.clusterID == "sandbox-cluster-1")
        #expect(discovery.brokers == [HostPort(host: "127.0.0.1", port: harness.server.port)])
    }

    @Test func keysHeadersAndPartitionsReachTheLog() async throws {
        let harness = try await SandboxHarness.start()
        let record = EventRecord(key: Payload(type: .string, data: Array("player-7".utf8)),
                                 value: Payload(type: .binary, data: [0, 1, 2, 255]),
                                 headers: [RecordHeader(name: "trace", value: Array("t-1".utf8))], partition: 2)
        let (result, reports) = await harness.send([record, record], mode: .stream)
        await harness.stop()
        #expect(result.ledger.delivered == 2)
        #expect(reports.allSatisfy { if case .delivered(2, _, _) = $0.outcome { return true } else { return false } })
        let stored = harness.server.log.records(topic: SandboxHarness.topic)
        #expect(stored.count == 2)
        #expect(stored.first?.record.key == Array("player-7".utf8))
        #expect(stored.first?.record.value == [0, 1, 2, 255])
        #expect(stored.first?.record.headers.first?.0 == "trace")
    }

    @Test func perRecordErrorsDoNotStopTheStream() async throws {
        let harness = try await SandboxHarness.start()
        var records = SandboxHarness.jsonRecords(6)
        records[2].partition = 99
        let (result, reports) = await harness.send(records, mode: .stream)
        await harness.stop()
        #expect(result.ledger.delivered == 5 && result.ledger.failed == 1)
        #expect(reports.first { $0.seq == 3 }?.outcome == .failed(code: 40402, message: "Partition not found."))
        #expect(checkAccounting(result, reports, sent: 6))
    }

    @Test(arguments: RestMode.allCases)
    func unknownTopicFailsNamingTheTopic(mode: RestMode) async throws {
        let harness = try await SandboxHarness.start()
        let (result, reports) = await harness.send(SandboxHarness.jsonRecords(3), mode: mode, topic: "ing-staging-missing")
        await harness.stop()
        #expect(result.ledger.failed == 3)
        for report in reports {
            guard case .failed(let code, let message) = report.outcome else { Issue.record("\(report)"); continue }
            #expect(code == 40403)
            #expect(message.contains("ing-staging-missing does not exist"))
        }
    }

    @Test func streamClosedEarlyLeavesTheRestUnknownAndGoesOn() async throws {
        var faults = SandboxFaults()
        faults.closeStreamAfter = 5
        var stream = StreamSettings()
        stream.window = 8
        let harness = try await SandboxHarness.start(faults: faults, stream: stream)
        let (result, reports) = await harness.send(SandboxHarness.jsonRecords(40), mode: .stream)
        await harness.stop()
        #expect(checkAccounting(result, reports, sent: 40))
        #expect(result.ledger.unknown > 0)
        #expect(result.ledger.failed == 0)
        #expect(result.segments > 1)
        // Unknown means "may or may not be in Kafka": the log holds every delivered record and
        // some of the unknown ones (produced, then the stream closed before their reports).
        let stored = harness.server.log.count(topic: SandboxHarness.topic)
        #expect(stored >= Int64(result.ledger.delivered) && stored <= Int64(result.ledger.delivered + result.ledger.unknown))
        for report in reports where report.outcome.name == "unknown" {
            #expect(report.latencyMilliseconds == nil)
        }
    }

    /// Races between the writer and a proxy closing the stream: each record still gets one
    /// outcome (a record written just as the stream closed was once left without any).
    @Test func closingStreamsNeverLoseARecord() async throws {
        var faults = SandboxFaults()
        faults.closeStreamAfter = 3
        var stream = StreamSettings()
        stream.window = 2
        let harness = try await SandboxHarness.start(faults: faults, stream: stream)
        for round in 0..<60 {
            let (result, reports) = await harness.send(SandboxHarness.jsonRecords(20), mode: .stream)
            #expect(checkAccounting(result, reports, sent: 20), "round \(round): \(result.ledger.summaryLine), \(reports.count) reports")
        }
        await harness.stop()
    }

    @Test func droppedConnectionMakesInFlightRecordsUnknown() async throws {
        var faults = SandboxFaults()
        faults.dropConnectionAfter = 3
        var stream = StreamSettings()
        stream.window = 4
        let harness = try await SandboxHarness.start(faults: faults, stream: stream)
        let (result, reports) = await harness.send(SandboxHarness.jsonRecords(12), mode: .stream)
        await harness.stop()
        #expect(checkAccounting(result, reports, sent: 12))
        #expect(result.ledger.unknown > 0)
        #expect(result.ledger.delivered >= 3)
    }

    @Test func bufferingGatewayIsReleasedByEndingTheSegment() async throws {
        var faults = SandboxFaults()
        faults.bufferWholeRequest = true
        var stream = StreamSettings()
        stream.window = 4
        stream.stallSeconds = 0.2
        let harness = try await SandboxHarness.start(faults: faults, stream: stream)
        let (result, reports) = await harness.send(SandboxHarness.jsonRecords(30), mode: .stream)
        await harness.stop()
        #expect(result.ledger.delivered == 30)
        #expect(result.segments >= 8)
        #expect(checkAccounting(result, reports, sent: 30))
    }

    @Test func segmentLimitsCutLongStreams() async throws {
        var stream = StreamSettings()
        stream.segmentRecords = 7
        let harness = try await SandboxHarness.start(stream: stream)
        let (result, reports) = await harness.send(SandboxHarness.jsonRecords(30), mode: .stream)
        await harness.stop()
        #expect(result.ledger.delivered == 30)
        #expect(result.segments == 5)
        #expect(reports.map(\.seq) == Array(1...30))
    }

    @Test(arguments: [
        (SandboxFaults.RequestFailure.json500, "failed", 500, "Internal Server Error"),
        (.html502, "unknown", nil, "where JSON was due"),
        (.gateway403, "failed", 403, "api_key"),
    ] as [(SandboxFaults.RequestFailure, String, Int?, String)])
    func requestLevelFailures(failure: SandboxFaults.RequestFailure, outcome: String, code: Int?, words: String) async throws {
        for mode in RestMode.allCases {
            var faults = SandboxFaults()
            faults.failRequests = failure
            let harness = try await SandboxHarness.start(faults: faults)
            // One request at a time, so that the run visibly stops at the first refusal.
            let (result, reports) = await harness.send(SandboxHarness.jsonRecords(15), mode: mode, options: SendOptions(concurrency: 1))
            await harness.stop()
            #expect(checkAccounting(result, reports))
            #expect(!reports.isEmpty, "\(mode)")
            #expect(reports.allSatisfy { $0.outcome.name == outcome }, "\(failure) \(mode): \(reports)")
            if let code { #expect(reports.allSatisfy { if case .failed(code, _) = $0.outcome { true } else { false } }, "\(failure) \(mode)") }
            // The run stops instead of hammering a failing proxy; the rest is never sent.
            #expect(result.stopReason?.contains(words) == true, "\(failure) \(mode): \(result.stopReason ?? "nil")")
            // Single stops after the first record, batch after the first batch; a stream has
            // already written its window when the error head arrives.
            #expect(result.ledger.total == (mode == .single ? 1 : mode == .batch ? 10 : 15), "\(failure) \(mode)")
            #expect(harness.server.log.count(topic: SandboxHarness.topic) == 0)
        }
    }

    /// 429 and 503 are "not now": the run goes on, each record is sent again after a pause,
    /// and past the delivery timeout it fails with the refusal it last got. Never stored.
    @Test(arguments: [
        (SandboxFaults.RequestFailure.html429, 429),
        (.json429, 429),
        (.json503, 50302),
    ] as [(SandboxFaults.RequestFailure, Int)])
    func refusalsForNowAreSentAgainUntilTheDeliveryTimeout(failure: SandboxFaults.RequestFailure, code: Int) async throws {
        for mode in RestMode.allCases {
            var faults = SandboxFaults()
            faults.failRequests = failure
            let harness = try await SandboxHarness.start(faults: faults)
            let (result, reports) = await harness.send(SandboxHarness.jsonRecords(15), mode: mode,
                                                       options: SendOptions(deliveryTimeoutSeconds: 1))
            await harness.stop()
            #expect(checkAccounting(result, reports, sent: 15), "\(failure) \(mode): \(result.ledger.summaryLine)")
            #expect(result.stopReason == nil, "\(failure) \(mode): \(result.stopReason ?? "")")
            #expect(reports.allSatisfy { if case .failed(code, let message) = $0.outcome { message.contains("never stored") } else { false } },
                    "\(failure) \(mode): \(reports.prefix(2))")
            #expect(result.throttle.times > 0 && result.throttle.waitedSeconds > 0, "\(failure) \(mode)")
            // Sent more than once each, never stored.
            #expect(harness.server.produceRequests > (mode == .batch ? 2 : mode == .stream ? 1 : 15), "\(failure) \(mode)")
            #expect(harness.server.log.count(topic: SandboxHarness.topic) == 0)
        }
    }

    /// A gateway that refuses the first requests, then lets them through: every record is
    /// delivered exactly once and the summary says how often the send was throttled.
    @Test(arguments: RestMode.allCases)
    func transientRefusalsEndInDeliveryExactlyOnce(mode: RestMode) async throws {
        var faults = SandboxFaults()
        faults.failRequests = .json429
        faults.failFirst = 4
        let harness = try await SandboxHarness.start(faults: faults)
        let (result, reports) = await harness.send(SandboxHarness.jsonRecords(40), mode: mode)
        await harness.stop()
        #expect(result.stopReason == nil, "\(result.stopReason ?? "")")
        #expect(result.ledger.delivered == 40, "\(result.ledger.summaryLine)")
        #expect(checkAccounting(result, reports, sent: 40))
        #expect(reports.map(\.seq) == Array(1...40), "outcomes leave in record order")
        #expect(result.throttle.times >= 1)
        #expect(result.summaryLine.contains("throttled"))
        #expect(harness.server.log.count(topic: SandboxHarness.topic) == 40)
        let stored = harness.server.log.records(topic: SandboxHarness.topic).map { String(decoding: $0.record.value ?? [], as: UTF8.self) }
        #expect(Set(stored).count == 40)
    }

    @Test func wrongAPIKeyIsRefusedBeforeAnyRecord() async throws {
        let harness = try await SandboxHarness.start(clientKey: "wrong-key-000000000")
        let (result, reports) = await harness.send(SandboxHarness.jsonRecords(3), mode: .stream)
        await harness.stop()
        #expect(reports.isEmpty)
        #expect(result.stopReason?.contains("403") == true)
        #expect(result.stopReason?.contains("api_key") == true)
        #expect(result.stopReason?.contains("wrong-key") == false)
        #expect(harness.server.produceRequests == 0)
    }

    @Test func slowServerPastTheReadTimeoutIsUnknown() async throws {
        let harness = try await SandboxHarness.start(readTimeout: .seconds(1))
        // The cluster id is asked (and cached) before the server turns slow, so that only the
        // produce request meets the timeout, however loaded the machine is.
        _ = try await harness.client.clusterID()
        var faults = SandboxFaults()
        faults.reportDelayMilliseconds = 3000
        harness.server.faults = faults
        let (result, reports) = await harness.send(SandboxHarness.jsonRecords(2), mode: .single, options: SendOptions(concurrency: 1))
        await harness.stop()
        #expect(reports.count == 1)
        #expect(reports.first?.outcome.name == "unknown")
        #expect(result.stopReason != nil)
    }

    @Test func reportWithoutOffsetIsUnknownAndUnknownFieldsAreIgnored() async throws {
        var faults = SandboxFaults()
        faults.omitOffset = true
        let harness = try await SandboxHarness.start(faults: faults)
        let (result, _) = await harness.send(SandboxHarness.jsonRecords(3), mode: .stream)
        await harness.stop()
        #expect(result.ledger.unknown == 3)

        var extra = SandboxFaults()
        extra.extraReportField = true
        let second = try await SandboxHarness.start(faults: extra)
        let (ok, _) = await second.send(SandboxHarness.jsonRecords(3), mode: .stream)
        await second.stop()
        #expect(ok.ledger.delivered == 3)
    }

    @Test func unreachableProxyAndTLSFailuresSayWhatToDo() async throws {
        // A closed port on loopback.
        let refused = try RestClient(profile: SandboxHarness.profile(), apiKey: Secret("k-000000000000"), baseURL: "http://127.0.0.1:1/v3")
        let result = await refused.send(records: SandboxHarness.jsonRecords(2), topic: SandboxHarness.topic, mode: .single) { _ in }
        await refused.shutdown()
        #expect(result.ledger.total == 0)
        #expect(result.stopReason?.contains("127.0.0.1") == true)
        #expect(result.stopReason?.contains("refused") == true || result.stopReason?.contains("cannot connect") == true, "\(result.stopReason ?? "")")

        // https to a server that answers in plain HTTP: the TLS handshake fails at once.
        let plain = try await PlainHTTPResponder.start()
        let tls = try RestClient(profile: SandboxHarness.profile(), apiKey: Secret("k-000000000000"), baseURL: "https://127.0.0.1:\(plain.port)/v3")
        do {
            _ = try await tls.discover()
            Issue.record("TLS to a plain server succeeded")
        } catch let error as RestError {
            #expect(error.kind == .tls, "\(error)")
            #expect(error.description.contains("TLS"))
        }
        await tls.shutdown()
        try await plain.stop()
    }

    @Test func rateLimitingPacesRecords() async throws {
        let harness = try await SandboxHarness.start()
        let started = Date()
        let (result, _) = await harness.send(SandboxHarness.jsonRecords(6), mode: .stream, options: SendOptions(ratePerSecond: 20))
        await harness.stop()
        #expect(result.ledger.delivered == 6)
        #expect(Date().timeIntervalSince(started) >= 0.2)
    }

    @Test func oversizedRecordStopsBeforeSendingIt() async throws {
        let harness = try await SandboxHarness.start()
        var records = SandboxHarness.jsonRecords(2)
        records.append(EventRecord(value: Payload(type: .string, data: Array(repeating: 65, count: 1_200_000))))
        let (result, reports) = await harness.send(records, mode: .stream)
        await harness.stop()
        #expect(reports.count == 2)
        #expect(result.inputError?.description.contains("record 3 is") == true)
    }
}

/// Answers anything with a plain-HTTP 400, as a misconfigured port does.
struct PlainHTTPResponder {
    let channel: any Channel
    var port: Int { channel.localAddress?.port ?? 0 }

    final class Handler: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer
        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let response = ByteBuffer(string: "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            context.writeAndFlush(wrapOutboundOut(response), promise: nil)
            context.close(mode: .output, promise: nil)
        }
    }

    static func start() async throws -> PlainHTTPResponder {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { $0.pipeline.addHandler(Handler()) }
            .bind(host: "127.0.0.1", port: 0).get()
        return PlainHTTPResponder(channel: channel)
    }

    func stop() async throws { try await channel.close() }
}
