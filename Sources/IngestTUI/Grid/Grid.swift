/// One terminal cell. A wide character takes its cell and the next, which is a continuation.
public struct Cell: Equatable, Sendable {
    public var character: Character
    public var role: Role
    public var isContinuation: Bool

    public static let blank = Cell(character: " ", role: .text, isContinuation: false)
}

/// The screen as values: views draw into it, tests read it as text, the backend copies it to curses.
public struct Grid: Equatable, Sendable {
    public let width: Int
    public let height: Int
    public private(set) var cells: [Cell]

    public init(width: Int, height: Int) {
        self.width = max(0, width)
        self.height = max(0, height)
        cells = Array(repeating: .blank, count: self.width * self.height)
    }

    public subscript(x: Int, y: Int) -> Cell {
        cells[y * width + x]
    }

    private mutating func set(_ x: Int, _ y: Int, _ cell: Cell) {
        let i = y * width + x
        // Overwriting half of a wide character blanks the other half.
        if cells[i].isContinuation, x > 0 {
            cells[i - 1] = Cell(character: " ", role: cells[i - 1].role, isContinuation: false)
        }
        if !cells[i].isContinuation, x + 1 < width, cells[i + 1].isContinuation, !cell.isContinuation {
            cells[i + 1] = Cell(character: " ", role: cells[i + 1].role, isContinuation: false)
        }
        cells[i] = cell
    }

    /// Draws `text` from (x, y), clipped at `maxWidth` columns and at the grid's edge.
    /// Control characters are shown as `·`. Returns the columns used.
    @discardableResult
    public mutating func put(_ text: String, x: Int, y: Int, role: Role = .text, maxWidth: Int? = nil) -> Int {
        guard y >= 0, y < height, x < width else { return 0 }
        let limit = min(width, maxWidth.map { x + max(0, $0) } ?? width)
        var col = x
        for var ch in text {
            var w = CellWidth.of(ch)
            if w == 0 {
                if ch.isNewline || ch == "\t" || ch.unicodeScalars.first.map({ $0.value < 0x20 || $0.value == 0x7F }) == true {
                    ch = "·"
                    w = 1
                } else {
                    continue  // zero-width mark on its own: nothing to show
                }
            }
            if col + w > limit {
                if w == 2, col < limit, col >= 0 { set(col, y, Cell(character: " ", role: role, isContinuation: false)); col += 1 }
                break
            }
            if col >= 0 {
                set(col, y, Cell(character: ch, role: role, isContinuation: false))
                if w == 2 { set(col + 1, y, Cell(character: " ", role: role, isContinuation: true)) }
            }
            col += w
        }
        return col - x
    }

    /// Fills a rectangle with spaces of a role.
    public mutating func fill(x: Int = 0, y: Int, width w: Int? = nil, height h: Int = 1, role: Role) {
        let x0 = max(0, x)
        let x1 = min(width, x + (w ?? width - x))
        let y0 = max(0, y)
        let y1 = min(height, y + h)
        guard x0 < x1, y0 < y1 else { return }
        for yy in y0..<y1 {
            for xx in x0..<x1 { set(xx, yy, Cell(character: " ", role: role, isContinuation: false)) }
        }
    }

    /// Changes the role of existing cells (a selection bar, say) without changing the text.
    public mutating func paint(x: Int = 0, y: Int, width w: Int? = nil, role: Role) {
        guard y >= 0, y < height else { return }
        let x0 = max(0, x)
        let x1 = min(width, x + (w ?? width - x))
        guard x0 < x1 else { return }
        for xx in x0..<x1 { cells[y * width + xx].role = role }
    }

    /// A box outline with an optional title.
    public mutating func box(x: Int, y: Int, width w: Int, height h: Int, title: String? = nil, role: Role = .border) {
        guard w >= 2, h >= 2 else { return }
        put("┌" + String(repeating: "─", count: w - 2) + "┐", x: x, y: y, role: role)
        for yy in (y + 1)..<(y + h - 1) {
            put("│", x: x, y: yy, role: role)
            put("│", x: x + w - 1, y: yy, role: role)
        }
        put("└" + String(repeating: "─", count: w - 2) + "┘", x: x, y: y + h - 1, role: role)
        if let title, w > 6 { put(" \(title) ", x: x + 2, y: y, role: .title, maxWidth: w - 4) }
    }

    /// The row as text, continuation cells left out.
    public func line(_ y: Int) -> String {
        var s = ""
        for x in 0..<width where !self[x, y].isContinuation { s.append(self[x, y].character) }
        return s
    }

    /// All rows as text with trailing spaces trimmed: what golden files hold.
    public func textLines() -> [String] {
        (0..<height).map { y in
            var s = line(y)
            while s.last == " " { s.removeLast() }
            return s
        }
    }

    /// Runs of cells with one role on a row, for the backend: (column, text, role).
    public func runs(row y: Int) -> [(x: Int, text: String, role: Role)] {
        var out: [(x: Int, text: String, role: Role)] = []
        var start = 0
        var text = ""
        var role: Role? = nil
        for x in 0..<width {
            let c = self[x, y]
            if c.isContinuation { continue }
            if c.role != role {
                if let r = role { out.append((start, text, r)) }
                start = x
                text = ""
                role = c.role
            }
            text.append(c.character)
        }
        if let r = role { out.append((start, text, r)) }
        return out
    }
}
