import Foundation

/// Event text with `{{...}}` placeholders, compiled once and expanded per record. The
/// placeholders are listed in `Template.known` and parsed in `TemplatePlaceholders.swift`.
public struct Template: Sendable, Equatable {
    enum Part: Sendable, Equatable {
        case text(String)
        case uuid, seq
        /// ISO-8601 / epoch milliseconds, shifted by an offset in milliseconds.
        case now(offsetMilliseconds: Int64)
        case nowMilliseconds(offsetMilliseconds: Int64)
        case seqFrom(Int)
        case randomInt(Int, Int)
        case randomFloat(Double, Double, decimals: Int)
        case randomString(length: Int)
        case choice(WeightedChoice)
        case csv(CSVColumn)
        case environment(String)
    }

    let parts: [Part]
    /// Where each part is in the template's text, in UTF-8 bytes: error positions in an
    /// expansion are mapped back to what the operator typed.
    let sources: [Range<Int>]

    public var hasPlaceholders: Bool { parts.contains { if case .text = $0 { return false } else { return true } } }

    /// Compiles `text`; a placeholder that is unknown or badly formed is an `InputError` that
    /// says where it is (`line 2, column 7: ...`). `files` opens the files `{{csv}}` names.
    public init(_ text: String, environment: [String: String] = ProcessInfo.processInfo.environment,
                files: TemplateFiles = .local) throws {
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
                throw InputError("\(Self.position(of: open.lowerBound, in: text)): \"{{\" is not closed by \"}}\"", offset: offset(open.lowerBound))
            }
            do {
                let words = try TemplateWords.split(rest[open.upperBound..<close.lowerBound])
                parts.append(try Self.part(words, environment: environment, files: files))
            } catch let error as InputError {
                throw InputError("\(Self.position(of: open.lowerBound, in: text)): \(error.description)", offset: offset(open.lowerBound))
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

    /// `line L, column C` (1-based; columns in characters, as an editor counts them).
    static func position(of index: String.Index, in text: String) -> String {
        let before = text[..<index]
        let line = before.reduce(1) { $1 == "\n" ? $0 + 1 : $0 }
        let lineStart = before.lastIndex(of: "\n").map { text.index(after: $0) } ?? text.startIndex
        return "line \(line), column \(text[lineStart..<index].count + 1)"
    }

    public func expand(seq: Int, now: Date = Date()) throws -> String {
        var generator = SystemRandomNumberGenerator()
        return try expand(seq: seq, now: now, using: &generator)
    }

    /// Expands with the given randomness: a seeded generator makes every placeholder but the
    /// clock repeatable. Throws only when a `{{csv}}` file cannot be read any more.
    public func expand(seq: Int, now: Date, using generator: inout some RandomNumberGenerator) throws -> String {
        var out = ""
        for part in parts { out += try Self.expand(part, seq: seq, now: now, using: &generator) }
        return out
    }

    /// The expansion and, for each part, where it landed in it (UTF-8 bytes) and where it is in
    /// the template: `ExpansionMap.templateOffset` maps a position in the expansion back.
    public func expandMapped(seq: Int, now: Date, using generator: inout some RandomNumberGenerator) throws -> (text: String, map: ExpansionMap) {
        var out = ""
        var spans: [ExpansionMap.Span] = []
        for (part, source) in zip(parts, sources) {
            let start = out.utf8.count
            out += try Self.expand(part, seq: seq, now: now, using: &generator)
            let isText = if case .text = part { true } else { false }
            spans.append(ExpansionMap.Span(expanded: start..<out.utf8.count, template: source, isText: isText))
        }
        return (out, ExpansionMap(spans: spans, templateLength: sources.last?.upperBound ?? 0))
    }

    static func expand(_ part: Part, seq: Int, now: Date, using generator: inout some RandomNumberGenerator) throws -> String {
        switch part {
        case .text(let text): return text
        case .uuid: return uuid(using: &generator)
        case .now(let offset): return iso8601(now.addingTimeInterval(Double(offset) / 1000))
        case .nowMilliseconds(let offset): return String(Int64(now.timeIntervalSince1970 * 1000) + offset)
        case .seq: return String(seq)
        case .seqFrom(let first): return String(first &+ (seq - 1))
        case .randomInt(let low, let high): return String(Int.random(in: low...high, using: &generator))
        case .randomFloat(let low, let high, let decimals):
            return String(format: "%.\(decimals)f", Double.random(in: low...high, using: &generator))
        case .randomString(let length): return randomString(length: length, using: &generator)
        case .choice(let choice): return choice.pick(using: &generator)
        case .csv(let column): return try column.value(forRecord: seq)
        case .environment(let value): return value
        }
    }

    /// A version 4 UUID from the generator's bits, lower case (written by hand: Foundation's
    /// `uuidString` formats with printf, which cost more than the rest of a record).
    static func uuid(using generator: inout some RandomNumberGenerator) -> String {
        let high: UInt64 = (generator.next() & 0xFFFF_FFFF_FFFF_0FFF) | 0x0000_0000_0000_4000
        let low: UInt64 = (generator.next() & 0x3FFF_FFFF_FFFF_FFFF) | 0x8000_0000_0000_0000
        let hex: StaticString = "0123456789abcdef"
        return String(unsafeUninitializedCapacity: 36) { buffer in
            var at = 0
            func put(_ value: UInt64, digits: Int) {
                for shift in stride(from: (digits - 1) * 4, through: 0, by: -4) {
                    buffer[at] = hex.utf8Start[Int((value >> UInt64(shift)) & 0xF)]
                    at += 1
                }
            }
            func dash() {
                buffer[at] = UInt8(ascii: "-")
                at += 1
            }
            put(high >> 32, digits: 8); dash()
            put((high >> 16) & 0xFFFF, digits: 4); dash()
            put(high & 0xFFFF, digits: 4); dash()
            put(low >> 48, digits: 4); dash()
            put(low & 0xFFFF_FFFF_FFFF, digits: 12)
            return at
        }
    }

    static let alphanumerics = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")

    static func randomString(length: Int, using generator: inout some RandomNumberGenerator) -> String {
        var out = ""
        out.reserveCapacity(length)
        for _ in 0..<length { out.append(alphanumerics[Int.random(in: 0..<alphanumerics.count, using: &generator)]) }
        return out
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
