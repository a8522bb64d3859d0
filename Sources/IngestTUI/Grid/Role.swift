/// What a cell means; themes map roles to colours and attributes.
public enum Role: String, CaseIterable, Sendable {
    case text
    case banner
    case productionBanner = "production_banner"
    /// The banners of the other environments: fixed like production's, whatever the theme.
    case sandboxBanner = "sandbox_banner"
    case devBanner = "dev_banner"
    case ok
    case error
    /// The spot of an error in text the operator typed (a JSON error in the value).
    case errorMark = "error_mark"
    case warning
    case muted
    case selection
    case border
    case title
}
