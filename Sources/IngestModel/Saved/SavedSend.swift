/// A send kept by name (`ingest send --saved NAME`, the console's saved sends): the keys of
/// the send flags, independent of any profile. Every field is optional; flags given with
/// `--saved` override the saved values.
public struct SavedSend: Sendable, Equatable {
    /// Short (`events`) or full (`ing-staging-events`): resolved with the profile's prefix when sent.
    public var topic: String?
    public var valueType: ValueType?
    public var key: String?
    public var headers: [HeaderTemplate] = []
    public var partition: Int?
    /// `single`, `batch`, `stream` or `native`.
    public var mode: Transport?
    public var count: Int?
    public var ratePerSecond: Double?
    /// The event text (templates allowed), or
    public var data: String?
    /// a file of events, absolute or relative to the saved send's own file.
    public var file: String?
    public var format: FileFormat?
    public var seed: UInt64?

    public init(topic: String? = nil, valueType: ValueType? = nil, key: String? = nil, headers: [HeaderTemplate] = [],
                partition: Int? = nil, mode: Transport? = nil, count: Int? = nil, ratePerSecond: Double? = nil,
                data: String? = nil, file: String? = nil, format: FileFormat? = nil, seed: UInt64? = nil) {
        self.topic = topic
        self.valueType = valueType
        self.key = key
        self.headers = headers
        self.partition = partition
        self.mode = mode
        self.count = count
        self.ratePerSecond = ratePerSecond
        self.data = data
        self.file = file
        self.format = format
        self.seed = seed
    }

    /// Names are file names: letters, digits, `.`, `_` and `-`, not starting with `.`.
    public static func checkName(_ name: String) throws {
        guard !name.isEmpty, name.count <= 100, !name.hasPrefix("."),
              name.unicodeScalars.allSatisfy({ ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))) || "._-".unicodeScalars.contains($0) })
        else {
            throw InputError("a saved send's name is its file name: letters, digits, '.', '_' and '-' (not starting with '.'); got \"\(name)\"")
        }
    }

    /// One line for a list: `stream ×1000 → events (data)`.
    public var summary: String {
        var parts: [String] = []
        parts.append(mode?.modeName ?? "single")
        if let count, count > 1 { parts.append("×\(count)") }
        if let ratePerSecond { parts.append("\(SendPlan.format(ratePerSecond))/s") }
        let source = file.map { "file \($0)" } ?? (data != nil ? "data" : "no data")
        return parts.joined(separator: " ") + " → \(topic ?? "(no topic)") (\(source))"
    }
}
