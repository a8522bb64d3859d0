/// A key as the terminal can send it (no chords a terminal cannot encode).
public enum Key: Hashable, Sendable {
    case char(Character)
    case ctrl(Character)  // lowercase letter
    case enter, escape, tab, backTab, backspace, delete
    case up, down, left, right, pageUp, pageDown, home, end
    case function(Int)

    /// How the help overlay and the footer name the key.
    public var label: String {
        switch self {
        case .char(" "): return "Space"
        case .char(let c): return String(c)
        case .ctrl(let c): return "Ctrl-" + String(c).uppercased()
        case .enter: return "Enter"
        case .escape: return "Esc"
        case .tab: return "Tab"
        case .backTab: return "S-Tab"
        case .backspace: return "BS"
        case .delete: return "Del"
        case .up: return "↑"
        case .down: return "↓"
        case .left: return "←"
        case .right: return "→"
        case .pageUp: return "PgUp"
        case .pageDown: return "PgDn"
        case .home: return "Home"
        case .end: return "End"
        case .function(let n): return "F\(n)"
        }
    }

    /// Keys for a string typed as-is (tests, scripted demos). `\n` is Enter.
    public static func typing(_ s: String) -> [Key] { s.map { $0 == "\n" ? .enter : .char($0) } }
}
