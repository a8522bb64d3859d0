import Foundation

/// An in-memory stand-in for the core, for golden tests, update tests' neighbours and the
/// `ingest-tui-demo` executable. Deterministic: no clock, no network, no randomness.
/// Not for production use: the lead adapts IngestCore to `ConsoleServices`.
public struct PreviewServices: ConsoleServices {
    public var profileList: [ProfileSummary]
    /// Files the Load view can find: path -> records.
    public var files: [String: [ComposedEvent]]
    /// Delay between reports of a send (0 in tests).
    public var reportDelay: Duration
    /// Every record whose seq % failEvery == failAt fails (0 disables).
    public var failEvery: Int

    public init(reportDelay: Duration = .milliseconds(2), failEvery: Int = 100) {
        self.reportDelay = reportDelay
        self.failEvery = failEvery
        profileList = [
            ProfileSummary(name: "sandbox", environment: .sandbox, source: "built in", topicPrefix: "ing-sandbox-", baseURL: "http://127.0.0.1:8082/v3", maskedAPIKey: "(none)", needsPromptedSecret: false),
            ProfileSummary(name: "dev", environment: .dev, source: "~/.config/ingest/profiles.toml", topicPrefix: "ing-staging-", baseURL: "https://producer.msk-rest-proxy.dev.acme.future-anthem-lz-pr.com/v3", maskedAPIKey: "AKd3…9f2Q", needsPromptedSecret: false),
            ProfileSummary(name: "dev-prompt", environment: .dev, source: "~/.config/ingest/profiles.toml", topicPrefix: "ing-staging-", baseURL: "https://producer.msk-rest-proxy.dev.acme.future-anthem-lz-pr.com/v3", maskedAPIKey: "(prompt)", needsPromptedSecret: true),
            ProfileSummary(name: "prod", environment: .production, source: "~/.config/ingest/profiles.toml", topicPrefix: "ing-production-", baseURL: "https://producer.msk-rest-proxy.acme.future-anthem-lz-pr.com/v3", maskedAPIKey: "PRk1…0a7Z", needsPromptedSecret: false),
            ProfileSummary(name: "broken", environment: .dev, source: "~/.config/ingest/profiles.toml", topicPrefix: "ing-staging-", baseURL: "", maskedAPIKey: "(missing)", needsPromptedSecret: false, problem: "api_key missing"),
        ]
        files = [
            "/data/events.jsonl": (1...3).map { ComposedEvent(valueType: .json, value: "{\"playerId\": \"p\($0)\", \"amount\": \($0 * 10)}", key: "p\($0)") },
            "/data/events-big.jsonl": (1...5).map { ComposedEvent(valueType: .json, value: "{\"n\": \($0)}") },
            "/data/notes.txt": [ComposedEvent(valueType: .string, value: "hello")],
        ]
    }

    public func profiles() async -> [ProfileSummary] { profileList }

    public func activate(profile: String, prompted: PromptedSecrets) async throws -> ProfileSummary {
        guard let p = profileList.first(where: { $0.name == profile }) else { throw ServiceFailure("no profile named \(profile)") }
        if let problem = p.problem { throw ServiceFailure(problem) }
        if p.needsPromptedSecret, (prompted.apiKey ?? "").isEmpty { throw ServiceFailure("this profile needs its API key") }
        if p.needsPromptedKafkaPassword, (prompted.kafkaPassword ?? "").isEmpty { throw ServiceFailure("this profile needs its Kafka password") }
        return p
    }

    public func fullTopic(_ topic: String, profile: String) throws -> String {
        guard let p = profileList.first(where: { $0.name == profile }) else { throw ServiceFailure("no profile named \(profile)") }
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")
        guard let bad = topic.first(where: { !allowed.contains($0) }) else {
            return topic.hasPrefix(p.topicPrefix) ? topic : p.topicPrefix + topic
        }
        throw ServiceFailure("'\(bad)' is not allowed in a topic name")
    }

    public func validate(_ event: ComposedEvent) -> ValidationResult {
        guard event.valueType == .json else { return .ok }
        return JSONCheck.check(Self.expand(event.value, seq: 1))
    }

    public func preview(_ event: ComposedEvent, seq: Int) -> String {
        var parts: [String] = []
        if let k = event.key { parts.append("\"key\":{\"type\":\"STRING\",\"data\":\(quote(Self.expand(k, seq: seq)))}") }
        let value = Self.expand(event.value, seq: seq)
        let data = event.valueType == .json ? value : quote(value)
        parts.append("\"value\":{\"type\":\"\(event.valueType.rawValue)\",\"data\":\(data)}")
        if !event.headers.isEmpty {
            let hs = event.headers.map { "{\"name\":\(quote($0.name)),\"value\":\(quote(Self.expand($0.value, seq: seq)))}" }
            parts.append("\"headers\":[\(hs.joined(separator: ","))]")
        }
        if let p = event.partition { parts.append("\"partition_id\":\(p)") }
        return "{" + parts.joined(separator: ",") + "}"
    }

    public func loadFile(path: String, limit: Int) async throws -> (count: Int, first: [ComposedEvent]) {
        guard let records = files[path] else { throw ServiceFailure("\(path): no such file") }
        return (records.count, Array(records.prefix(limit)))
    }

    public func completePath(_ prefix: String) -> [String] {
        var out = Set<String>()
        for path in files.keys where path.hasPrefix(prefix) {
            // Complete one path component at a time, like a shell.
            let rest = path.dropFirst(prefix.count)
            if let slash = rest.firstIndex(of: "/") {
                out.insert(prefix + rest[...slash])
            } else {
                out.insert(path)
            }
        }
        return out.sorted()
    }

    public func discover(profile: String) async throws -> Discovery {
        guard profileList.contains(where: { $0.name == profile }) else { throw ServiceFailure("no profile named \(profile)") }
        return Discovery(clusterID: "lkc-preview-01", brokers: (1...3).map { "b-\($0).msk-preview.kafka.eu-west-1.amazonaws.com:9096" })
    }

    public func probe(hostPort: String) async -> Result<Double, ProbeError> {
        hostPort.hasPrefix("b-3") ? .failure(ProbeError("timed out after 3 s (IP not whitelisted?)")) : .success(hostPort.hasPrefix("b-1") ? 11.4 : 23.9)
    }

    public func send(profile: String, topic: String, events: EventSource, mode: SendMode) -> AsyncStream<SendEvent> {
        let records: [String]
        switch events {
        case .composed(let e, let count): records = (1...max(1, count)).map { preview(e, seq: $0) }
        case .file(let path): records = (files[path] ?? []).map { preview($0, seq: 1) }
        case .resend(let rows): records = rows.map(\.request)
        }
        let delay = reportDelay
        let failEvery = failEvery
        let isResend: Bool = { if case .resend = events { return true } else { return false } }()
        var interval = delay
        if case .stream(_, let rate?, _) = mode, rate > 0 { interval = .nanoseconds(Int64(1e9 / rate)) }
        let windowSize: Int = { if case .stream(_, _, let w) = mode { return w } else { return 1 } }()
        let (stream, continuation) = AsyncStream<SendEvent>.makeStream()
        let task = Task {
            var d = 0, f = 0
            for (i, request) in records.enumerated() {
                if Task.isCancelled { break }
                if interval > .zero { try? await Task.sleep(for: interval) }
                if Task.isCancelled { break }
                let seq = i + 1
                let failed = !isResend && failEvery > 0 && seq % failEvery == 42 % failEvery
                let row = failed
                    ? ReportRow(seq: seq, outcome: .failed, latencyMs: 3.0, errorCode: 400, message: "Bad Request: preview failure", request: request)
                    : ReportRow(seq: seq, outcome: .delivered, partition: seq % 3, offset: Int64(1000 + i), timestamp: "2026-11-25T03:00:00.\(String(format: "%03d", seq % 1000))Z", latencyMs: 2.0 + Double(seq % 7), request: request)
                if failed { f += 1 } else { d += 1 }
                continuation.yield(.report(row))
                continuation.yield(.progress(inFlight: min(windowSize, records.count - seq)))
            }
            if !Task.isCancelled { continuation.yield(.finished(delivered: d, failed: f, unknown: 0)) }
            continuation.finish()
        }
        continuation.onTermination = { _ in task.cancel() }
        return stream
    }

    /// The doctor's checks for a preview profile: the sandbox passes every check (TLS is skipped
    /// on plain http), the others stop at broker reach as a machine whose IP is not whitelisted
    /// would; `broken` stops at its profile. A step every 50 × `reportDelay` (at once in tests).
    public func doctorSteps(profile: String, topic: String?) -> [DoctorStep] {
        guard let p = profileList.first(where: { $0.name == profile }) else {
            return [DoctorStep(name: "profile and secrets", status: .fail, detail: "no profile named \(profile)", advice: "fix the profile or set the secret it refers to")]
        }
        if let problem = p.problem {
            return [DoctorStep(name: "profile and secrets", status: .fail, detail: problem, advice: "fix the profile or set the secret it refers to")]
        }
        let profileStep = DoctorStep(name: "profile and secrets", status: .pass, detail: "\(p.name) (\(p.environment.rawValue)), api_key \(p.maskedAPIKey)")
        let topicStep = topic.map { DoctorStep(name: "topic", status: .pass, detail: "\($0): 3 partitions") }
            ?? DoctorStep(name: "topic", status: .skip, detail: "no topic: type one in Compose (1)")
        if p.environment == .sandbox {
            let brokers = ["127.0.0.1:39093", "127.0.0.1:39094", "127.0.0.1:39095"]
            return [
                profileStep,
                DoctorStep(name: "DNS", status: .pass, detail: "127.0.0.1 -> 127.0.0.1"),
                DoctorStep(name: "TCP", status: .pass, detail: "127.0.0.1:8082 connected in 0.4 ms"),
                DoctorStep(name: "TLS", status: .skip, detail: "plain http on loopback (the sandbox)"),
                DoctorStep(name: "API key", status: .pass, detail: "GET /clusters accepted"),
                DoctorStep(name: "cluster", status: .pass, detail: "sandbox-cluster-1"),
                DoctorStep(name: "brokers", status: .pass, detail: brokers.joined(separator: ",")),
                DoctorStep(name: "broker reach", status: .pass, detail: brokers.map { "\($0) 0.3 ms" }.joined(separator: ", ")),
                DoctorStep(name: "Kafka login", status: .pass, detail: "SASL_SSL, SCRAM-SHA-512 as producer"),
                topicStep,
            ]
        }
        let host = p.baseURL.split(separator: "/").dropFirst().first.map(String.init) ?? "proxy"
        let brokers = (1...3).map { "b-\($0).msk-preview.kafka.eu-west-1.amazonaws.com:9096" }
        return [
            profileStep,
            DoctorStep(name: "DNS", status: .pass, detail: "\(host) -> 10.20.1.17, 10.20.2.41"),
            DoctorStep(name: "TCP", status: .pass, detail: "\(host):443 connected in 18.2 ms"),
            DoctorStep(name: "TLS", status: .pass, detail: "TLS 1.3, certificate valid until 2027-03-01T00:00:00Z (96 days)"),
            DoctorStep(name: "API key", status: .pass, detail: "GET /clusters accepted"),
            DoctorStep(name: "cluster", status: .pass, detail: "lkc-preview-01"),
            DoctorStep(name: "brokers", status: .pass, detail: brokers.joined(separator: ",")),
            DoctorStep(name: "broker reach", status: .fail, detail: "\(brokers[2]): no answer in 5 s",
                       advice: "brokers accept only whitelisted source IPs: share this machine's public IP with Future Anthem"),
            DoctorStep(name: "Kafka login", status: .skip, detail: "not run: an earlier check failed"),
            DoctorStep(name: "topic", status: .skip, detail: "not run: an earlier check failed"),
        ]
    }

    public func doctor(profile: String, topic: String?) -> AsyncStream<DoctorStep> {
        let steps = doctorSteps(profile: profile, topic: topic)
        let delay = reportDelay
        let (stream, continuation) = AsyncStream<DoctorStep>.makeStream()
        let task = Task {
            for step in steps {
                if delay > .zero { try? await Task.sleep(for: delay * 50) }
                if Task.isCancelled { break }
                continuation.yield(step)
            }
            continuation.finish()
        }
        continuation.onTermination = { _ in task.cancel() }
        return stream
    }

    /// The preview's templates: {{seq}}, {{uuid}} (derived from seq), {{now}} (fixed).
    public static func expand(_ text: String, seq: Int) -> String {
        text.replacingOccurrences(of: "{{seq}}", with: String(seq))
            .replacingOccurrences(of: "{{uuid}}", with: String(format: "00000000-0000-4000-8000-%012d", seq))
            .replacingOccurrences(of: "{{now}}", with: "2026-11-25T03:00:00Z")
    }

    func quote(_ s: String) -> String {
        var out = "\""
        for ch in s.unicodeScalars {
            switch ch {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            default:
                if ch.value < 0x20 { out += String(format: "\\u%04x", ch.value) } else { out.unicodeScalars.append(ch) }
            }
        }
        return out + "\""
    }
}

/// A small JSON checker reporting the first error's line and column (1-based), for PreviewServices.
enum JSONCheck {
    struct Failure: Error { var message: String }

    static func check(_ text: String) -> ValidationResult {
        var p = Parser(chars: Array(text.unicodeScalars))
        do {
            p.skipSpace()
            try p.value()
            p.skipSpace()
            if p.i < p.chars.count { throw Failure(message: "unexpected text after the JSON value") }
            return .ok
        } catch let f as Failure {
            let (line, col) = p.position()
            return .invalid(line: line, column: col, message: f.message)
        } catch {
            return .invalid(line: 1, column: 1, message: "\(error)")
        }
    }

    struct Parser {
        var chars: [Unicode.Scalar]
        var i = 0

        func position() -> (Int, Int) {
            var line = 1, col = 1
            for c in chars.prefix(i) {
                if c == "\n" { line += 1; col = 1 } else { col += 1 }
            }
            return (line, col)
        }

        var peek: Unicode.Scalar? { i < chars.count ? chars[i] : nil }

        mutating func skipSpace() {
            while let c = peek, c == " " || c == "\n" || c == "\t" || c == "\r" { i += 1 }
        }

        mutating func expect(_ c: Unicode.Scalar, _ what: String) throws {
            guard peek == c else { throw Failure(message: peek == nil ? "unexpected end: expected \(what)" : "expected \(what)") }
            i += 1
        }

        mutating func value() throws {
            guard let c = peek else { throw Failure(message: "unexpected end: expected a value") }
            switch c {
            case "{":
                i += 1
                skipSpace()
                if peek == "}" { i += 1; return }
                while true {
                    skipSpace()
                    guard peek == "\"" else { throw Failure(message: peek == nil ? "unexpected end: expected a key" : "expected a \"key\"") }
                    try string()
                    skipSpace()
                    try expect(":", "':'")
                    skipSpace()
                    try value()
                    skipSpace()
                    if peek == "," { i += 1; continue }
                    try expect("}", "',' or '}'")
                    return
                }
            case "[":
                i += 1
                skipSpace()
                if peek == "]" { i += 1; return }
                while true {
                    skipSpace()
                    try value()
                    skipSpace()
                    if peek == "," { i += 1; continue }
                    try expect("]", "',' or ']'")
                    return
                }
            case "\"": try string()
            case "t": try literal("true")
            case "f": try literal("false")
            case "n": try literal("null")
            case "-", "0"..."9": try number()
            default: throw Failure(message: "expected a value")
            }
        }

        mutating func literal(_ word: String) throws {
            for c in word.unicodeScalars {
                guard peek == c else { throw Failure(message: "expected \(word)") }
                i += 1
            }
        }

        mutating func number() throws {
            if peek == "-" { i += 1 }
            guard let c = peek, ("0"..."9").contains(c) else { throw Failure(message: "expected a digit") }
            while let c = peek, ("0"..."9").contains(c) || c == "." || c == "e" || c == "E" || c == "+" || c == "-" { i += 1 }
        }

        mutating func string() throws {
            i += 1
            while let c = peek {
                i += 1
                if c == "\"" { return }
                if c == "\\" {
                    guard peek != nil else { break }
                    i += 1
                } else if c.value < 0x20 {
                    i -= 1
                    throw Failure(message: "control character in a string")
                }
            }
            throw Failure(message: "unexpected end: unterminated string")
        }
    }
}
