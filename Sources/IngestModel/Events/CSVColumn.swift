import Synchronization

/// `{{csv FILE COLUMN}}`: one column of a CSV file with a header row, record n taking data row
/// n (1-based), starting over after the last row. The file is streamed: read forward as
/// records go, and from the start again when it wraps, so its size does not matter.
public final class CSVColumn: Sendable, Equatable {
    public let path: String
    public let column: String

    private struct Cursor {
        var lines: any LineSource
        /// The data row last read (0-based) and its value.
        var index = -1
        var value = ""
        /// Known once the end was reached.
        var rowCount: Int?
        var columnIndex = 0
    }

    /// The file's reader is used only under this lock.
    private let cursor: Mutex<Cursor>

    init(path: String, column: String, files: TemplateFiles) throws {
        self.path = path
        self.column = column
        var cursor = Cursor(lines: try files.open(path))
        guard let header = try Self.row(from: cursor.lines, path: path) else {
            throw InputError("{{csv \(path) \(column)}}: the file is empty; it needs a header row and at least one row")
        }
        if let found = header.firstIndex(of: column) {
            cursor.columnIndex = found
        } else if let number = Int(column), (1...header.count).contains(number) {
            cursor.columnIndex = number - 1
        } else {
            throw InputError("{{csv \(path) \(column)}}: no column \(column); the header has \(header.map { "\"\($0)\"" }.joined(separator: ", ")) (or give a number from 1 to \(header.count))")
        }
        self.cursor = Mutex(cursor)
        // Fail now, before anything is sent, when there is no data row.
        _ = try value(forRecord: 1)
    }

    public static func == (lhs: CSVColumn, rhs: CSVColumn) -> Bool {
        lhs.path == rhs.path && lhs.column == rhs.column
    }

    /// The value for record `seq`: the next row when records go in order; otherwise the file
    /// is read again from the start (a preview of record 1 after a send).
    func value(forRecord seq: Int) throws -> String {
        try cursor.withLock { cursor in
            var target = max(0, seq - 1)
            if let rowCount = cursor.rowCount { target %= rowCount }
            if target == cursor.index { return cursor.value }
            if target < cursor.index { try restart(&cursor) }
            while cursor.index < target {
                guard let row = try Self.row(from: cursor.lines, path: path) else {
                    // The end: now the row count is known, so wrap around.
                    guard cursor.index >= 0 else {
                        throw InputError("{{csv \(path) \(column)}}: the file has a header row but no data rows")
                    }
                    cursor.rowCount = cursor.index + 1
                    target %= cursor.index + 1
                    try restart(&cursor)
                    continue
                }
                cursor.index += 1
                cursor.value = cursor.columnIndex < row.count ? row[cursor.columnIndex] : ""
            }
            return cursor.value
        }
    }

    private func restart(_ cursor: inout Cursor) throws {
        try cursor.lines.rewind()
        _ = try Self.row(from: cursor.lines, path: path)
        cursor.index = -1
    }

    /// The next row's fields (RFC 4180: commas, "quoted" fields with "" for a quote, quoted
    /// line breaks); blank lines are skipped.
    static func row(from lines: any LineSource, path: String) throws -> [String]? {
        var line: String
        repeat {
            guard let next = try lines.nextLine() else { return nil }
            line = next
        } while line.isEmpty
        var fields: [String] = []
        var field = ""
        var quoted = false
        var joinedLines = 0
        while true {
            var characters = line.makeIterator()
            while let character = characters.next() {
                if quoted {
                    if character == "\"" {
                        // "" inside quotes is a quote; a lone " ends the quoted part.
                        var lookahead = characters
                        if lookahead.next() == "\"" {
                            field.append("\"")
                            characters = lookahead
                        } else {
                            quoted = false
                        }
                    } else {
                        field.append(character)
                    }
                } else if character == "," {
                    fields.append(field)
                    field = ""
                } else if character == "\"" && field.isEmpty {
                    quoted = true
                } else {
                    field.append(character)
                }
            }
            guard quoted else { break }
            joinedLines += 1
            guard joinedLines < 1000, let next = try lines.nextLine() else {
                throw InputError("\(path): a quoted field is not closed")
            }
            field.append("\n")
            line = next
        }
        fields.append(field)
        return fields
    }
}
