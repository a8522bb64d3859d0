import CNCurses
import Foundation
import Synchronization

/// The only place that calls curses. One dedicated thread owns the terminal: it reads keys with
/// get_wch (short timeout) and, between reads, copies the latest grid to the screen. Keys and
/// resizes go out as messages; frames come in through a one-slot mailbox (newest wins).
final class NCursesBackend: TerminalBackend, @unchecked Sendable {
    private struct Mailbox {
        var frame: Grid?
        var clipboard: [String] = []
        var stopRequested = false
    }
    private let mailbox = Mutex(Mailbox())
    private let stopped = DispatchSemaphore(value: 0)
    private let started = DispatchSemaphore(value: 0)
    private var startError: String?
    private let theme: Theme
    private let monochromeRequested: Bool
    private var post: @Sendable (Msg) -> Void = { _ in }
    /// Only touched on the terminal thread.
    private var decoder = InputDecoder(pasteBegin: CNCurses_KEY_PASTE_BEGIN(), pasteEnd: CNCurses_KEY_PASTE_END())

    struct StartFailure: Error, CustomStringConvertible { var description: String }

    init(theme: Theme, monochrome: Bool) {
        self.theme = theme
        monochromeRequested = monochrome
    }

    /// Starts the terminal thread; throws when the terminal cannot be set up.
    func start(post: @escaping @Sendable (Msg) -> Void) throws {
        self.post = post
        let thread = Thread { [self] in self.threadMain() }
        thread.name = "ingest-tui-terminal"
        thread.start()
        started.wait()
        if let e = startError {
            stopped.wait()
            throw StartFailure(description: e)
        }
    }

    func present(_ grid: Grid) {
        mailbox.withLock { $0.frame = grid }
    }

    /// OSC 52: asks the terminal (and tmux with set-clipboard on) to put text on the clipboard.
    func copyToClipboard(_ text: String) {
        mailbox.withLock { $0.clipboard.append(text) }
    }

    /// Restores the terminal and waits for the thread to end.
    func stop() {
        mailbox.withLock { $0.stopRequested = true }
        stopped.wait()
    }

    // MARK: terminal thread

    private var attrs: [Role: attr_t] = [:]

    private func threadMain() {
        setlocale(LC_ALL, "")
        guard CNCurses_newterm() != nil else {
            startError = "cannot start the console: unknown terminal type (TERM=\(ProcessInfo.processInfo.environment["TERM"] ?? ""))"
            started.signal()
            stopped.signal()
            return
        }
        let screen = CNCurses_stdscr()
        raw()
        noecho()
        nonl()
        keypad(screen, true)
        CNCurses_set_escdelay(25)
        CNCurses_define_paste_keys()
        curs_set(0)
        setUpColours()
        // Ask the terminal to mark pastes, so pasted text is never read as keystrokes.
        writeTerminal(Self.bracketedPasteOn)
        started.signal()
        post(.resize(width: Int(CNCurses_getmaxx(screen)), height: Int(CNCurses_getmaxy(screen))))

        while true {
            let (stop, frame, clips) = mailbox.withLock { box in
                defer {
                    box.frame = nil
                    box.clipboard = []
                }
                return (box.stopRequested, box.frame, box.clipboard)
            }
            if stop { break }
            if let frame { draw(frame) }
            for c in clips { writeOSC52(c) }
            readKey(screen)
        }
        curs_set(1)
        endwin()
        writeTerminal(Self.bracketedPasteOff)
        stopped.signal()
    }

    private func readKey(_ screen: UnsafeMutablePointer<WINDOW>?) {
        wtimeout(screen, 15)
        var ch: wint_t = 0
        let r = CNCurses_get_wch(screen, &ch)
        if r == OK {
            if let m = decoder.character(UInt32(ch)) { post(m) }
        } else if r == CNCurses_KEY_CODE_YES() {
            if Int32(ch) == KEY_RESIZE {
                post(.resize(width: Int(CNCurses_getmaxx(screen)), height: Int(CNCurses_getmaxy(screen))))
            } else if let m = decoder.code(Int32(ch), key: Self.key(code:)) {
                post(m)
            }
        }
    }

    static func key(char c: UInt32) -> Key? {
        switch c {
        case 10, 13: return .enter
        case 27: return .escape
        case 9: return .tab
        case 8, 127: return .backspace
        case 1...26: return .ctrl(Character(Unicode.Scalar(c + 96)!))
        case 0..<32: return nil
        default:
            guard let u = Unicode.Scalar(c) else { return nil }
            return .char(Character(u))
        }
    }

    static func key(code: Int32) -> Key? {
        switch code {
        case KEY_UP: return .up
        case KEY_DOWN: return .down
        case KEY_LEFT: return .left
        case KEY_RIGHT: return .right
        case KEY_PPAGE: return .pageUp
        case KEY_NPAGE: return .pageDown
        case KEY_HOME: return .home
        case KEY_END: return .end
        case KEY_BACKSPACE: return .backspace
        case KEY_DC: return .delete
        case KEY_BTAB: return .backTab
        case KEY_ENTER: return .enter
        default:
            for n in 1...12 where code == CNCurses_KEY_F(Int32(n)) { return .function(n) }
            return nil
        }
    }

    private func setUpColours() {
        let useColour = !monochromeRequested && has_colors()
        if useColour {
            start_color()
            use_default_colors()
        }
        let colours = Int(CNCurses_COLORS())
        for (i, role) in Role.allCases.enumerated() {
            let style = theme.effectiveStyle(role, colour: useColour)
            var a: attr_t = CNCurses_A_NORMAL()
            if style.bold { a |= CNCurses_A_BOLD() }
            if style.underline { a |= CNCurses_A_UNDERLINE() }
            if style.reverse { a |= CNCurses_A_REVERSE() }
            if style.dim { a |= CNCurses_A_DIM() }
            if useColour {
                let pair = Int16(i + 1)
                var (fg, boldFG) = Self.colour(style.fg, available: colours)
                let (bg, _) = Self.colour(style.bg, available: colours)
                if fg == bg, fg >= 0 { fg = fg == 0 ? 7 : 0 }  // never invisible text
                init_pair(pair, fg, bg)
                a |= CNCurses_COLOR_PAIR(Int32(pair))
                if boldFG { a |= CNCurses_A_BOLD() }
            }
            attrs[role] = a
        }
    }

    /// A theme colour as the terminal can show it; bright colours become bold on 8-colour terminals.
    static func colour(_ c: ThemeColor, available: Int) -> (Int16, Bool) {
        switch c {
        case .terminalDefault: return (-1, false)
        case .index(let i):
            if i < available { return (Int16(i), false) }
            if i < 16 { return (Int16(i - 8), true) }
            if i >= 232 { return (i < 244 ? 0 : 7, false) }  // greys
            // 6x6x6 cube to the nearest basic colour.
            let v = i - 16
            let r = v / 36 >= 3 ? 1 : 0, g = (v / 6) % 6 >= 3 ? 1 : 0, b = v % 6 >= 3 ? 1 : 0
            return (Int16(r + g * 2 + b * 4), false)
        }
    }

    private func draw(_ grid: Grid) {
        let screen = CNCurses_stdscr()
        let rows = Int(CNCurses_getmaxy(screen))
        let cols = Int(CNCurses_getmaxx(screen))
        // A frame for another size is stale; the resize message brings a new one.
        guard grid.width == cols, grid.height == rows else { return }
        werase(screen)
        for y in 0..<grid.height {
            for run in grid.runs(row: y) {
                _ = CNCurses_attrset(attrs[run.role] ?? CNCurses_A_NORMAL())
                _ = CNCurses_mvaddstr(Int32(y), Int32(run.x), run.text)
            }
        }
        _ = CNCurses_attrset(CNCurses_A_NORMAL())
        wrefresh(screen)
    }

    static let bracketedPasteOn = "\u{1B}[?2004h"
    static let bracketedPasteOff = "\u{1B}[?2004l"

    private func writeTerminal(_ sequence: String) {
        CNCurses_write_now(sequence)
    }

    private func writeOSC52(_ text: String) {
        let seq = "\u{1B}]52;c;" + Data(text.utf8).base64EncodedString() + "\u{07}"
        FileHandle.standardOutput.write(Data(seq.utf8))
    }
}
