import Foundation

/// A record as an operator writes it (`--data`/`--key`/`--header`, the console's Compose):
/// the value, the key and header values are templates, expanded per record.
public struct EventTemplate: Sendable, Equatable {
    public var valueType: ValueType
    public var value: String
    public var key: String?
    public var headers: [HeaderTemplate]
    public var partition: Int?
    /// Makes every placeholder but the clock repeatable: record n is the same in every run.
    public var seed: UInt64?

    public init(valueType: ValueType = .json, value: String, key: String? = nil, headers: [HeaderTemplate] = [], partition: Int? = nil,
                seed: UInt64? = nil) {
        self.valueType = valueType
        self.value = value
        self.key = key
        self.headers = headers
        self.partition = partition
        self.seed = seed
    }
}

public struct HeaderTemplate: Sendable, Equatable {
    public var name: String
    public var value: String

    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }

    /// `NAME=VALUE`, as `--header` takes it.
    public init(parsing text: String) throws {
        guard let equals = text.firstIndex(of: "="), equals != text.startIndex else {
            throw InputError("--header expects NAME=VALUE, got \"\(text)\"")
        }
        self.init(name: String(text[..<equals]), value: String(text[text.index(after: equals)...]))
    }
}

/// What checking a template found: nothing, or where the first problem is.
public enum TemplateCheck: Sendable, Equatable {
    case ok
    /// 1-based line and column in the value's text.
    case invalid(line: Int, column: Int, message: String)
}

extension EventTemplate {
    /// Checks the template as record `seq` would be built: JSON errors with their line and
    /// column in the template as typed (an error inside an expanded placeholder points at the
    /// placeholder), so they match what the operator sees in the editor.
    public func check(seq: Int = 1, environment: [String: String] = ProcessInfo.processInfo.environment) -> TemplateCheck {
        let template: Template
        do {
            template = try Template(value, environment: environment)
        } catch let error as InputError {
            let (line, column) = Self.position(error.offset ?? 0, in: value)
            // The message says where too (for the CLI); the console shows line:column itself.
            let message = error.description.hasPrefix("line \(line), column \(column): ")
                ? String(error.description.dropFirst("line \(line), column \(column): ".count)) : error.description
            return .invalid(line: line, column: column, message: message)
        } catch {
            return .invalid(line: 1, column: 1, message: "\(error)")
        }
        do {
            if valueType == .json {
                var generator = SystemRandomNumberGenerator()
                let (expanded, map) = try template.expandMapped(seq: seq, now: Date(), using: &generator)
                do { try JSONValidator.validate(expanded) } catch {
                    let (line, column) = Self.position(map.templateOffset(error.offset), in: value)
                    return .invalid(line: line, column: column, message: error.message)
                }
            }
            _ = try TemplateSource(self, count: seq, environment: environment).record(seq: seq)
        } catch {
            return .invalid(line: 1, column: 1, message: "\(error)")
        }
        return .ok
    }

    /// 1-based line and column (in characters, as an editor counts) of a UTF-8 offset in `text`.
    static func position(_ offset: Int, in text: String) -> (line: Int, column: Int) {
        let bytes = Array(text.utf8)
        let end = min(max(0, offset), bytes.count)
        var line = 1
        var lineStart = 0
        for i in 0..<end where bytes[i] == 0x0A {
            line += 1
            lineStart = i + 1
        }
        return (line, String(decoding: bytes[lineStart..<end], as: UTF8.self).count + 1)
    }

    /// Record `seq` as the REST proxy's produce request (the console's preview), or why it cannot be built.
    public func preview(seq: Int = 1, environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let seed {
            var generator = TemplateSource.generator(seed: seed, seq: seq)
            return preview(seq: seq, now: Date(), using: &generator, environment: environment)
        }
        var generator = SystemRandomNumberGenerator()
        return preview(seq: seq, now: Date(), using: &generator, environment: environment)
    }

    /// The preview with the given clock and randomness (repeatable with a seeded generator).
    public func preview(seq: Int, now: Date, using generator: inout some RandomNumberGenerator,
                        environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        do {
            let record = try TemplateSource(self, count: seq, environment: environment).record(seq: seq, now: now, using: &generator)
            return String(decoding: RecordEncoding.produceRequest(record), as: UTF8.self)
        } catch {
            return "\(error)"
        }
    }
}

/// The same templated event, `count` times.
public final class TemplateSource: RecordSource {
    let template: Template
    let keyTemplate: Template?
    let valueType: ValueType
    let headers: [(name: String, value: Template)]
    let partition: Int?
    let count: Int
    let seed: UInt64?
    /// Without a seed, one drawn at random for this source: records differ from run to run, and
    /// the system's random source (a system call per value) is asked once, not per placeholder.
    private let unseeded = UInt64.random(in: .min ... .max)
    private var seq = 0

    public init(_ event: EventTemplate, count: Int = 1, environment: [String: String] = ProcessInfo.processInfo.environment,
                files: TemplateFiles = .local) throws {
        self.template = try Template(event.value, environment: environment, files: files)
        self.keyTemplate = try event.key.map { key in
            do { return try Template(key, environment: environment, files: files) } catch let error as InputError {
                throw InputError("key: \(error.description)")
            }
        }
        self.valueType = event.valueType
        self.headers = try event.headers.map { header in
            do { return (name: header.name, value: try Template(header.value, environment: environment, files: files)) } catch let error as InputError {
                throw InputError("header \(header.name): \(error.description)")
            }
        }
        self.partition = event.partition
        self.count = count
        self.seed = event.seed
        // Fail before sending anything if the first expansion is not valid.
        _ = try record(seq: 1)
    }

    /// Record `seq`'s own generator under `seed`: record n is the same whatever came before it.
    public static func generator(seed: UInt64, seq: Int) -> SeededRandom {
        var mixer = SeededRandom(seed: seed ^ (UInt64(truncatingIfNeeded: seq) &* 0xD1B5_4A32_D192_ED03))
        return SeededRandom(seed: mixer.next())
    }

    /// The record numbered `seq`, as it will be sent.
    public func record(seq: Int) throws -> EventRecord {
        var generator = Self.generator(seed: seed ?? unseeded, seq: seq)
        return try record(seq: seq, now: Date(), using: &generator)
    }

    public func record(seq: Int, now: Date, using generator: inout some RandomNumberGenerator) throws -> EventRecord {
        let value = try Payload.make(type: valueType, text: template.expand(seq: seq, now: now, using: &generator))
        let key = try keyTemplate.map { try Payload.make(type: .string, text: $0.expand(seq: seq, now: now, using: &generator)) }
        let headers = try headers.map { RecordHeader(name: $0.name, value: Array(try $0.value.expand(seq: seq, now: now, using: &generator).utf8)) }
        return EventRecord(key: key, value: value, headers: headers, partition: partition)
    }

    public func next() throws -> EventRecord? {
        guard seq < count else { return nil }
        seq += 1
        return try record(seq: seq)
    }
}
