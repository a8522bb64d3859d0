/// An editable text: lines of characters and a cursor. Single-line fields refuse newlines.
public struct TextBuffer: Equatable, Sendable {
    public private(set) var lines: [[Character]]
    public private(set) var row: Int = 0
    public private(set) var column: Int = 0
    public let multiline: Bool

    public init(_ text: String = "", multiline: Bool = false) {
        self.multiline = multiline
        if multiline {
            lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { Array($0) }
        } else {
            lines = [Array(text.filter { !$0.isNewline })]
        }
        if lines.isEmpty { lines = [[]] }
        row = lines.count - 1
        column = lines[row].count
    }

    public var text: String { lines.map { String($0) }.joined(separator: "\n") }
    public var isEmpty: Bool { lines.count == 1 && lines[0].isEmpty }

    public mutating func insert(_ ch: Character) {
        if ch.isNewline {
            guard multiline else { return }
            let rest = Array(lines[row][column...])
            lines[row].removeSubrange(column...)
            lines.insert(rest, at: row + 1)
            row += 1
            column = 0
            return
        }
        lines[row].insert(ch, at: column)
        column += 1
    }

    public mutating func insert(_ s: String) { for ch in s { insert(ch) } }

    public mutating func backspace() {
        if column > 0 {
            lines[row].remove(at: column - 1)
            column -= 1
        } else if row > 0 {
            let tail = lines.remove(at: row)
            row -= 1
            column = lines[row].count
            lines[row].append(contentsOf: tail)
        }
    }

    public mutating func deleteForward() {
        if column < lines[row].count {
            lines[row].remove(at: column)
        } else if row + 1 < lines.count {
            let next = lines.remove(at: row + 1)
            lines[row].append(contentsOf: next)
        }
    }

    public mutating func left() {
        if column > 0 { column -= 1 } else if row > 0 { row -= 1; column = lines[row].count }
    }

    public mutating func right() {
        if column < lines[row].count { column += 1 } else if row + 1 < lines.count { row += 1; column = 0 }
    }

    public mutating func up() {
        guard row > 0 else { return }
        row -= 1
        column = min(column, lines[row].count)
    }

    public mutating func down() {
        guard row + 1 < lines.count else { return }
        row += 1
        column = min(column, lines[row].count)
    }

    public mutating func home() { column = 0 }
    public mutating func end() { column = lines[row].count }

    /// Ctrl-U: deletes from the start of the line to the cursor.
    public mutating func deleteToLineStart() {
        lines[row].removeSubrange(0..<column)
        column = 0
    }

    /// Ctrl-K: deletes from the cursor to the end of the line.
    public mutating func deleteToLineEnd() {
        lines[row].removeSubrange(column...)
    }

    /// Ctrl-W: deletes the word before the cursor and the spaces after it, as shells do.
    public mutating func deleteWordBackward() {
        guard column > 0 else {
            backspace()
            return
        }
        var start = column
        while start > 0, lines[row][start - 1].isWhitespace { start -= 1 }
        while start > 0, !lines[row][start - 1].isWhitespace { start -= 1 }
        lines[row].removeSubrange(start..<column)
        column = start
    }

    public mutating func setText(_ s: String) { self = TextBuffer(s, multiline: multiline) }
}
