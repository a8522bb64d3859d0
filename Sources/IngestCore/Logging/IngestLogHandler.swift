import Foundation
import Logging
import Synchronization

/// Debug logging for operators: one line per event, `time level label: message key=value`,
/// to stderr or appended to a file. Every line goes through `SecretScrubber`, so a secret
/// that reaches a log statement by mistake is still masked.
public struct IngestLogHandler: LogHandler {
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    private let label: String
    private let sink: Sink

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    init(label: String, level: Logger.Level, sink: Sink) {
        self.label = label
        self.logLevel = level
        self.sink = sink
    }

    public func log(event: LogEvent) {
        var all = metadata
        if let explicit = event.metadata { all.merge(explicit) { $1 } }
        var text = "\(Self.clock.timestamp()) \(event.level) \(label): \(event.message)"
        if let error = event.error { text += " error=\(error)" }
        for key in all.keys.sorted() { text += " \(key)=\(all[key]!)" }
        sink.write(SecretScrubber.scrub(text) + "\n")
    }

    /// The journal's ISO-8601 format, formatted once per millisecond.
    static let clock = TimestampClock()

    /// Where lines go; one lock so lines from many threads never interleave.
    final class Sink: Sendable {
        private let fd: Int32
        private let lock = Mutex(())

        init(fd: Int32) { self.fd = fd }

        func write(_ line: String) {
            lock.withLock { _ in writeAll(fd, Array(line.utf8)) }
        }
    }
}

/// Sets up logging once per process, from `--log-level` / `--log-file` or
/// `INGEST_LOG_LEVEL` / `INGEST_LOG_FILE`.
public enum IngestLogging {
    public struct SetupError: Error, CustomStringConvertible {
        public let description: String
        init(_ description: String) { self.description = description }
    }

    public struct Settings: Equatable, Sendable {
        public var level: Logger.Level = .warning
        public var file: String?
        public init(level: Logger.Level = .warning, file: String? = nil) {
            self.level = level
            self.file = file
        }
    }

    /// Takes the logging options out of `arguments` (they may stand anywhere, before or after
    /// the subcommand) and reads the environment; the rest of the arguments are returned.
    public static func settings(arguments: [String], environment: [String: String]) throws -> (Settings, [String]) {
        var settings = Settings()
        if let level = environment["INGEST_LOG_LEVEL"], !level.isEmpty { settings.level = try parseLevel(level, from: "INGEST_LOG_LEVEL") }
        if let file = environment["INGEST_LOG_FILE"], !file.isEmpty { settings.file = file }
        var rest: [String] = []
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            let (name, inline) = argument.hasPrefix("--") && argument.contains("=")
                ? (String(argument[..<argument.firstIndex(of: "=")!]), String(argument[argument.index(after: argument.firstIndex(of: "=")!)...]))
                : (argument, nil)
            if argument == "--" {
                rest += arguments[index...]
                break
            }
            if name == "--log-level" || name == "--log-file" {
                let value: String
                if let inline {
                    value = inline
                } else {
                    guard index + 1 < arguments.count else { throw SetupError("\(name) needs a value") }
                    value = arguments[index + 1]
                    index += 1
                }
                if name == "--log-level" { settings.level = try parseLevel(value, from: name) } else { settings.file = value }
            } else {
                rest.append(argument)
            }
            index += 1
        }
        return (settings, rest)
    }

    static func parseLevel(_ text: String, from source: String) throws -> Logger.Level {
        guard let level = Logger.Level(rawValue: text.lowercased()) else {
            throw SetupError("\(source) expects one of \(Logger.Level.allCases.map(\.rawValue).joined(separator: ", ")), not '\(text)'")
        }
        return level
    }

    /// Installs the handler; throws when the log file cannot be opened.
    public static func bootstrap(_ settings: Settings) throws {
        let fd: Int32
        if let file = settings.file {
            fd = open(file, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
            guard fd >= 0 else {
                throw SetupError("cannot open the log file \(file): \(String(cString: strerror(errno))); check the path of --log-file")
            }
        } else {
            fd = STDERR_FILENO
        }
        let sink = IngestLogHandler.Sink(fd: fd)
        LoggingSystem.bootstrap { label in IngestLogHandler(label: label, level: settings.level, sink: sink) }
    }
}
