import Foundation
import IngestModel
import Testing
@testable import IngestTUI

@Suite struct ThemeTests {
    static let themesDir = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("themes")

    @Test(arguments: ["default-dark", "light", "high-contrast"])
    func shippedThemesLoad(name: String) throws {
        let path = Self.themesDir.appendingPathComponent("\(name).toml").path
        let (theme, problem) = ThemeLoader.load(path: path)
        #expect(problem == nil)
        #expect(theme.name == name)
        for role in Role.allCases { #expect(theme.styles[role] != nil, "\(name) lacks \(role.rawValue)") }
    }

    @Test func shippedDefaultDarkIsTheBuiltIn() throws {
        let text = try String(contentsOf: Self.themesDir.appendingPathComponent("default-dark.toml"), encoding: .utf8)
        #expect(text == ThemeLoader.defaultDarkTOML)
        #expect(ThemeLoader.defaultDark.style(.banner) == RoleStyle(fg: .index(0), bg: .index(6), bold: true))
    }

    @Test func goodThemeWithNumbersAndMissingRoles() throws {
        let t = try ThemeLoader.parse("name = \"x\"\n[roles]\nok = { fg = 34, bold = true }\n", file: "x.toml")
        #expect(t.style(.ok) == RoleStyle(fg: .index(34), bold: true))
        #expect(t.style(.error) == ThemeLoader.defaultDark.style(.error))  // left out: default-dark's
    }

    func problem(_ text: String) -> ThemeProblem? {
        do {
            _ = try ThemeLoader.parse(text, file: "bad.toml")
            return nil
        } catch let p as ThemeProblem { return p } catch { return nil }
    }

    @Test func unknownRoleNamesKeyAndExpected() {
        let p = problem("[roles]\nbaner = { fg = \"red\" }\n")
        #expect(p?.key == "roles.baner")
        #expect(p?.expected.contains("banner") == true)
        #expect(p?.description.contains("bad.toml") == true)
    }

    @Test func unknownStyleKey() {
        #expect(problem("[roles]\nok = { colour = \"red\" }\n")?.key == "roles.ok.colour")
    }

    @Test func badColourName() {
        let p = problem("[roles]\nok = { fg = \"chartreuse\" }\n")
        #expect(p?.key == "roles.ok.fg")
        #expect(p?.expected.contains("0-255") == true)
        #expect(p?.found == "\"chartreuse\"")
    }

    @Test func colourOutOfRange() {
        #expect(problem("[roles]\nerror = { bg = 300 }\n")?.found == "300")
    }

    @Test func badBoolean() {
        #expect(problem("[roles]\nerror = { bold = \"yes\" }\n")?.key == "roles.error.bold")
    }

    @Test func syntaxError() {
        #expect(problem("[roles\nok = 1")?.key.contains("line 1") == true)
    }

    @Test func productionBannerMustStayRed() {
        let p = problem("[roles]\nproduction_banner = { fg = \"white\", bg = \"blue\" }\n")
        #expect(p?.key == "roles.production_banner.bg")
        #expect((try? ThemeLoader.parse("[roles]\nproduction_banner = { fg = \"white\", bg = 196 }\n", file: "ok.toml")) != nil)
    }

    @Test func missingFileFallsBackWithMessage() {
        let (theme, message) = ThemeLoader.load(path: "/nonexistent/nope.toml")
        #expect(theme == ThemeLoader.defaultDark)
        #expect(message?.contains("/nonexistent/nope.toml") == true)
        #expect(message?.contains("default-dark") == true)
    }

    @Test func badFileFallsBackWithMessage() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("ingest-tui-bad-\(UInt32.random(in: 0...UInt32.max)).toml").path
        try "[roles]\nok = { fg = \"nope\" }\n".write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let (theme, message) = ThemeLoader.load(path: path)
        #expect(theme == ThemeLoader.defaultDark)
        #expect(message?.contains("roles.ok.fg") == true)
    }

    @Test func noPathIsDefaultDark() {
        let (theme, message) = ThemeLoader.load(path: nil)
        #expect(theme.name == "default-dark")
        #expect(message == nil)
    }

    @Test func monochromeKeepsProductionUnmistakable() {
        let m = RoleStyle.monochrome(.productionBanner)
        #expect(m.reverse && m.bold)
    }

    /// Item 8: DEV looked like SANDBOX (both black on cyan). Each environment's banner is its
    /// own, in every shipped theme and without colour; production stays white on red.
    @Test(arguments: ["default-dark", "light", "high-contrast"])
    func eachEnvironmentHasItsOwnBanner(name: String) {
        let (theme, _) = ThemeLoader.load(path: Self.themesDir.appendingPathComponent("\(name).toml").path)
        let roles = [DeploymentEnvironment.sandbox, .dev, .production].map(Chrome.bannerRole)
        #expect(roles == [.sandboxBanner, .devBanner, .productionBanner])
        for colour in [true, false] {
            let styles = roles.map { theme.effectiveStyle($0, colour: colour) }
            for i in 0..<3 {
                for j in (i + 1)..<3 {
                    #expect(styles[i] != styles[j], "\(name) colour=\(colour): \(roles[i].rawValue) looks like \(roles[j].rawValue)")
                }
            }
            if colour {
                #expect(styles[2] == Theme.productionBanner)
                #expect(styles[0].bg != styles[1].bg && styles[0].bg != styles[2].bg && styles[1].bg != styles[2].bg)
                #expect(styles.allSatisfy { $0.bg != theme.effectiveStyle(.banner, colour: true).bg || $0 == styles[2] })
            }
        }
    }

    @Test func environmentBannersCannotBeThemed() {
        #expect(problem("[roles]\ndev_banner = { fg = \"black\", bg = \"cyan\" }\n")?.key == "roles.dev_banner")
        #expect(problem("[roles]\nsandbox_banner = { bg = \"cyan\" }\n")?.key == "roles.sandbox_banner")
    }

    /// The banner a screen draws follows the active profile's environment.
    @Test func theScreenUsesTheEnvironmentsBanner() {
        var s = UpdateTests.dev()
        #expect(Render.screen(s)[0, 0].role == .devBanner)
        s.active?.environment = .sandbox
        #expect(Render.screen(s)[0, 0].role == .sandboxBanner)
        #expect(Render.screen(UpdateTests.production())[0, 0].role == .productionBanner)
    }
}
