import ArgumentParser
import Foundation
import IngestCore
import IngestKafka
import NIOConcurrencyHelpers

struct Send: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Send records; prints one JSON report per record on stdout and a summary on stderr.",
        discussion: """
        Exit codes: 0 all delivered; 1 any failed or unknown (or the platform refused); 2 usage, \
        profile or input errors (nothing sent).
        """
    )

    @Option(help: "Profile name (dev, production, local) or path to a .toml file.") var profile = "local"
    @Option(help: "Topic, short (events) or full (ing-staging-events).") var topic: String
    @Option(help: "Transport: rest (the REST proxy) or native (Kafka, SASL_SSL + SCRAM-SHA-512).") var via: Transport = .rest
    @Option(help: "single | batch | stream") var mode: SendMode = .single
    @Option(help: "Events file: JSON Lines, JSON array, JSON document or plain lines.") var file: String?
    @Option(help: "File format: auto | jsonl | array | lines") var format: EventFileReader.Format = .auto
    @Option(help: "Event text (templates allowed: {{uuid}} {{seq}} {{now}} {{now_ms}} {{rand_int A B}} {{env NAME}}).") var data: String?
    @Option(name: .customLong("type"), help: "Value type: json | string | binary") var valueType: ValueTypeOption = .json
    @Option(help: "Record key (STRING; templates allowed).") var key: String?
    @Option(name: .customLong("header"), help: "Header NAME=VALUE (repeatable; templates allowed in VALUE).") var headers: [String] = []
    @Option(help: "Partition to produce to.") var partition: Int?
    @Option(help: "Send --data this many times.") var count = 1
    @Option(help: "Records per second, e.g. 100 or 100/s.") var rate: String?
    @Option(help: "Unanswered records allowed in a stream (default: the profile's).") var window: Int?
    @Option(help: "REST: seconds to wait for the proxy's answer before the records in flight are unknown (default 30). Native: seconds a record may be retried (default 120).") var timeout: Int?
    @Option(name: .customLong("confirm-production"), help: "Required to send to a production profile: the full topic name.") var confirmProduction: String?

    func run() async throws {
        let source: RecordSource
        let ratePerSecond: Double?
        do {
            ratePerSecond = try rate.map(Self.parseRate)
            if let window, window < 1 { throw InputError("--window must be at least 1") }
            source = try makeSource()
        } catch let error as InputError {
            Output.error("ingest: \(error.description)")
            throw ExitCode(Exit.usage)
        }

        // Everything that can be refused is refused before a connection is opened.
        let session: Session
        let fullTopic: String
        do {
            let loaded = try ProfileStore.standard().load(profile)
            fullTopic = try loaded.fullTopic(topic)
            try ProductionGuard.check(loaded, topic: fullTopic, confirmation: confirmProduction)
            session = try await Session.open(loaded, readTimeout: timeout.map { .seconds(Int64(max(1, $0))) })
        } catch let error as ProfileError {
            Output.error("ingest: profile error: \(error.description)")
            throw ExitCode(Exit.usage)
        } catch let error as ProductionGuard.Refusal {
            Output.error("ingest: \(error.description)")
            throw ExitCode(Exit.usage)
        } catch {
            Output.error("ingest: \(error)")
            throw ExitCode(Exit.usage)
        }
        session.warnings.forEach { Output.error("warning: \($0)") }

        let journal: JournalRunWriter?
        do {
            journal = try JournalStore(directory: JournalStore.defaultDirectory()).beginRun(JournalRunInfo(
                profile: session.profile, topic: fullTopic, transport: via.rawValue, mode: via == .native ? "native" : mode.rawValue,
                source: file.map { "file:" + URL(fileURLWithPath: $0).standardizedFileURL.path } ?? "data",
                format: file == nil ? nil : format.rawValue, valueType: valueType.type.rawValue), keepValues: session.profile.journalValues)
        } catch {
            Output.error("warning: \(error); sending without a journal")
            journal = nil
        }
        var native: KafkaProducerConfiguration?
        if via == .native {
            do {
                var configuration = NativeSender.configuration(try await session.nativeTarget())
                if let timeout {
                    let seconds = Duration.seconds(max(1, timeout))
                    configuration.deliveryTimeout = seconds
                    configuration.requestTimeout = min(configuration.requestTimeout, seconds)
                }
                native = configuration
            } catch {
                await session.close()
                Output.error("ingest: \(error)")
                throw ExitCode(error is InputError || error is SecretError ? Exit.usage : Exit.notAllDelivered)
            }
        }
        let result = await Self.send(source: source, session: session, topic: fullTopic, mode: mode, native: native,
                                     options: SendOptions(ratePerSecond: ratePerSecond, window: window), journal: journal)
        await session.close()
        try Self.finish(result)
    }

    /// Sends with Ctrl-C handling, printing each report and journaling it.
    /// `native` set: through our Kafka producer; otherwise through the REST proxy in `mode`.
    static func send(source: sending RecordSource, session: Session, topic: String, mode: SendMode, native: KafkaProducerConfiguration? = nil,
                     options: SendOptions, journal: JournalRunWriter?) async -> SendResult {
        let output = NIOLockedValueBox(())
        let client = session.client
        var options = options
        if let journal {
            options.onRecordRead = { @Sendable seq, record, _ in journal.willSend(seq: seq, record: record) }
        }
        let sending = Task { [options] in
            let onReport: @Sendable (DeliveryReport) -> Void = { report in
                journal?.record(CollectionOfOne(report))
                output.withLockedValue { _ in Output.out(report.jsonLine) }
            }
            if let native {
                return await NativeSender.send(source: source, topic: topic, configuration: native, options: options, onReport: onReport)
            }
            return await client.send(source: source, topic: topic, mode: mode, options: options, onReport: onReport)
        }
        // Ctrl-C stops sending and waits for the reports of what is in flight; a second one quits.
        let interrupt = Task {
            await SignalWait.interrupt()
            Output.error("interrupted: stopping, waiting for reports of records in flight (Ctrl-C again to quit now)")
            sending.cancel()
            await SignalWait.interrupt()
            Foundation.exit(130)
        }
        let result = await sending.value
        interrupt.cancel()
        journal?.finish(delivered: result.ledger.delivered, failed: result.ledger.failed, unknown: result.ledger.unknown, stopReason: result.stopReason)
        return result
    }

    /// The summary on stderr and the exit code.
    static func finish(_ result: SendResult) throws {
        let ledger = result.ledger
        var summary = ledger.summaryLine
        if let p50 = ledger.percentileMilliseconds(50), let p99 = ledger.percentileMilliseconds(99) {
            let rate = result.elapsedSeconds > 0 ? Double(ledger.total) / result.elapsedSeconds : 0
            summary += String(format: " (%.0f records/s, latency p50 %.2f ms, p99 %.2f ms)", rate, p50, p99)
        }
        Output.error(summary)
        if let reason = result.stopReason {
            Output.error("stopped: \(reason)")
        }
        if result.inputError != nil && ledger.total == 0 { throw ExitCode(Exit.usage) }
        if ledger.total == 0 || ledger.failed > 0 || ledger.unknown > 0 || result.stopReason != nil {
            throw ExitCode(Exit.notAllDelivered)
        }
    }

    func makeSource() throws -> RecordSource {
        let parsedHeaders = try headers.map { text -> (name: String, value: String) in
            guard let equals = text.firstIndex(of: "="), equals != text.startIndex else {
                throw InputError("--header expects NAME=VALUE, got \"\(text)\"")
            }
            return (name: String(text[..<equals]), value: String(text[text.index(after: equals)...]))
        }
        if let partition, partition < 0 { throw InputError("--partition must be 0 or more") }
        guard count >= 1 else { throw InputError("--count must be at least 1") }
        switch (file, data) {
        case (nil, nil): throw InputError("give --data TEXT or --file PATH")
        case (.some, .some): throw InputError("give either --data or --file, not both")
        case (let path?, nil):
            if key != nil || !headers.isEmpty || partition != nil {
                throw InputError("--key, --header and --partition go with --data; in a file, give records as {\"key\":…, \"value\":…, \"headers\":…}")
            }
            return try EventFileReader(path: path, format: format, valueType: valueType.type)
        case (nil, let text?):
            return try TemplateSource(value: text, valueType: valueType.type, key: key, headers: parsedHeaders, partition: partition, count: count)
        }
    }

    static func parseRate(_ text: String) throws -> Double {
        let number = text.hasSuffix("/s") ? String(text.dropLast(2)) : text
        guard let value = Double(number), value > 0 else { throw InputError("--rate expects records per second, e.g. 100 or 100/s") }
        return value
    }
}

enum Transport: String, ExpressibleByArgument, CaseIterable {
    case rest, native
}

enum ValueTypeOption: String, ExpressibleByArgument, CaseIterable {
    case json, string, binary
    var type: ValueType {
        switch self {
        case .json: return .json
        case .string: return .string
        case .binary: return .binary
        }
    }
}

extension SendMode: ExpressibleByArgument {}
extension EventFileReader.Format: ExpressibleByArgument {}

/// A send to production needs the full topic name typed back: on the command line with
/// `--confirm-production`, or at a terminal prompt. Nothing is sent otherwise.
enum ProductionGuard {
    struct Refusal: Error, CustomStringConvertible {
        let description: String
    }

    static func check(_ profile: Profile, topic: String, confirmation: String?) throws {
        guard profile.environment == .production else { return }
        if let confirmation {
            guard confirmation == topic else {
                throw Refusal(description: "--confirm-production \(confirmation) does not match the topic \(topic); nothing was sent")
            }
            return
        }
        guard TerminalPrompt.available else {
            throw Refusal(description: "profile \(profile.name) is PRODUCTION: add --confirm-production \(topic) to send; nothing was sent")
        }
        let typed = TerminalPrompt.ask("PRODUCTION (\(profile.name)): type the topic name \(topic) to send, anything else cancels: ")
        guard typed == topic else { throw Refusal(description: "not confirmed; nothing was sent") }
    }
}
