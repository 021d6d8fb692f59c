/// The string escapes of JSON and JavaScript, decoded before a script or a JSON file is
/// checked for premium text, so that `\n`, `\u0020` or `\u003cp\u003e` between words
/// hides nothing.
enum ScriptEscapes {
    /// `text` with `\n`, `\t` and the like as a space, and `\uXXXX` (surrogate pairs too),
    /// `\u{…}`, `\xHH` and `\/`, `\"`, `\\` as the characters they stand for.
    static func decoding(_ text: String) -> String {
        guard text.utf8.contains(UInt8(ascii: "\\")) else { return text }
        let scalars = Array(text.unicodeScalars)
        var result = String.UnicodeScalarView()
        result.reserveCapacity(scalars.count)
        var index = 0
        func hex(_ start: Int, _ length: Int) -> UInt32? {
            guard start + length <= scalars.count else { return nil }
            return UInt32(String(String.UnicodeScalarView(scalars[start..<(start + length)])), radix: 16)
        }
        while index < scalars.count {
            let scalar = scalars[index]
            guard scalar == "\\", index + 1 < scalars.count else {
                result.append(scalar)
                index += 1
                continue
            }
            let next = scalars[index + 1]
            index += 2
            switch next {
            case "n", "r", "t", "f", "b", "v", "\n": result.append(" ")
            case "u" where index < scalars.count && scalars[index] == "{":
                guard let close = scalars[index...].firstIndex(of: "}"), close - index <= 7, let value = hex(index + 1, close - index - 1) else {
                    result.append(next)
                    continue
                }
                result.append(Unicode.Scalar(value) ?? " ")
                index = close + 1
            case "u":
                guard let high = hex(index, 4) else {
                    result.append(next)
                    continue
                }
                index += 4
                if (0xD800...0xDBFF).contains(high), index + 5 < scalars.count, scalars[index] == "\\", scalars[index + 1] == "u",
                    let low = hex(index + 2, 4), (0xDC00...0xDFFF).contains(low)
                {
                    index += 6
                    result.append(Unicode.Scalar(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)) ?? " ")
                } else {
                    result.append(Unicode.Scalar(high) ?? " ")
                }
            case "x":
                guard let value = hex(index, 2) else {
                    result.append(next)
                    continue
                }
                index += 2
                result.append(Unicode.Scalar(value) ?? " ")
            default: result.append(next)
            }
        }
        return String(result)
    }
}
