import Foundation

/// `2027-01-31` or `30d` (days from `now`).
func parseExpiry(_ text: String, now: Date) -> Date? {
    if text.hasSuffix("d"), let days = Int(text.dropLast()), (1...36500).contains(days) {
        return now.addingTimeInterval(TimeInterval(days) * 86400)
    }
    return parseDate(text)
}

func printJSON(_ value: JSONValue) {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
    if let data = try? encoder.encode(value) { print(String(decoding: data, as: UTF8.self)) }
}

func printError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}
