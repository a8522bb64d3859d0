import Foundation
import Testing
import TestSupport

/// The fault matrix, as the operator meets it: `ingest send` (the real binary) against
/// `ingest sandbox` (a real server in its own process) with one fault each. For every case:
/// delivered + failed + unknown == the records sent, no record has two outcomes, `unknown`
/// appears exactly where the outcome cannot be known, and the exit code is the documented one
/// (0 all delivered, 1 not all delivered or refused, 2 nothing sent because of the input).
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
        /// Some failed with `code`, the rest delivered, none unknown, exit 1.
        case someFailed(code: Int)
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var label: String
        var sandbox: [String] = []
        var send: [String] = []
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
        var testDescription: String { label }
    }

    static let cases: [Case] = [
        Case(label: "healthy, stream", send: ["--mode", "stream"], expect: .allDelivered),
        Case(label: "healthy, batch", send: ["--mode", "batch"], expect: .allDelivered),
        Case(label: "healthy, native", send: ["--via", "native"], kafka: true, expect: .allDelivered),
        Case(label: "stream closed after 7 reports", sandbox: ["--close-after", "7"], send: ["--mode", "stream", "--window", "8"], expect: .deliveredThenUnknown),
        Case(label: "connection dropped after 7 reports", sandbox: ["--drop-after", "7"], send: ["--mode", "stream", "--window", "8"], expect: .deliveredThenUnknown),
        Case(label: "slow reports within the timeout", sandbox: ["--delay-ms", "20"], send: ["--mode", "stream"], expect: .allDelivered),
        Case(label: "slow server past the timeout, single", sandbox: ["--delay-ms", "2500"], send: ["--mode", "single", "--timeout", "1"], expect: .allUnknown),
        Case(label: "slow server past the timeout, batch", sandbox: ["--delay-ms", "2500"], send: ["--mode", "batch", "--timeout", "1"], expect: .allUnknown),
        // The first segment ends its body when no report comes within the probe time (it may
        // be a buffering gateway); then the read timeout runs, and no report comes within it.
        Case(label: "slow server past the timeout, stream", sandbox: ["--delay-ms", "2500"], send: ["--mode", "stream", "--window", "4", "--timeout", "1"], expect: .allUnknown),
        Case(label: "gateway buffers the whole request", sandbox: ["--buffer-requests"], send: ["--mode", "stream", "--window", "8"], expect: .allDelivered),
        Case(label: "500, stream", sandbox: ["--fail", "500"], send: ["--mode", "stream", "--window", "8"], expect: .allFailed(code: 500)),
        // Refused for now (429, 503): sent again until the delivery timeout, then failed with
        // the last refusal (never stored).
        Case(label: "503, batch", sandbox: ["--fail", "503"], send: ["--mode", "batch", "--delivery-timeout", "2"], expect: .allFailed(code: 50302)),
        Case(label: "429 JSON, single", sandbox: ["--fail", "429-json"], send: ["--mode", "single", "--delivery-timeout", "2"], expect: .allFailed(code: 429)),
        Case(label: "429 HTML, stream", sandbox: ["--fail", "429-html"], send: ["--mode", "stream", "--window", "8", "--delivery-timeout", "2"], expect: .allFailed(code: 429)),
        Case(label: "429 for the first 3 requests, batch", sandbox: ["--fail", "429-json", "--fail-first", "3"], send: ["--mode", "batch"], expect: .allDelivered),
        Case(label: "usage plan 20 requests/s with Retry-After, single", sandbox: ["--throttle", "20/s", "--retry-after"], send: ["--mode", "single"], expect: .allDelivered),
        Case(label: "gateway 403, batch", sandbox: ["--fail", "403"], send: ["--mode", "batch"], expect: .allFailed(code: 403)),
        Case(label: "gateway 502 HTML, stream", sandbox: ["--fail", "502-html"], send: ["--mode", "stream", "--window", "8"], expect: .allUnknown),
        Case(label: "wrong API key", send: ["--mode", "stream"], wrongKey: true, expect: .nothingSent(mentioning: "api_key")),
        Case(label: "unknown topic, batch", send: ["--mode", "batch"], topic: "nosuch", expect: .allFailed(code: 40403)),
        Case(label: "native, retriable Kafka errors then success", sandbox: ["--kafka-fail", "6,6,6"], send: ["--via", "native"], kafka: true, expect: .allDelivered),
        Case(label: "native, fatal Kafka error", sandbox: ["--kafka-fail", "10"], send: ["--via", "native"], kafka: true, expect: .someFailed(code: 10)),
        // Broker 1 leads partition 0 and is down from the start: nothing can be written, and
        // past the delivery timeout every record failed (none may be stored).
        Case(label: "native, leader down past the timeout", sandbox: ["--kafka-leader-down", "0"], send: ["--via", "native", "--partition", "0", "--timeout", "2"], kafka: true, expect: .allFailed(code: -1)),
        Case(label: "native, wrong Kafka password", send: ["--via", "native"], kafka: true, wrongPassword: true, expect: .nothingSent(mentioning: "kafka.password")),
        // REST over plain http here, so that only the Kafka front's CA is in question.
        Case(label: "native, untrusted CA", sandbox: ["--plain-http"], send: ["--via", "native"], kafka: true, untrustedCA: true, expect: .nothingSent(mentioning: "trusted CA")),
        Case(label: "REST host does not resolve", send: ["--mode", "stream"], unresolvable: true, expect: .nothingSent(mentioning: "resolve")),
        Case(label: "native, brokers do not resolve", send: ["--via", "native"], kafka: true, unresolvable: true, expect: .nothingSent(mentioning: "no broker name resolves")),
        Case(label: "proxy not listening", send: ["--mode", "stream"], notListening: true, expect: .nothingSent(mentioning: "refused")),
    ]

    /// A host name no resolver accepts: its first label is longer than DNS allows (63 bytes),
    /// so glibc fails the lookup before building a query. Checked with strace: no packet is
    /// sent, only /etc/hosts is read; the test sends nothing off loopback.
    static let unresolvableHost = String(repeating: "a", count: 70) + ".dns-failure.invalid"

    @Test(arguments: cases)
    func faultEndsInTheDocumentedOutcome(_ fault: Case) throws {
        let key = "fault-key-\(UUID().uuidString.prefix(8))"
        let sandbox = try StandaloneSandbox(["--api-key", key] + (fault.kafka ? [] : ["--memory-log"]) + fault.sandbox)
        defer { sandbox.stop() }
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("ingest-fault-\(UUID())")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }

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
        let profilePath = work.appendingPathComponent("fault.toml").path
        try profile.write(toFile: profilePath, atomically: true, encoding: .utf8)

        let run = try CLITests.run(
            ["send", "--profile", profilePath, "--topic", fault.topic, "--data", "{\"n\":{{seq}}}", "--count", "\(Self.asked)"] + fault.send,
            environment: ["FAULT_KEY": fault.wrongKey ? "not-the-key-000001" : key,
                          "FAULT_KAFKA_PASSWORD": fault.wrongPassword ? "not-the-password-01" : password,
                          "INGEST_STATE_DIR": work.appendingPathComponent("state").path],
            timeout: 90)

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
        #expect(counts.delivered + counts.failed + counts.unknown == counts.sent)
        #expect(counts.sent <= Self.asked)
        #expect(seqs == Set(1...max(1, counts.sent)) || counts.sent == 0, "reports are not for records 1...\(counts.sent)")
        let context = "\(fault.label): \(counts), exit \(run.status); stderr: \(run.stderr.suffix(600))"
        #expect(!run.stderr.contains("Fatal error") && !run.stderr.contains("Stack dump"), "\(context)")

        // A proxy refusing a stream answers at once, without reading the body: the refusal can
        // come before the first record is written, and then no record was sent at all.
        let racesTheAnswer = fault.send.contains("stream")
        switch fault.expect {
        case .allDelivered:
            #expect(run.status == 0, "\(context)")
            #expect(counts.delivered == Self.asked, "\(context)")
            if fault.kafka {
                // Retries must not have written anything twice: the log holds exactly what was asked.
                #expect(try sandbox.appended(topic: "ing-staging-events") == Self.asked, "\(context)")
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
        case .someFailed(let code):
            #expect(run.status == 1, "\(context)")
            #expect(counts.sent == Self.asked && counts.failed > 0 && counts.unknown == 0, "\(context)")
            #expect(codes == [code], "\(context); codes \(codes)")
        }
    }
}

extension StandaloneSandbox {
    struct Kafka {
        var bootstrap: String
        var password: String
        var caFile: String
        var plaintext: String
    }

    /// The Kafka line of the banner: `kafka (SASL_SSL, SCRAM-SHA-512): B  user producer  password P  CA F`.
    var kafka: Kafka? {
        let lines = banner.split(separator: "\n").map(String.init)
        guard let secure = lines.first(where: { $0.hasPrefix("kafka (SASL_SSL") }),
              let plain = lines.first(where: { $0.hasPrefix("kafka (plaintext") })
        else { return nil }
        let words = secure.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        guard let passwordAt = words.firstIndex(of: "password"), let caAt = words.firstIndex(of: "CA"), words.count > caAt + 1 else { return nil }
        return Kafka(bootstrap: words[3], password: words[passwordAt + 1], caFile: words[(caAt + 1)...].joined(separator: " "),
                     plaintext: String(plain.split(separator: " ").last ?? ""))
    }

    /// Records appended to `topic` (sum of end offsets, read by kcat on the plaintext port).
    func appended(topic: String) throws -> Int {
        guard let kafka else { return -1 }
        let output = try ToolRun.output("/usr/bin/kcat", ["-C", "-b", kafka.plaintext, "-t", topic, "-o", "-1", "-e", "-q", "-X", "log_level=3", "-f", "%o\\n"], timeout: .seconds(30))
        return output.split(separator: "\n").compactMap { Int($0) }.reduce(0) { $0 + $1 + 1 }
    }
}
