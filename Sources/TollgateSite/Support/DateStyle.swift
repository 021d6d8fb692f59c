/// Dates as readers of a language expect them.
enum DateStyle {
    private static let englishMonths = [
        "January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
        "November", "December",
    ]

    /// `January 14, 2024` in English, `2024年1月14日` in Chinese.
    static func display(_ date: ContentDate, language: String) -> String {
        switch language {
        case "zh-CN": "\(date.year)年\(date.month)月\(date.day)日"
        default: "\(englishMonths[date.month - 1]) \(date.day), \(date.year)"
        }
    }
}
