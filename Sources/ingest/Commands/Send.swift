import ArgumentParser
import Foundation
import IngestCore

struct Send: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Send records; prints one JSON report per record on stdout and a summary on stderr.",
        discussion: """
        Exit codes: 0 all delivered; 1 any failed or unknown (or the platform refused); 2 usage, \
        profile or input errors, or a profile's limit refused the send (nothing sent).

        Templates in --data, --key and --header values, expanded per record: {{uuid}} {{seq}} \
        {{seq_from N}} {{now}} {{now -5m}} {{now_ms}} {{now_ms +1h}} {{rand_int A B}} \
        {{rand_float A B DECIMALS}} {{rand_str N}} {{choice a b c}} {{choice a:9 b:1}} \
        {{csv FILE COLUMN}} {{env NAME}}. --seed N makes them repeatable (all but the clock).
        """
    )

    @Option(help: "Profile name (dev, production, local) or path to a .toml file.") var profile = "local"
    @Option(help: "Topic, short (events) or full (ing-staging-events).") var topic: String?
    @Option(help: "Transport: rest (the REST proxy) or native (Kafka, SASL_SSL + SCRAM-SHA-512).") var via: Via?
    @Option(help: "single | batch | stream") var mode: RestMode?
    @Option(help: "Events file: JSON Lines, JSON array, JSON document or plain lines.") var file: String?
    @Option(help: "File format: auto | jsonl | array | lines") var format: FileFormat?
    @Option(help: "Event text (templates allowed, see below).") var data: String?
    @Option(name: .customLong("type"), help: "Value type: json | string | binary") var valueType: ValueTypeOption?
    @Option(help: "Record key (STRING; templates allowed).") var key: String?
    @Option(name: .customLong("header"), help: "Header NAME=VALUE (repeatable; templates allowed in VALUE).") var headers: [String] = []
    @Option(help: "Partition to produce to.") var partition: Int?
    @Option(help: "Send --data this many times (default 1; with --duration, until the time is up).") var count: Int?
    @Option(help: "Records per second, e.g. 100 or 100/s.") var rate: String?
    @Option(help: "Unanswered records allowed in a stream (default: the profile's [stream] window, else it adapts to the path).") var window: Int?
    @Option(help: "Native: compress record batches with none | gzip | lz4 | zstd (default: the profile's [kafka] compression).") var compression: Compression?
    @Option(help: "REST: seconds to wait for the proxy's answer before the records in flight are unknown (default 30). Native: seconds a record may be retried (default 120).") var timeout: Int?
    @Option(help: "REST single and batch: requests in flight at once (default: the profile's concurrency, 32).") var concurrency: Int?
    @Option(name: .customLong("delivery-timeout"), help: "REST: seconds a record the server refuses for now (429, 503) may be sent again; past it, it fails (default 120).") var deliveryTimeout: Int?
    @Option(name: .customLong("confirm-production"), help: "Required to send to a production profile: the full topic name.") var confirmProduction: String?

    @Option(help: "A saved send (NAME.toml in the sends directory); the flags given override its keys.") var saved: String?
    @Option(help: "Where saved sends are kept (default $XDG_CONFIG_HOME/ingest/sends).") var sends: String?
    @Option(name: .customLong("save-as"), help: "Save these send flags as NAME (never replaces one) and send nothing.") var saveAs: String?
    @Option(name: .customLong("print"), help: "Print the send as curl, kcat or properties (producer.properties) instead of sending.") var printFormat: PrintFormat?
    @Flag(name: .customLong("dry-run"), help: "Print each record's produce request as one JSON line and send nothing.") var dryRun = false
    @Option(help: "Why this send is made; kept with the run in the journal (required by profiles with require_reason).") var reason: String?
    @Option(help: "Seed for the templates' random values: the same seed gives the same records.") var seed: UInt64?

    @Option(help: "Send for this long, e.g. 30s, 5m (a load test); with --count, whichever ends first.") var duration: String?
    @Option(name: .customLong("warmup-records"), help: "Report the first N records apart from the measured ones.") var warmupRecords: Int?
    @Flag(help: "Progress lines on stderr every few seconds (a bar instead when stderr is a terminal).") var progress = false
    @Option(name: .customLong("progress-interval"), help: "Seconds between progress lines (default 5).") var progressInterval: Double = 5
    @Option(name: .customLong("summary-json"), help: "Write the summary as one JSON object to PATH.") var summaryJSON: String?

    func run() async throws {
        // Flags, the saved send and the first record: refused here, nothing is opened.
        let request: SendRequest
        let loaded: Profile
        let plan: SendPlan
        do {
            request = try sendRequest()
            if let saveAs {
                let url = try SavedSendStore.standard(directory: sends).save(request.saved, name: saveAs)
                Output.error("saved \(saveAs): \(url.path) (send it with: ingest send --saved \(saveAs) --profile PROFILE)")
                return
            }
            loaded = try ProfileStore.standard().load(profile)
            plan = SendPlan(topic: try loaded.fullTopic(request.topic), source: request.source, transport: request.transport, options: request.options)
            // Build the first record now: a bad template or file is an input error, nothing sent.
            _ = try Sender.source(plan.source)
        } catch let error as ProfileError {
            Output.error("ingest: profile error: \(error.description)")
            throw ExitCode(Exit.usage)
        } catch let error as SavedSendError {
            Output.error("ingest: saved send error: \(error.description)")
            throw ExitCode(Exit.usage)
        } catch {
            Output.error("ingest: \(error)")
            throw ExitCode(Exit.usage)
        }

        if dryRun {
            try SendOutput.dryRun(plan)
            return
        }
        // Printing sends nothing, so neither limits nor the production guard apply.
        var keptReason = SendGuards.reason(reason)
        if printFormat == nil {
            do {
                keptReason = try SendGuards.checkLimits(loaded, plan: plan, reason: reason)
                try ProductionGuard.check(loaded, topic: plan.topic, confirmation: confirmProduction)
            } catch let error as LimitRefusal {
                Output.error("ingest: \(error.description)")
                throw ExitCode(Exit.usage)
            } catch let error as ProductionGuard.Refusal {
                Output.error("ingest: \(error.description)")
                throw ExitCode(Exit.usage)
            } catch {
                Output.error("ingest: \(error)")
                throw ExitCode(Exit.usage)
            }
        }
        let session: ProfileSession
        do {
            session = try await ProfileSession.open(loaded, terminalPrompt: TerminalPrompt.secretPrompt,
                                                    readTimeout: timeout.map { .seconds(Int64(max(1, $0))) } ?? RestClient.defaultReadTimeout)
        } catch {
            Output.error("ingest: \(error)")
            throw ExitCode(Exit.usage)
        }
        session.warnings.forEach { Output.error("warning: \($0)") }
        if let printFormat {
            let printed = await SendOutput.print(printFormat.format, plan: plan, session: session)
            await session.close()
            try printed.get()
            return
        }
        let report = LoadReportSink(warmupRecords: warmupRecords ?? 0)
        let progressDisplay = SendProgress(plan: plan, enabled: progress, interval: progressInterval)
        let result = await Self.send(plan, session: session, reason: keptReason, extraSinks: [report, progressDisplay])
        progressDisplay.stop()
        await session.close()
        try Self.finish(result, report: report.report, summaryJSON: summaryJSON)
    }

    /// Sends with Ctrl-C handling: reports as JSON lines on stdout, and into the journal.
    static func send(_ plan: SendPlan, session: ProfileSession, reason: String? = nil, store: JournalStore? = nil,
                     extraSinks: [any SendSink] = []) async -> SendResult {
        // The journal first: what the operator sees on stdout is always in the journal.
        var sinks: [any SendSink] = []
        do {
            sinks.append(try JournalSink(plan: plan, profile: session.profile, reason: reason, store: store))
        } catch {
            Output.error("warning: \(error); sending without a journal")
        }
        sinks.append(JSONLinesSink())
        sinks += extraSinks
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

    /// The summary on stderr (and in `--summary-json`), and the exit code.
    static func finish(_ result: SendResult, report: LoadReport? = nil, summaryJSON: String? = nil) throws {
        let ledger = result.ledger
        Output.error(result.summaryLine)
        if let report, ledger.total > 1 || report.warmup != nil {
            report.lines.forEach { Output.error($0) }
        }
        if let path = result.streamPath { Output.error(path) }
        if let reason = result.stopReason {
            Output.error("stopped: \(reason)")
        }
        if let summaryJSON, let report {
            do { try Data((report.json + "\n").utf8).write(to: URL(fileURLWithPath: summaryJSON)) } catch {
                Output.error("warning: could not write the summary to \(summaryJSON): \(error.localizedDescription)")
            }
        }
        if result.inputError != nil && ledger.total == 0 { throw ExitCode(Exit.usage) }
        if ledger.total == 0 || ledger.failed > 0 || ledger.unknown > 0 || result.stopReason != nil {
            throw ExitCode(Exit.notAllDelivered)
        }
    }

    static func parseRate(_ text: String) throws -> Double {
        let number = text.hasSuffix("/s") ? String(text.dropLast(2)) : text
        guard let value = Double(number), value > 0, value.isFinite else { throw InputError("--rate expects records per second, e.g. 100 or 100/s") }
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

/// `--print`: how to write the send instead of sending it.
enum PrintFormat: String, ExpressibleByArgument, CaseIterable {
    case curl, kcat, properties
    var format: CopyAs.Format { CopyAs.Format(rawValue: rawValue)! }
}

extension RestMode: ExpressibleByArgument {}
extension Compression: ExpressibleByArgument {}
extension FileFormat: ExpressibleByArgument {}
