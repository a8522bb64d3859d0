/// Every action the operator can take. Key dispatch, the footer and the `?` help overlay all
/// come from `ActionTable.all`.
public enum ActionID: String, CaseIterable, Sendable {
    // global
    case quit, help, messages, nextView, previousView
    case showCompose, showReports, showProfiles, showDiscovery, showLoad, showHistory, showDoctor
    case stopSend
    // shared by list views
    case moveUp, moveDown, pageUp, pageDown, top, bottom
    // compose
    case edit, toggleType, cycleMode, send
    // reports
    case follow, problemsOnly, detail, closeDetail, copyRecord
    // profiles
    case activateProfile
    // discovery
    case discover, probe, copyBootstrap
    // load
    case loadFile, sendFile
    // history
    case resend, loadIntoCompose
    // doctor
    case rerunDoctor
    // saved sends, copy as, import (Compose and Load)
    case openSaved, saveSend, copyAs, importCurl
}

public enum ActionScope: Equatable, Sendable {
    case global
    case views([ViewID])
}

public struct ActionSpec: Sendable {
    public var id: ActionID
    public var keys: [Key]
    public var scope: ActionScope
    public var group: String
    public var help: String
    /// Short label for the footer; nil keeps it out of the footer.
    public var footer: String?

    public func applies(to view: ViewID) -> Bool {
        switch scope {
        case .global: return true
        case .views(let vs): return vs.contains(view)
        }
    }

    public var keyLabel: String { keys.map(\.label).joined(separator: "/") }
}

public enum ActionTable {
    static let lists: [ViewID] = [.reports, .profiles, .history]

    public static let all: [ActionSpec] = [
        ActionSpec(id: .send, keys: [.char("s")], scope: .views([.compose]), group: "Send", help: "Send the composed event with the chosen mode", footer: "send"),
        ActionSpec(id: .sendFile, keys: [.char("s")], scope: .views([.load]), group: "Send", help: "Send the file (mode, rate and topic shown below the file)", footer: "send file"),
        ActionSpec(id: .loadFile, keys: [.char("l")], scope: .views([.load]), group: "Send", help: "Count the file's records and show the first", footer: "load"),
        ActionSpec(id: .stopSend, keys: [.char("x")], scope: .global, group: "Send", help: "Stop the running send", footer: "stop"),
        ActionSpec(id: .resend, keys: [.char("r")], scope: .views([.history]), group: "Send", help: "Re-send the failed/unknown records of the selected send (asks first)", footer: "re-send"),
        ActionSpec(id: .loadIntoCompose, keys: [.enter], scope: .views([.history]), group: "Send", help: "Load the selected send (any session) into Compose, to edit and send again", footer: "to compose"),

        ActionSpec(id: .edit, keys: [.enter, .char("e")], scope: .views([.compose, .load]), group: "Edit", help: "Edit the field (Esc ends); Type/Mode: next choice", footer: "edit"),
        ActionSpec(id: .toggleType, keys: [.char("t")], scope: .views([.compose]), group: "Edit", help: "Value type: STRING / JSON / BINARY", footer: "type"),
        ActionSpec(id: .cycleMode, keys: [.char("m")], scope: .views([.compose, .load]), group: "Edit", help: "Send mode: single / batch / stream / native", footer: "mode"),

        ActionSpec(id: .openSaved, keys: [.char("o")], scope: .views([.compose, .load]), group: "Saved", help: "Saved sends: search, Enter loads one", footer: "saved"),
        ActionSpec(id: .saveSend, keys: [.char("w")], scope: .views([.compose, .load]), group: "Saved", help: "Save this send by name (as --save-as)", footer: nil),
        ActionSpec(id: .copyAs, keys: [.char("c")], scope: .views([.compose, .load]), group: "Saved", help: "Copy as curl, kcat or producer.properties", footer: "copy"),
        ActionSpec(id: .importCurl, keys: [.char("i")], scope: .views([.compose]), group: "Saved", help: "Import a pasted curl command into Compose", footer: nil),

        ActionSpec(id: .moveUp, keys: [.up, .char("k")], scope: .views([.compose] + lists), group: "Move", help: "Previous field or row", footer: nil),
        ActionSpec(id: .moveDown, keys: [.down, .char("j")], scope: .views([.compose] + lists), group: "Move", help: "Next field or row", footer: nil),
        ActionSpec(id: .pageUp, keys: [.pageUp], scope: .views([.compose] + lists), group: "Move", help: "Page up (Compose: scroll the preview)", footer: nil),
        ActionSpec(id: .pageDown, keys: [.pageDown], scope: .views([.compose] + lists), group: "Move", help: "Page down (Compose: scroll the preview)", footer: nil),
        ActionSpec(id: .top, keys: [.char("g"), .home], scope: .views(lists), group: "Move", help: "First row", footer: nil),
        ActionSpec(id: .bottom, keys: [.char("G"), .end], scope: .views(lists), group: "Move", help: "Last row", footer: nil),

        ActionSpec(id: .follow, keys: [.char("f")], scope: .views([.reports]), group: "Reports", help: "Follow new reports on/off", footer: "follow"),
        ActionSpec(id: .problemsOnly, keys: [.char("e")], scope: .views([.reports]), group: "Reports", help: "Show only failed/unknown on/off", footer: "errors"),
        ActionSpec(id: .detail, keys: [.enter], scope: .views([.reports]), group: "Reports", help: "Detail of the selected record: request and report", footer: "detail"),
        ActionSpec(id: .closeDetail, keys: [.escape], scope: .views([.reports]), group: "Reports", help: "Back to the table", footer: nil),
        ActionSpec(id: .copyRecord, keys: [.char("y")], scope: .views([.reports]), group: "Reports", help: "Copy a record's value (in its detail)", footer: nil),

        ActionSpec(id: .activateProfile, keys: [.enter], scope: .views([.profiles]), group: "Profiles", help: "Use the selected profile (asks a prompted secret)", footer: "use"),

        ActionSpec(id: .discover, keys: [.char("d")], scope: .views([.discovery]), group: "Discovery", help: "Ask the proxy for the cluster id and brokers", footer: "discover"),
        ActionSpec(id: .probe, keys: [.char("p")], scope: .views([.discovery]), group: "Discovery", help: "Probe each broker (TCP connect time)", footer: "probe"),
        ActionSpec(id: .copyBootstrap, keys: [.char("y")], scope: .views([.discovery]), group: "Discovery", help: "Copy the bootstrap list; the status line says where it went", footer: "copy"),


        ActionSpec(id: .rerunDoctor, keys: [.char("r")], scope: .views([.doctor]), group: "Doctor", help: "Run the connection checks again (leaving the view stops them)", footer: "re-run"),

        ActionSpec(id: .showCompose, keys: [.char("1")], scope: .global, group: "Views", help: "Compose", footer: nil),
        ActionSpec(id: .showReports, keys: [.char("2")], scope: .global, group: "Views", help: "Reports", footer: nil),
        ActionSpec(id: .showProfiles, keys: [.char("3")], scope: .global, group: "Views", help: "Profiles", footer: nil),
        ActionSpec(id: .showDiscovery, keys: [.char("4")], scope: .global, group: "Views", help: "Discovery", footer: nil),
        ActionSpec(id: .showLoad, keys: [.char("5")], scope: .global, group: "Views", help: "Load", footer: nil),
        ActionSpec(id: .showHistory, keys: [.char("6")], scope: .global, group: "Views", help: "History", footer: nil),
        ActionSpec(id: .showDoctor, keys: [.char("7")], scope: .global, group: "Views", help: "Doctor", footer: nil),
        ActionSpec(id: .nextView, keys: [.tab], scope: .global, group: "Views", help: "Next view", footer: nil),
        ActionSpec(id: .previousView, keys: [.backTab], scope: .global, group: "Views", help: "Previous view", footer: nil),
        ActionSpec(id: .help, keys: [.char("?"), .function(1)], scope: .global, group: "Console", help: "This help", footer: "help"),
        ActionSpec(id: .messages, keys: [.char("!")], scope: .global, group: "Console", help: "The latest message in full, and the ones before it", footer: nil),
        ActionSpec(id: .quit, keys: [.char("q"), .ctrl("c")], scope: .global, group: "Console", help: "Quit (asks first while a send runs)", footer: "quit"),
    ]

    /// The action a key triggers in a view: the view's own actions first, then global ones.
    public static func action(for key: Key, in view: ViewID) -> ActionID? {
        if let a = all.first(where: { $0.scope != .global && $0.applies(to: view) && $0.keys.contains(key) }) { return a.id }
        return all.first(where: { $0.scope == .global && $0.keys.contains(key) })?.id
    }

    /// Actions shown in a view's help, in table order.
    public static func actions(in view: ViewID) -> [ActionSpec] { all.filter { $0.applies(to: view) } }

    /// The footer line: the view's actions with labels, then help and quit.
    public static func footerItems(in view: ViewID) -> [(keys: String, label: String, global: Bool)] {
        let own = all.filter { $0.scope != .global && $0.applies(to: view) && $0.footer != nil }
        let global = all.filter { $0.scope == .global && $0.footer != nil }
        return (own + global).map { ($0.keys.first!.label, $0.footer!, $0.scope == .global) }
    }

    /// Keys bound twice in one view would make dispatch ambiguous; tests check this is empty.
    public static func conflicts() -> [String] {
        var out: [String] = []
        for view in ViewID.allCases {
            var seen: [Key: ActionID] = [:]
            for spec in all where spec.scope != .global && spec.applies(to: view) {
                for k in spec.keys {
                    if let other = seen[k] { out.append("\(view.title): \(k.label) -> \(other.rawValue) and \(spec.id.rawValue)") }
                    seen[k] = spec.id
                }
            }
        }
        var globals: [Key: ActionID] = [:]
        for spec in all where spec.scope == .global {
            for k in spec.keys {
                if let other = globals[k] { out.append("global: \(k.label) -> \(other.rawValue) and \(spec.id.rawValue)") }
                globals[k] = spec.id
            }
        }
        return out
    }
}
