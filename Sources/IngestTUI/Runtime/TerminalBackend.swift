/// What the console's loop needs from a terminal: show frames, copy text, and report keys
/// and resizes as messages. `NCursesBackend` is the real one; tests use a grid in memory.
public protocol TerminalBackend: AnyObject, Sendable {
    /// Takes over the terminal; `post` receives keys and resizes from now on.
    func start(post: @escaping @Sendable (Msg) -> Void) throws
    /// Shows `grid` (the newest frame wins when frames come faster than the terminal).
    func present(_ grid: Grid)
    /// Puts text on the clipboard as far as the terminal allows.
    func copyToClipboard(_ text: String)
    /// Gives the terminal back as it was.
    func stop()
}
