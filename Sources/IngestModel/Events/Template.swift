import Foundation

/// Event text with `{{...}}` placeholders, compiled once and expanded per record:
/// `{{uuid}}`, `{{now}}` (ISO-8601), `{{now_ms}}`, `{{seq}}`, `{{rand_int A B}}`, `{{env NAME}}`.
public struct Template: Sendable, Equatable {
    enum Part: Sendable, Equatable {
        case text(String)
        case uuid, now, nowMilliseconds, seq
        case randomInt(Int, Int)
        case environment(String)
    }

    let parts: [Part]
    /// Where each part is in the template's text, in UTF-8 bytes: error positions in an
    /// expansion are mapped back to what the operator typed.
    let sources: [Range<Int>]

    public var hasPlaceholders: Bool { parts.contains { if case .text = $0 { return false } else { return true } } }

    public init(_ text: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        var parts: [Part] = []
        var sources: [Range<Int>] = []
        func offset(_ i: String.Index) -> Int { text.utf8.distance(from: text.startIndex, to: i) }
        var rest = Substring(text)
        while let open = rest.range(of: "{{") {
            if open.lowerBound > rest.startIndex {
                parts.append(.text(String(rest[..<open.lowerBound])))
                sources.append(offset(rest.startIndex)..<offset(open.lowerBound))
            }
            guard let close = rest[open.upperBound...].range(of: "}}") else {
                throw InputError("template: \"{{\" is not closed by \"}}\"", offset: offset(open.lowerBound))
            }
            let words = rest[open.upperBound..<close.lowerBound].split(separator: " ").map(String.init)
            do {
                parts.append(try Self.part(words, environment: environment))
            } catch let error as InputError {
                throw InputError(error.description, offset: offset(open.lowerBound))
            }
            sources.append(offset(open.lowerBound)..<offset(close.upperBound))
            rest = rest[close.upperBound...]
        }
        if !rest.isEmpty {
            parts.append(.text(String(rest)))
            sources.append(offset(rest.startIndex)..<offset(rest.endIndex))
        }
        self.parts = parts
        self.sources = sources
    }

    static func part(_ words: [String], environment: [String: String]) throws -> Part {
        switch words.first {
        case "uuid" where words.count == 1: return .uuid
        case "now" where words.count == 1: return .now
        case "now_ms" where words.count == 1: return .nowMilliseconds
        case "seq" where words.count == 1: return .seq
        case "rand_int":
            guard words.count == 3, let low = Int(words[1]), let high = Int(words[2]), low <= high else {
                throw InputError("template: {{rand_int A B}} needs two integers with A <= B")
            }
            return .randomInt(low, high)
        case "env":
            guard words.count == 2 else { throw InputError("template: {{env NAME}} needs one variable name") }
            // Resolved now, so a missing variable is an input error before anything is sent.
            guard let value = environment[words[1]] else {
                throw InputError("template: the environment variable \(words[1]) is not set")
            }
            return .environment(value)
        default:
            throw InputError("template: unknown placeholder {{\(words.joined(separator: " "))}}; known: uuid, now, now_ms, seq, rand_int A B, env NAME")
        }
    }

    public func expand(seq: Int, now: Date = Date()) -> String {
        var generator = SystemRandomNumberGenerator()
        return expand(seq: seq, now: now, using: &generator)
    }

    /// Expands with the given randomness (uuid, rand_int): a seeded generator makes it repeatable.
    public func expand(seq: Int, now: Date, using generator: inout some RandomNumberGenerator) -> String {
        var out = ""
        for part in parts { out += Self.expand(part, seq: seq, now: now, using: &generator) }
        return out
    }

    /// The expansion and, for each part, where it landed in it (UTF-8 bytes) and where it is in
    /// the template: `templateOffset(_:in:)` maps a position in the expansion back.
    public func expandMapped(seq: Int, now: Date, using generator: inout some RandomNumberGenerator) -> (text: String, map: ExpansionMap) {
        var out = ""
        var spans: [ExpansionMap.Span] = []
        for (part, source) in zip(parts, sources) {
            let start = out.utf8.count
            out += Self.expand(part, seq: seq, now: now, using: &generator)
            let isText = if case .text = part { true } else { false }
            spans.append(ExpansionMap.Span(expanded: start..<out.utf8.count, template: source, isText: isText))
        }
        return (out, ExpansionMap(spans: spans, templateLength: sources.last?.upperBound ?? 0))
    }

    static func expand(_ part: Part, seq: Int, now: Date, using generator: inout some RandomNumberGenerator) -> String {
        switch part {
        case .text(let text): text
        case .uuid: uuid(using: &generator)
        case .now: iso8601(now)
        case .nowMilliseconds: String(Int64(now.timeIntervalSince1970 * 1000))
        case .seq: String(seq)
        case .randomInt(let low, let high): String(Int.random(in: low...high, using: &generator))
        case .environment(let value): value
        }
    }

    /// A version 4 UUID from the generator's bits, lower case.
    static func uuid(using generator: inout some RandomNumberGenerator) -> String {
        let high = generator.next() as UInt64, low = generator.next() as UInt64
        var bytes = withUnsafeBytes(of: high.bigEndian) { Array($0) } + withUnsafeBytes(of: low.bigEndian) { Array($0) }
        bytes[6] = (bytes[6] & 0x0F) | 0x40
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        let uuid = UUID(uuid: (bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
                               bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]))
        return uuid.uuidString.lowercased()
    }

    static func iso8601(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }
}

/// Where the parts of a template landed in one expansion of it.
public struct ExpansionMap: Sendable, Equatable {
    struct Span: Sendable, Equatable {
        var expanded: Range<Int>
        var template: Range<Int>
        var isText: Bool
    }

    let spans: [Span]
    let templateLength: Int

    /// The template position (UTF-8 bytes) of a position in the expansion: the same character
    /// inside typed text, the start of the placeholder inside an expanded placeholder.
    public func templateOffset(_ expanded: Int) -> Int {
        for span in spans where span.expanded.contains(expanded) {
            return span.isText ? span.template.lowerBound + (expanded - span.expanded.lowerBound) : span.template.lowerBound
        }
        return templateLength  // at or past the end
    }
}
