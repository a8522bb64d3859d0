/// Turns what the terminal reads (characters and curses key codes) into messages: keys, and a
/// bracketed paste (between the `ESC [200~` and `ESC [201~` markers) as one `.paste`, so
/// pasted text can never be taken for commands. A paste is kept up to `maximumPaste`
/// characters (the rest is dropped; the update refuses anything over a record's size anyway).
struct InputDecoder {
    /// Codes the backend gives the paste markers (`define_key`).
    let pasteBegin: Int32
    let pasteEnd: Int32
    var maximumPaste = 2 * 1_048_576

    private var paste: String? = nil
    private var pasted = 0

    init(pasteBegin: Int32, pasteEnd: Int32) {
        self.pasteBegin = pasteBegin
        self.pasteEnd = pasteEnd
    }

    var inPaste: Bool { paste != nil }

    /// A character read (get_wch returned OK).
    mutating func character(_ c: UInt32) -> Msg? {
        guard paste != nil else { return NCursesBackend.key(char: c).map(Msg.key) }
        guard pasted < maximumPaste, let scalar = Unicode.Scalar(c) else { return nil }
        pasted += 1
        paste!.unicodeScalars.append(scalar)  // line ends are unified by the update
        return nil
    }

    /// A key code read (get_wch returned KEY_CODE_YES); `key` maps the ones curses knows.
    mutating func code(_ c: Int32, key: (Int32) -> Key?) -> Msg? {
        if c == pasteBegin {
            paste = ""
            pasted = 0
            return nil
        }
        if c == pasteEnd {
            defer { paste = nil }
            return paste.map(Msg.paste)
        }
        // Inside a paste, keys curses decoded from pasted escape sequences are dropped.
        guard paste == nil else { return nil }
        return key(c).map(Msg.key)
    }
}
