import Foundation

/// Something that yields records one at a time (a file, a repeated template, a list).
public protocol RecordSource: AnyObject {
    func next() throws -> EventRecord?
}

/// A fixed list (re-sends, tests).
public final class ListSource: RecordSource {
    private var records: [EventRecord]
    private var index = 0
    public init(_ records: [EventRecord]) { self.records = records }
    public func next() throws -> EventRecord? {
        guard index < records.count else { return nil }
        defer { index += 1 }
        return records[index]
    }
}
