/// What a cell means; themes map roles to colours and attributes.
public enum Role: String, CaseIterable, Sendable {
    case text
    case banner
    case productionBanner = "production_banner"
    case ok
    case error
    case warning
    case muted
    case selection
    case border
    case title
}
