import ArgumentParser
import Foundation
import IngestCore

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
    @Option(help: "Transport: rest (the REST proxy) or native (Kafka, SASL_SSL + SCRAM-SHA-512).") var via: Via = .rest
    @Option(help: "single | batch | stream") var mode: RestMode = .single
    @Option(help: "Events file: JSON Lines, JSON array, JSON document or plain lines.") var file: String?
    @Option(help: "File format: auto | jsonl | array | lines") var format: FileFormat = .auto
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
        let source: PlanSource
        let options: SendOptions
        do {
            options = SendOptions(ratePerSecond: try rate.map(Self.parseRate), window: window, timeoutSeconds: timeout)
            if let window, window < 1 { throw InputError("--window must be at least 1") }
            source = try planSource()
        } catch let error as InputError {
            Output.error("ingest: \(error.description)")
            throw ExitCode(Exit.usage)
        }

        // Everything that can be refused is refused before a connection is opened.
        let session: ProfileSession
        let plan: SendPlan
        do {
            let loaded = try ProfileStore.standard().load(profile)
            plan = SendPlan(topic: try loaded.fullTopic(topic), source: source, transport: via == .native ? .native : .rest(mode), options: options)
            // Build the first record now: a bad template or file is an input error, nothing sent.
            _ = try Sender.source(source)
            try ProductionGuard.check(loaded, topic: plan.topic, confirmation: confirmProduction)
            session = try await ProfileSession.open(loaded, terminalPrompt: TerminalPrompt.secretPrompt,
                                                    readTimeout: timeout.map { .seconds(Int64(max(1, $0))) } ?? RestClient.defaultReadTimeout)
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
        let result = await Self.send(plan, session: session)
        await session.close()
        try Self.finish(result)
    }

    /// Sends with Ctrl-C handling: reports as JSON lines on stdout, and into the journal.
    static func send(_ plan: SendPlan, session: ProfileSession) async -> SendResult {
        var sinks: [any SendSink] = [JSONLinesSink()]
        do {
            sinks.append(try JournalSink(plan: plan, profile: session.profile))
        } catch {
            Output.error("warning: \(error); sending without a journal")
        }
        // Ctrl-C stops sending and waits for the reports of what is in flight; a second one quits.
        // Caught before the first record goes, so an early Ctrl-C is handled too.
        let interrupts = InterruptWatch()
        let sending = Task { [sinks] in await session.sender.run(plan, sinks: sinks) }
        let interrupt = Task {
            guard await interrupts.wait() else { return }
            Output.error("interrupted: stopping, waiting for reports of records in flight (Ctrl-C again to quit now)")
            sending.cancel()
            guard await interrupts.wait() else { return }
            Foundation.exit(130)
        }
        let result = await sending.value
        interrupt.cancel()
        return result
    }

    /// The summary on stderr and the exit code.
    static func finish(_ result: SendResult) throws {
        let ledger = result.ledger
        Output.error(result.summaryLine)
        if let reason = result.stopReason {
            Output.error("stopped: \(reason)")
        }
        if result.inputError != nil && ledger.total == 0 { throw ExitCode(Exit.usage) }
        if ledger.total == 0 || ledger.failed > 0 || ledger.unknown > 0 || result.stopReason != nil {
            throw ExitCode(Exit.notAllDelivered)
        }
    }

    func planSource() throws -> PlanSource {
        let parsedHeaders = try headers.map(HeaderTemplate.init(parsing:))
        if let partition, partition < 0 { throw InputError("--partition must be 0 or more") }
        guard count >= 1 else { throw InputError("--count must be at least 1") }
        switch (file, data) {
        case (nil, nil): throw InputError("give --data TEXT or --file PATH")
        case (.some, .some): throw InputError("give either --data or --file, not both")
        case (let path?, nil):
            if key != nil || !headers.isEmpty || partition != nil {
                throw InputError("--key, --header and --partition go with --data; in a file, give records as {\"key\":…, \"value\":…, \"headers\":…}")
            }
            return .file(path: URL(fileURLWithPath: path).standardizedFileURL.path, format: format, valueType: valueType.type)
        case (nil, let text?):
            return .template(EventTemplate(valueType: valueType.type, value: text, key: key, headers: parsedHeaders, partition: partition), count: count)
        }
    }

    static func parseRate(_ text: String) throws -> Double {
        let number = text.hasSuffix("/s") ? String(text.dropLast(2)) : text
        guard let value = Double(number), value > 0 else { throw InputError("--rate expects records per second, e.g. 100 or 100/s") }
        return value
    }
}

/// `--via`: the REST proxy or Kafka itself.
enum Via: String, ExpressibleByArgument, CaseIterable {
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

extension RestMode: ExpressibleByArgument {}
extension FileFormat: ExpressibleByArgument {}

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
