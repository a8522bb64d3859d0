/// Kafka topic names: `[a-zA-Z0-9._-]`, 1 to 249 characters, not `.` or `..`.
public enum TopicName {
    public static let maximumLength = 249

    /// The full topic name for `topic`, given short (`events`) or already prefixed.
    public static func full(_ topic: String, prefix: String) throws -> String {
        let full = topic.hasPrefix(prefix) ? topic : prefix + topic
        try validate(full, asGiven: topic)
        return full
    }

    public static func validate(_ name: String, asGiven given: String? = nil) throws {
        let shown = given ?? name
        if name.isEmpty { throw InputError("the topic name is empty") }
        if let bad = name.unicodeScalars.first(where: { !isAllowed($0) }) {
            let what = bad == " " ? "a space" : bad == "\t" ? "a tab" : "'\(bad)'"
            throw InputError("invalid topic name \"\(shown)\": it contains \(what); Kafka topic names use only letters, digits, '.', '_' and '-'")
        }
        if name.count > maximumLength {
            throw InputError("invalid topic name \"\(shown.prefix(40))…\": \(name.count) characters, Kafka allows at most \(maximumLength)")
        }
        if name == "." || name == ".." { throw InputError("invalid topic name \"\(shown)\"") }
    }

    private static func isAllowed(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "a"..."z", "A"..."Z", "0"..."9", ".", "_", "-": return true
        default: return false
        }
    }
}
