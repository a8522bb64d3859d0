import Foundation
import Testing
import TestSupport

/// The fault matrix, as the operator meets it: `ingest send` (the real binary) against
/// `ingest sandbox` (a real server in its own process) with one fault each. For every case:
/// delivered + failed + unknown == the records sent, no record has two outcomes, `unknown`
/// appears exactly where the outcome cannot be known, the exit code is the documented one
/// (0 all delivered, 1 not all delivered or refused, 2 nothing sent because of the input),
/// and a run that stops early says why (so a row cannot pass on a run that sent nothing for
/// another reason).
@Suite(.serialized) struct FaultMatrixTests {
    static let asked = 30

    struct Counts: CustomStringConvertible {
        var sent = 0, delivered = 0, failed = 0, unknown = 0
        var description: String { "sent \(sent): \(delivered) delivered, \(failed) failed, \(unknown) unknown" }
    }

    /// What a case must end with.
    enum Expect: Sendable {
        /// Every asked record delivered, exit 0.
        case allDelivered
        /// Nothing sent (refused before the first record), exit 1.
        case nothingSent(mentioning: String)
        /// Every sent record failed with the server's code, exit 1.
        case allFailed(code: Int)
        /// Every sent record unknown (sent, never answered), exit 1.
        case allUnknown
        /// Some delivered, the rest unknown, none failed, exit 1.
        case deliveredThenUnknown
        /// Exactly these counts, exit 1 (cases whose timing is made deterministic).
        case exactly(delivered: Int, unknown: Int)
        /// Some failed with `code`, the rest delivered, none unknown, exit 1.
        case someFailed(code: Int)
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var label: String
        var sandbox: [String] = []
        var send: [String] = []
        var count = FaultMatrixTests.asked
        /// Extra profile lines (a `[stream]` table).
        var profile = ""
        /// Kafka needed (native sends or Kafka faults); otherwise the sandbox keeps an in-memory log.
        var kafka = false
        var wrongKey = false
        var wrongPassword = false
        /// The profile trusts only the system roots, not the sandbox's CA.
        var untrustedCA = false
        /// REST URL and brokers on a name that cannot resolve.
        var unresolvable = false
        var notListening = false
        var topic = "events"
        var expect: Expect
        /// Words of the `stopped: …` line; nil: the run must not stop early.
        var stopped: String?
        var testDescription: String { label }
    }

    // Timing cases have seconds of slack on either side, however loaded the machine: the
    // server answers each record after 6 s; every request gives up 2 s after it is written.
    // Single and batch requests are all in flight together (30 records, 32 at once), so all
    // are unknown; a stream's first segment ends its body when no report came within the
    // probe time (it may be a buffering gateway), then its read timeout runs out.
    static let cases: [Case] = [
        Case(label: "healthy, stream", send: ["--mode", "stream"], expect: .allDelivered),
        Case(label: "healthy, batch", send: ["--mode", "batch"], expect: .allDelivered),
        Case(label: "healthy, native", send: ["--via", "native"], kafka: true, expect: .allDelivered),
        Case(label: "stream closed after 7 reports", sandbox: ["--close-after", "7"], send: ["--mode", "stream", "--window", "8"], expect: .deliveredThenUnknown),
        Case(label: "connection dropped after 7 reports", sandbox: ["--drop-after", "7"], send: ["--mode", "stream", "--window", "8"], expect: .deliveredThenUnknown),
        Case(label: "slow reports within the timeout", sandbox: ["--delay-ms", "20"], send: ["--mode", "stream"], expect: .allDelivered),
        Case(label: "slow server past the timeout, single", sandbox: ["--delay-ms", "6000"], send: ["--mode", "single", "--timeout", "2"],
             expect: .exactly(delivered: 0, unknown: 30), stopped: "timeout"),
        Case(label: "slow server past the timeout, batch", sandbox: ["--delay-ms", "6000"], send: ["--mode", "batch", "--timeout", "2"],
             expect: .exactly(delivered: 0, unknown: 30), stopped: "timeout"),
        Case(label: "slow server past the timeout, stream", sandbox: ["--delay-ms", "6000"], send: ["--mode", "stream", "--window", "4", "--timeout", "2"],
             count: 5, expect: .exactly(delivered: 0, unknown: 5)),
        Case(label: "gateway buffers the whole request", sandbox: ["--buffer-requests"], send: ["--mode", "stream", "--window", "8"], expect: .allDelivered),
        Case(label: "500, stream", sandbox: ["--fail", "500"], send: ["--mode", "stream", "--window", "8"], expect: .allFailed(code: 500), stopped: "HTTP 500"),
        // Refused for now (429, 503): sent again until the delivery timeout, then failed with
        // the last refusal (never stored); the run goes on to its end.
        Case(label: "503, batch", sandbox: ["--fail", "503"], send: ["--mode", "batch", "--delivery-timeout", "2"], expect: .allFailed(code: 50302)),
        Case(label: "429 JSON, single", sandbox: ["--fail", "429-json"], send: ["--mode", "single", "--delivery-timeout", "2"], expect: .allFailed(code: 429)),
        Case(label: "429 HTML, stream", sandbox: ["--fail", "429-html"], send: ["--mode", "stream", "--window", "8", "--delivery-timeout", "2"], expect: .allFailed(code: 429)),
        Case(label: "429 for the first 3 requests, batch", sandbox: ["--fail", "429-json", "--fail-first", "3"], send: ["--mode", "batch"], expect: .allDelivered),
        Case(label: "usage plan 20 requests/s with Retry-After, single", sandbox: ["--throttle", "20/s", "--retry-after"], send: ["--mode", "single"], expect: .allDelivered),
        Case(label: "gateway 403, batch", sandbox: ["--fail", "403"], send: ["--mode", "batch"], expect: .allFailed(code: 403), stopped: "api_key"),
        Case(label: "gateway 502 HTML, stream", sandbox: ["--fail", "502-html"], send: ["--mode", "stream", "--window", "8"], expect: .allUnknown, stopped: "HTTP 502"),
        Case(label: "wrong API key", send: ["--mode", "stream"], wrongKey: true, expect: .nothingSent(mentioning: "api_key")),
        Case(label: "unknown topic, batch", send: ["--mode", "batch"], topic: "nosuch", expect: .allFailed(code: 40403)),
        Case(label: "native, retriable Kafka errors then success", sandbox: ["--kafka-fail", "6,6,6"], send: ["--via", "native"], kafka: true, expect: .allDelivered),
        Case(label: "native, fatal Kafka error", sandbox: ["--kafka-fail", "10"], send: ["--via", "native"], kafka: true, expect: .someFailed(code: 10)),
        // Broker 1 leads partition 0 and is down from the start: nothing can be written, and
        // past the delivery timeout every record failed (none may be stored).
        Case(label: "native, leader down past the timeout", sandbox: ["--kafka-leader-down", "0"], send: ["--via", "native", "--partition", "0", "--timeout", "2"],
             kafka: true, expect: .allFailed(code: -1)),
        Case(label: "native, wrong Kafka password", send: ["--via", "native"], kafka: true, wrongPassword: true, expect: .nothingSent(mentioning: "kafka.password")),
        Case(label: "native, untrusted CA", send: ["--via", "native"], kafka: true, untrustedCA: true, expect: .nothingSent(mentioning: "trusted CA")),
        Case(label: "REST host does not resolve", send: ["--mode", "stream"], unresolvable: true, expect: .nothingSent(mentioning: "resolve")),
        Case(label: "native, brokers do not resolve", send: ["--via", "native"], kafka: true, unresolvable: true, expect: .nothingSent(mentioning: "no broker name resolves")),
        Case(label: "proxy not listening", send: ["--mode", "stream"], notListening: true, expect: .nothingSent(mentioning: "refused")),
    ]

    /// A host name no resolver accepts: its first label is longer than DNS allows (63 bytes),
    /// so glibc fails the lookup before building a query. Checked with strace: no packet is
    /// sent, only /etc/hosts is read; the test sends nothing off loopback.
    static let unresolvableHost = String(repeating: "a", count: 70) + ".dns-failure.invalid"

    @Test(arguments: cases)
    func faultEndsInTheDocumentedOutcome(_ fault: Case) async throws {
        let key = "fault-key-\(UUID().uuidString.prefix(8))"
        let sandbox = try await StandaloneSandbox.start(["--api-key", key] + (fault.kafka ? [] : ["--memory-log"]) + fault.sandbox)
        defer { sandbox.stop() }
        let workspace = try Workspace("fault")

        var base = sandbox.base
        if fault.notListening { base = "http://127.0.0.1:1/v3" }
        if fault.unresolvable && !fault.kafka { base = "https://\(Self.unresolvableHost)/v3" }
        var profile = "name = \"fault\"\nenvironment = \"sandbox\"\nrest_url = \"\(base)\"\ntopic_prefix = \"ing-staging-\"\napi_key = \"env:FAULT_KEY\"\n"
        var password = ""
        if fault.kafka {
            let kafka = try #require(sandbox.kafka, "the sandbox printed no Kafka line: \(sandbox.banner)")
            password = kafka.password
            let bootstrap = fault.unresolvable ? "\(Self.unresolvableHost):9096" : kafka.bootstrap
            profile += "[kafka]\nusername = \"producer\"\npassword = \"env:FAULT_KAFKA_PASSWORD\"\nbootstrap = \"\(bootstrap)\"\n"
            if !fault.untrustedCA { profile += "ca_file = \"\(kafka.caFile)\"\n" }
        } else {
            profile += sandbox.trust
        }
        profile += fault.profile
        let profilePath = try workspace.profile("fault", profile)

        let run = try await workspace.run(
            ["send", "--profile", profilePath, "--topic", fault.topic, "--data", "{\"n\":{{seq}}}", "--count", "\(fault.count)"] + fault.send,
            environment: ["FAULT_KEY": fault.wrongKey ? "not-the-key-000001" : key,
                          "FAULT_KAFKA_PASSWORD": fault.wrongPassword ? "not-the-password-01" : password],
            timeout: .seconds(120))

        // Every line on stdout is one record's report; count them and check each seq once.
        var counts = Counts()
        var seqs = Set<Int>()
        var codes = Set<Int>()
        for line in run.lines {
            let seq = try #require(line["seq"] as? Int, "a report without seq: \(line)")
            #expect(seqs.insert(seq).inserted, "record \(seq) has two outcomes")
            counts.sent += 1
            switch line["outcome"] as? String {
            case "delivered":
                counts.delivered += 1
                #expect(line["partition"] is Int && line["offset"] is Int, "delivered without partition/offset: \(line)")
            case "failed":
                counts.failed += 1
                if let code = line["error_code"] as? Int { codes.insert(code) }
            case "unknown": counts.unknown += 1
            default: Issue.record("a report without a known outcome: \(line)")
            }
        }
        let context = "\(fault.label): \(counts), exit \(run.status); stderr: \(run.stderr.suffix(600))"
        #expect(counts.delivered + counts.failed + counts.unknown == counts.sent)
        #expect(counts.sent <= fault.count)
        #expect(seqs == Set(1...max(1, counts.sent)) || counts.sent == 0, "reports are not for records 1...\(counts.sent)")
        // The summary on stderr counts exactly what stdout reported.
        #expect(run.stderr.contains("delivered \(counts.delivered), failed \(counts.failed), unknown \(counts.unknown)"), "\(context)")
        #expect(!run.stderr.contains("Fatal error") && !run.stderr.contains("Stack dump"), "\(context)")
        if let stopped = fault.stopped {
            #expect(run.stopReason?.contains(stopped) == true, "\(context); expected to stop on \"\(stopped)\"")
        }

        // A proxy refusing a stream answers at once, without reading the body: the refusal can
        // come before the first record is written, and then no record was sent at all. The
        // stop reason above shows the refusal was met all the same.
        let racesTheAnswer = fault.send.contains("stream")
        switch fault.expect {
        case .allDelivered:
            #expect(run.status == 0, "\(context)")
            #expect(counts.delivered == fault.count, "\(context)")
            #expect(run.stopReason == nil, "\(context)")
            if fault.kafka {
                // Retries must not have written anything twice: the log holds exactly what was asked.
                #expect(try await sandbox.appended(topic: "ing-staging-events") == fault.count, "\(context)")
            }
        case .nothingSent(let mentioning):
            #expect(run.status == 1, "\(context)")
            #expect(counts.sent == 0, "\(context)")
            #expect(run.stderr.localizedCaseInsensitiveContains(mentioning), "\(context)")
        case .allFailed(let code):
            #expect(run.status == 1, "\(context)")
            #expect((counts.sent > 0 || racesTheAnswer) && counts.failed == counts.sent, "\(context)")
            #expect(codes == (counts.sent > 0 ? [code] : []), "\(context); codes \(codes)")
        case .allUnknown:
            #expect(run.status == 1, "\(context)")
            #expect((counts.sent > 0 || racesTheAnswer) && counts.unknown == counts.sent, "\(context)")
        case .deliveredThenUnknown:
            #expect(run.status == 1, "\(context)")
            #expect(counts.delivered >= 1 && counts.unknown > 0 && counts.failed == 0, "\(context)")
        case .exactly(let delivered, let unknown):
            #expect(run.status == 1, "\(context)")
            #expect(counts.delivered == delivered && counts.unknown == unknown && counts.failed == 0, "\(context)")
        case .someFailed(let code):
            #expect(run.status == 1, "\(context)")
            #expect(counts.sent == fault.count && counts.failed > 0 && counts.unknown == 0, "\(context)")
            #expect(codes == [code], "\(context); codes \(codes)")
        }
    }
}
