/// Refuses what the TOML parser underneath TOMLKit (toml++) would abort on instead of
/// reporting: a key that starts with a character that is neither a bare-key character nor a
/// quote (after `[`, `[[`, `.`, `{` or `,` in an inline table), and headers with three brackets.
/// toml++ asserts there (`parse_key`) and the process dies; the fuzz tests found both. This
/// walks the text once, outside strings and comments, and names the line and column instead.
/// It is stricter than TOML in one way: a top-level line must start with a key, a header or a
/// comment (config files here never continue a value on a new line except inside brackets).
public enum TOMLPrecheck {
    public static func problem(in text: String) -> String? {
        let chars = Array(text.unicodeScalars)
        var i = 0
        var line = 1, lineStart = 0
        var stack: [Unicode.Scalar] = []   // "[" array value, "{" inline table
        enum Mode { case lineStart, key, value, afterHeader }
        var mode = Mode.lineStart
        var expectingKey = false
        var inHeader = false

        func where_() -> String { "line \(line), column \(i - lineStart + 1)" }
        func isBare(_ c: Unicode.Scalar) -> Bool {
            (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || (c >= "0" && c <= "9") || c == "_" || c == "-"
        }
        /// Skips a string starting at i (quote at chars[i]); returns false when it never ends.
        func skipString() -> Bool {
            let quote = chars[i]
            let triple = i + 2 < chars.count && chars[i + 1] == quote && chars[i + 2] == quote
            i += triple ? 3 : 1
            while i < chars.count {
                let c = chars[i]
                if c == "\n" {
                    if !triple { return false }
                    line += 1
                    lineStart = i + 1
                }
                if quote == "\"" && c == "\\" { i += 2; continue }
                if c == quote {
                    if !triple { i += 1; return true }
                    if i + 2 < chars.count && chars[i + 1] == quote && chars[i + 2] == quote { i += 3; return true }
                }
                i += 1
            }
            return false
        }

        while i < chars.count {
            let c = chars[i]
            if c == "\n" {
                if stack.isEmpty && (mode == .key || inHeader || expectingKey) { return "\(where_()): the line ends inside a key" }
                line += 1
                lineStart = i + 1
                i += 1
                if stack.isEmpty { mode = .lineStart }
                continue
            }
            if c == "\r" {
                guard i + 1 < chars.count, chars[i + 1] == "\n" else { return "\(where_()): a carriage return must be followed by a line feed" }
                i += 1
                continue
            }
            if c == " " || c == "\t" { i += 1; continue }
            if c == "#" {
                while i < chars.count && chars[i] != "\n" { i += 1 }
                continue
            }
            if expectingKey {
                expectingKey = false
                if c == "}" && stack.last == "{" { stack.removeLast(); i += 1; mode = .value; continue }
                guard isBare(c) || c == "\"" || c == "'" else { return "\(where_()): expected a key (letters, digits, _ or -, or a quoted name)" }
                mode = .key
            }
            switch mode {
            case .lineStart:
                if c == "[" {
                    var brackets = 0
                    while i < chars.count && chars[i] == "[" { brackets += 1; i += 1 }
                    if brackets > 2 { return "\(where_()): a table header has at most two brackets ([table] or [[array]])" }
                    inHeader = true
                    expectingKey = true
                    continue
                }
                guard isBare(c) || c == "\"" || c == "'" else { return "\(where_()): expected a key, a [table] header or a comment" }
                mode = .key
            case .key:
                if c == "\"" || c == "'" {
                    guard skipString() else { return "\(where_()): a quoted key is not closed" }
                    continue
                }
                if isBare(c) { i += 1; continue }
                if c == "." { expectingKey = true; i += 1; continue }
                if c == "]" && inHeader {
                    while i < chars.count && chars[i] == "]" { i += 1 }
                    inHeader = false
                    mode = .afterHeader
                    continue
                }
                if c == "=" && !inHeader { mode = .value; i += 1; continue }
                return "\(where_()): unexpected '\(c)' in a key"
            case .afterHeader:
                return "\(where_()): unexpected '\(c)' after a table header"
            case .value:
                if c == "\"" || c == "'" {
                    guard skipString() else { return "\(where_()): a string is not closed" }
                    continue
                }
                if c == "[" || c == "{" {
                    stack.append(c)
                    if c == "{" { expectingKey = true }
                } else if c == "]" || c == "}" {
                    guard let open = stack.popLast(), (open == "[") == (c == "]") else { return "\(where_()): unbalanced '\(c)'" }
                } else if c == "," && stack.last == "{" {
                    expectingKey = true
                }
                i += 1
            }
        }
        return nil
    }
}
