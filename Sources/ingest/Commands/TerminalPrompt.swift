import Foundation

/// Masked input from the controlling terminal.
enum TerminalPrompt {
    static var available: Bool { isatty(STDIN_FILENO) == 1 && isatty(STDERR_FILENO) == 1 }

    /// Asks for `prompt` secrets at the terminal, when there is one.
    static var secretPrompt: (@Sendable (String) -> String?)? {
        available ? { @Sendable what in askSecret(what) } : nil
    }

    static func askSecret(_ what: String) -> String? {
        Output.error("Enter \(what) (input hidden): ")
        var settings = termios()
        tcgetattr(STDIN_FILENO, &settings)
        var hidden = settings
        hidden.c_lflag &= ~tcflag_t(ECHO)
        tcsetattr(STDIN_FILENO, TCSANOW, &hidden)
        defer {
            tcsetattr(STDIN_FILENO, TCSANOW, &settings)
            Output.error("")
        }
        return readLine(strippingNewline: true)
    }

    static func ask(_ question: String) -> String? {
        Output.error(question)
        return readLine(strippingNewline: true)
    }
}
