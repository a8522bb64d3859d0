import Foundation

extension Template {
    /// Every placeholder, as the error for an unknown one lists them.
    public static let known = [
        "uuid", "seq", "seq_from N", "now [±OFFSET]", "now_ms [±OFFSET]", "rand_int A B", "rand_float A B DECIMALS",
        "rand_str N", "choice A B C (weighted: A:9 B:1)", "csv FILE COLUMN", "env NAME",
    ]

    static func part(_ words: [String], environment: [String: String], files: TemplateFiles) throws -> Part {
        let arguments = Array(words.dropFirst())
        switch words.first {
        case "uuid" where arguments.isEmpty: return .uuid
        case "seq" where arguments.isEmpty: return .seq
        case "now", "now_ms":
            guard arguments.count <= 1 else { throw InputError("{{\(words[0]) OFFSET}} takes one offset such as -5m or +1h30m") }
            let offset = try arguments.first.map(TimeOffset.milliseconds) ?? 0
            return words[0] == "now" ? .now(offsetMilliseconds: offset) : .nowMilliseconds(offsetMilliseconds: offset)
        case "seq_from":
            guard arguments.count == 1, let first = Int(arguments[0]) else { throw InputError("{{seq_from N}} needs one integer: the first record's number") }
            return .seqFrom(first)
        case "rand_int":
            guard arguments.count == 2, let low = Int(arguments[0]), let high = Int(arguments[1]), low <= high else {
                throw InputError("{{rand_int A B}} needs two integers with A <= B")
            }
            return .randomInt(low, high)
        case "rand_float":
            guard arguments.count == 3, let low = Double(arguments[0]), let high = Double(arguments[1]), low.isFinite, high.isFinite, low <= high,
                  let decimals = Int(arguments[2]), (0...15).contains(decimals)
            else {
                throw InputError("{{rand_float A B DECIMALS}} needs two numbers with A <= B and 0 to 15 decimals")
            }
            return .randomFloat(low, high, decimals: decimals)
        case "rand_str":
            guard arguments.count == 1, let length = Int(arguments[0]), (1...100_000).contains(length) else {
                throw InputError("{{rand_str N}} needs a length from 1 to 100000")
            }
            return .randomString(length: length)
        case "choice":
            return .choice(try WeightedChoice(arguments))
        case "csv":
            guard arguments.count == 2 else { throw InputError("{{csv FILE COLUMN}} needs a file and a column (its name in the header row, or its number from 1)") }
            return .csv(try CSVColumn(path: arguments[0], column: arguments[1], files: files))
        case "env":
            guard arguments.count == 1 else { throw InputError("{{env NAME}} needs one variable name") }
            // Resolved now, so a missing variable is an input error before anything is sent.
            guard let value = environment[arguments[0]] else {
                throw InputError("the environment variable \(arguments[0]) is not set ({{env \(arguments[0])}})")
            }
            return .environment(value)
        default:
            throw InputError("unknown placeholder {{\(words.joined(separator: " "))}}; known: \(known.joined(separator: ", "))")
        }
    }
}

/// The words inside `{{ }}`: split on spaces, with `"two words"` kept as one.
enum TemplateWords {
    static func split(_ text: Substring) throws -> [String] {
        var words: [String] = []
        var current = ""
        var quoted = false, inWord = false
        var characters = text.makeIterator()
        while let character = characters.next() {
            if quoted {
                switch character {
                case "\"": quoted = false
                case "\\": current.append(characters.next() ?? "\\")
                default: current.append(character)
                }
            } else if character == " " || character == "\t" || character == "\n" {
                if inWord { words.append(current) }
                current = ""
                inWord = false
            } else if character == "\"" {
                quoted = true
                inWord = true
            } else {
                current.append(character)
                inWord = true
            }
        }
        guard !quoted else { throw InputError("a quoted word is not closed by \"") }
        if inWord { words.append(current) }
        guard !words.isEmpty else { throw InputError("empty placeholder {{}}; known: \(Template.known.joined(separator: ", "))") }
        return words
    }
}

/// `{{choice a b c}}` (equally likely) or `{{choice a:9 b:1}}` (weighted); a word whose last
/// `:` is not followed by a number is a value with weight 1 (`http://x`).
public struct WeightedChoice: Sendable, Equatable {
    let values: [String]
    /// Running totals of the weights, for a binary search.
    let cumulative: [Double]

    init(_ words: [String]) throws {
        guard !words.isEmpty else { throw InputError("{{choice A B C}} needs at least one value (weighted: A:9 B:1)") }
        var values: [String] = [], cumulative: [Double] = []
        var total = 0.0
        for word in words {
            var value = word, weight = 1.0
            if let colon = word.lastIndex(of: ":"), let number = Double(word[word.index(after: colon)...]) {
                guard number.isFinite, number >= 0 else { throw InputError("{{choice}}: the weight of \(word) must be 0 or more") }
                value = String(word[..<colon])
                weight = number
            }
            total += weight
            values.append(value)
            cumulative.append(total)
        }
        guard total > 0 else { throw InputError("{{choice}}: the weights add up to 0") }
        self.values = values
        self.cumulative = cumulative
    }

    func pick(using generator: inout some RandomNumberGenerator) -> String {
        guard values.count > 1 else { return values[0] }
        let target = Double.random(in: 0..<cumulative[cumulative.count - 1], using: &generator)
        var low = 0, high = cumulative.count - 1
        while low < high {
            let middle = (low + high) / 2
            if cumulative[middle] > target { high = middle } else { low = middle + 1 }
        }
        return values[low]
    }
}

/// `-5m`, `+1h30m`, `90s`, `250ms`, `-2d`: a signed sum of amounts in d, h, m, s, ms (template
/// offsets and `--duration`).
public enum TimeOffset {
    public static func milliseconds(_ text: String) throws -> Int64 {
        let problem = InputError("offset \"\(text)\" is not like -5m, +1h30m, 90s or 250ms (units d, h, m, s, ms)")
        var rest = Substring(text)
        var sign: Int64 = 1
        if rest.first == "-" || rest.first == "+" {
            sign = rest.first == "-" ? -1 : 1
            rest = rest.dropFirst()
        }
        guard !rest.isEmpty else { throw problem }
        var total: Int64 = 0
        while !rest.isEmpty {
            let digits = rest.prefix { $0.isASCII && $0.isNumber }
            guard !digits.isEmpty, let amount = Int64(digits) else { throw problem }
            rest = rest.dropFirst(digits.count)
            let unit: Int64
            if rest.hasPrefix("ms") { unit = 1; rest = rest.dropFirst(2) }
            else if rest.hasPrefix("s") { unit = 1000; rest = rest.dropFirst() }
            else if rest.hasPrefix("m") { unit = 60_000; rest = rest.dropFirst() }
            else if rest.hasPrefix("h") { unit = 3_600_000; rest = rest.dropFirst() }
            else if rest.hasPrefix("d") { unit = 86_400_000; rest = rest.dropFirst() }
            else { throw problem }
            let (product, overflow) = amount.multipliedReportingOverflow(by: unit)
            guard !overflow, product <= 3_650 * 86_400_000 else { throw InputError("offset \"\(text)\" is more than ten years") }
            total += product
        }
        return sign * total
    }
}
