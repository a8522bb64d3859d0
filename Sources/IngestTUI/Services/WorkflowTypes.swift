import IngestModel

// What the console's workflow services speak in: saved sends (the files `ingest send --saved`
// reads) and the send written as commands (what `ingest send --print` writes).

/// A saved send as the console lists it: usable, or what is wrong with its file (the key at fault).
public struct SavedSendItem: Equatable, Sendable {
    public var name: String
    /// Its file (`NAME.toml`).
    public var file: String
    public var result: Result<SavedSend, ServiceFailure>

    public init(name: String, file: String, result: Result<SavedSend, ServiceFailure>) {
        self.name = name
        self.file = file
        self.result = result
    }

    /// One line for the list: what it sends, or why it cannot.
    public var summary: String {
        switch result {
        case .success(let send): send.summary
        case .failure(let f): "✖ " + f.message
        }
    }

    /// The text searched: name, summary, and the data or file it sends.
    var searchText: String {
        var text = name + " " + summary
        if case .success(let send) = result { text += " " + (send.data ?? send.file ?? "") }
        return text.lowercased()
    }
}

/// The saved sends of a directory, by name.
public struct SavedSendList: Equatable, Sendable {
    public var directory: String
    public var items: [SavedSendItem]

    public init(directory: String, items: [SavedSendItem]) {
        self.directory = directory
        self.items = items
    }
}

/// What saving a send by name did.
public enum SaveOutcome: Equatable, Sendable {
    case saved(path: String)
    /// A saved send has that name already: nothing written (saving again with `replace` does).
    case exists(path: String)
}

/// How a send can be copied: as `ingest send --print curl | kcat | properties` writes it.
public enum CopyFormat: String, CaseIterable, Sendable {
    case curl, kcat, properties

    /// The key that picks it in the copy question.
    public var key: Character {
        switch self {
        case .curl: "c"
        case .kcat: "k"
        case .properties: "p"
        }
    }

    public var title: String { self == .properties ? "producer.properties" : self.rawValue + " commands" }
}
