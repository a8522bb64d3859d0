import Foundation
import TOMLKit
import TOMLPrecheck

public enum ThemeColor: Equatable, Sendable {
    /// The terminal's own foreground or background.
    case terminalDefault
    /// 0-255; 0-7 are the basic colours, 8-15 their bright forms.
    case index(Int)
}

public struct RoleStyle: Equatable, Sendable {
    public var fg: ThemeColor = .terminalDefault
    public var bg: ThemeColor = .terminalDefault
    public var bold = false
    public var underline = false
    public var reverse = false
    public var dim = false

    public init(fg: ThemeColor = .terminalDefault, bg: ThemeColor = .terminalDefault, bold: Bool = false, underline: Bool = false, reverse: Bool = false, dim: Bool = false) {
        self.fg = fg
        self.bg = bg
        self.bold = bold
        self.underline = underline
        self.reverse = reverse
        self.dim = dim
    }

    /// How a role shows without colour (NO_COLOR, monochrome terminals).
    public static func monochrome(_ role: Role) -> RoleStyle {
        switch role {
        case .productionBanner: return RoleStyle(bold: true, reverse: true)
        case .devBanner: return RoleStyle(underline: true, reverse: true)
        case .banner, .sandboxBanner, .selection: return RoleStyle(reverse: true)
        case .errorMark: return RoleStyle(bold: true, underline: true, reverse: true)
        case .error, .title: return RoleStyle(bold: true)
        case .warning: return RoleStyle(bold: true, underline: true)
        case .muted: return RoleStyle(dim: true)
        case .text, .ok, .border: return RoleStyle()
        }
    }
}

public struct Theme: Equatable, Sendable {
    public var name: String
    public var styles: [Role: RoleStyle]

    public func style(_ role: Role) -> RoleStyle { styles[role] ?? RoleStyle() }

    /// White on red: the production banner looks the same in every theme.
    public static let productionBanner = RoleStyle(fg: .index(15), bg: .index(1), bold: true)

    /// Each environment's banner, the same in every theme so that none can pass for another:
    /// production white on red, dev black on yellow, sandbox black on green.
    public static let fixed: [Role: RoleStyle] = [
        .productionBanner: productionBanner,
        .devBanner: RoleStyle(fg: .index(0), bg: .index(3), bold: true),
        .sandboxBanner: RoleStyle(fg: .index(0), bg: .index(2), bold: true),
    ]

    /// The style a terminal shows for a role: the fixed banners in colour, the theme's otherwise,
    /// and the monochrome forms without colour.
    public func effectiveStyle(_ role: Role, colour: Bool) -> RoleStyle {
        guard colour else { return RoleStyle.monochrome(role) }
        return Self.fixed[role] ?? style(role)
    }
}

/// A theme file that cannot be used: which file, which key, what was expected.
public struct ThemeProblem: Error, Equatable, Sendable, CustomStringConvertible {
    public var file: String
    public var key: String
    public var expected: String
    public var found: String

    public var description: String {
        "theme \(file): \(key): expected \(expected), found \(found); using default-dark"
    }
}

public enum ThemeLoader {
    public static let colorNames: [String: Int] = [
        "black": 0, "red": 1, "green": 2, "yellow": 3, "blue": 4, "magenta": 5, "cyan": 6, "white": 7,
        "gray": 8, "grey": 8, "bright-black": 8, "bright-red": 9, "bright-green": 10, "bright-yellow": 11,
        "bright-blue": 12, "bright-magenta": 13, "bright-cyan": 14, "bright-white": 15,
    ]
    static let reds: Set<Int> = [1, 9, 52, 88, 124, 160, 196]
    static let styleKeys = ["fg", "bg", "bold", "underline", "reverse", "dim"]

    /// The built-in theme; `themes/default-dark.toml` holds the same text.
    public static let defaultDarkTOML = """
        # default-dark: the console's default theme.
        # Roles map to colours: a name (default, black, red, green, yellow, blue, magenta, cyan,
        # white, gray, bright-red, ...) or 0-255; bold, underline, reverse and dim are true/false.
        name = "default-dark"

        [roles]
        text = { fg = "default", bg = "default" }
        banner = { fg = "black", bg = "cyan", bold = true }
        production_banner = { fg = "bright-white", bg = "red", bold = true }
        ok = { fg = "green" }
        error = { fg = "bright-red", bold = true }
        error_mark = { fg = "black", bg = "bright-red", bold = true }
        warning = { fg = "yellow", bold = true }
        muted = { fg = "gray" }
        selection = { fg = "black", bg = "bright-cyan" }
        border = { fg = "blue" }
        title = { fg = "bright-cyan", bold = true }

        """

    public static let defaultDark: Theme = {
        do { return try parse(defaultDarkTOML, file: "default-dark (built in)", base: [:]) } catch {
            preconditionFailure("built-in theme does not parse: \(error)")
        }
    }()

    /// Loads a theme file; on any problem returns default-dark and the message to show.
    public static func load(path: String?) -> (theme: Theme, problem: String?) {
        guard let path else { return (defaultDark, nil) }
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            let p = ThemeProblem(file: path, key: "(file)", expected: "a readable UTF-8 TOML file", found: "no such file or unreadable")
            return (defaultDark, p.description)
        }
        do { return (try parse(text, file: path), nil) } catch let p as ThemeProblem {
            return (defaultDark, p.description)
        } catch {
            return (defaultDark, "theme \(path): \(error); using default-dark")
        }
    }

    /// Parses a theme; roles the file leaves out keep `base`'s styles (default-dark's unless given).
    public static func parse(_ text: String, file: String, base: [Role: RoleStyle]? = nil) throws -> Theme {
        if let problem = TOMLPrecheck.problem(in: text) {
            // "line L, column C: what" -> the location goes where the parser's own errors put it.
            let parts = problem.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            throw ThemeProblem(file: file, key: "(syntax) \(parts[0])", expected: "valid TOML", found: parts.count > 1 ? parts[1] : problem)
        }
        let table: TOMLTable
        do { table = try TOMLTable(string: text) } catch let e as TOMLParseError {
            throw ThemeProblem(file: file, key: "(syntax) line \(e.source.begin.line), column \(e.source.begin.column)", expected: "valid TOML", found: e.description)
        }
        var theme = Theme(name: (file as NSString).lastPathComponent, styles: base ?? defaultDark.styles)
        for key in table.keys {
            switch key {
            case "name":
                guard let n = table[key]?.string else { throw ThemeProblem(file: file, key: "name", expected: "a string", found: describe(table[key])) }
                theme.name = n
            case "roles":
                guard let roles = table[key]?.table else { throw ThemeProblem(file: file, key: "roles", expected: "a table of roles", found: describe(table[key])) }
                for roleKey in roles.keys {
                    guard let role = Role(rawValue: roleKey), role == .productionBanner || Theme.fixed[role] == nil else {
                        let themable = Role.allCases.filter { $0 == .productionBanner || Theme.fixed[$0] == nil }
                        throw ThemeProblem(file: file, key: "roles.\(roleKey)", expected: "one of " + themable.map(\.rawValue).joined(separator: ", ")
                                           + " (the sandbox and dev banners are fixed, so no environment can pass for another)", found: "unknown role \"\(roleKey)\"")
                    }
                    theme.styles[role] = try parseStyle(roles[roleKey], key: "roles.\(roleKey)", file: file)
                }
            default:
                throw ThemeProblem(file: file, key: key, expected: "only the keys name and roles", found: "unknown key \"\(key)\"")
            }
        }
        for (role, style) in Theme.fixed where role != .productionBanner { theme.styles[role] = style }
        if let p = theme.styles[.productionBanner] {
            guard case .index(let bg) = p.bg, reds.contains(bg) else {
                throw ThemeProblem(file: file, key: "roles.production_banner.bg", expected: "a red (red, bright-red, 1, 9, 52, 88, 124, 160, 196): production must stay unmistakable", found: describe(p.bg))
            }
        }
        return theme
    }

    static func parseStyle(_ value: TOMLValueConvertible?, key: String, file: String) throws -> RoleStyle {
        guard let t = value?.table else {
            throw ThemeProblem(file: file, key: key, expected: "a table like { fg = \"white\", bg = \"blue\", bold = true }", found: describe(value))
        }
        var style = RoleStyle()
        for k in t.keys {
            let v = t[k]
            switch k {
            case "fg": style.fg = try parseColor(v, key: "\(key).fg", file: file)
            case "bg": style.bg = try parseColor(v, key: "\(key).bg", file: file)
            case "bold", "underline", "reverse", "dim":
                guard let b = v?.bool else { throw ThemeProblem(file: file, key: "\(key).\(k)", expected: "true or false", found: describe(v)) }
                switch k {
                case "bold": style.bold = b
                case "underline": style.underline = b
                case "reverse": style.reverse = b
                default: style.dim = b
                }
            default:
                throw ThemeProblem(file: file, key: "\(key).\(k)", expected: "one of " + styleKeys.joined(separator: ", "), found: "unknown key \"\(k)\"")
            }
        }
        return style
    }

    static func parseColor(_ value: TOMLValueConvertible?, key: String, file: String) throws -> ThemeColor {
        let expected = "a colour name (default, black, red, green, yellow, blue, magenta, cyan, white, gray, bright-…) or 0-255"
        if let n = value?.int {
            guard (0...255).contains(n) else { throw ThemeProblem(file: file, key: key, expected: expected, found: String(n)) }
            return .index(n)
        }
        if let s = value?.string {
            let name = s.lowercased()
            if name == "default" { return .terminalDefault }
            if let i = colorNames[name] { return .index(i) }
            throw ThemeProblem(file: file, key: key, expected: expected, found: "\"\(s)\"")
        }
        throw ThemeProblem(file: file, key: key, expected: expected, found: describe(value))
    }

    static func describe(_ v: TOMLValueConvertible?) -> String {
        guard let v else { return "nothing" }
        return "\(v.type) \(v.debugDescription)"
    }

    static func describe(_ c: ThemeColor) -> String {
        switch c {
        case .terminalDefault: return "default"
        case .index(let i): return String(i)
        }
    }
}
