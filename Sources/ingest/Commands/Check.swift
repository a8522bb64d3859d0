import ArgumentParser
import Foundation
import IngestCore

/// Reads a file of events the way `send` would, without sending: count, size and the first
/// records, or the first error with its line and column.
struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Check a file of events without sending it: count, first records, first error.")

    @Option(help: "Events file.") var file: String
    @Option(help: "File format: auto | jsonl | array | lines") var format: EventFileReader.Format = .auto
    @Option(name: .customLong("type"), help: "Value type: json | string | binary") var valueType: ValueTypeOption = .json
    @Option(help: "How many records to show.") var show = 3

    func run() throws {
        let started = Date()
        do {
            let reader = try EventFileReader(path: file, format: format, valueType: valueType.type)
            var count = 0
            var bytes = 0
            while let record = try reader.next() {
                count += 1
                bytes += record.approximateSize
                try RecordLimits.check(record, seq: count)
                if count <= show { Output.out("record \(count): \(String(decoding: RecordEncoding.produceRequest(record).prefix(200), as: UTF8.self))") }
            }
            let seconds = Date().timeIntervalSince(started)
            Output.out("\(count) records, \(bytes) bytes of keys and values, all valid (\(String(format: "%.1f", seconds)) s)")
        } catch let error as InputError {
            Output.error("ingest: \(error.description)")
            throw ExitCode(Exit.usage)
        }
    }
}
