/// The syntax tree of a regular expression in the dialect tokenizer.json files use (Oniguruma's,
/// as the `tokenizers` library compiles them).
indirect enum RegexNode: Sendable {
    case empty
    case scalar(Unicode.Scalar)
    case set(ScalarSet)
    case concatenation([RegexNode])
    case alternation([RegexNode])
    case repetition(RegexNode, min: Int, max: Int?, greedy: Bool)
    case lookahead(RegexNode, negated: Bool)
    case startOfText
    case endOfText

    /// Whether the node can match without consuming a scalar.
    var isNullable: Bool {
        switch self {
        case .empty, .lookahead, .startOfText, .endOfText: return true
        case .scalar, .set: return false
        case let .concatenation(nodes): return nodes.allSatisfy(\.isNullable)
        case let .alternation(nodes): return nodes.contains(where: \.isNullable)
        case let .repetition(node, min, _, _): return min == 0 || node.isNullable
        }
    }
}

/// Why a pattern could not be compiled: a syntax error, or a construct this engine leaves out
/// (backreferences, lookbehind, script properties, possessive quantifiers …).
struct RegexSyntaxError: Error, Equatable, Sendable {
    /// What is wrong, with the scalar offset in the pattern where it was found.
    var message: String
}

/// A recursive-descent parser from pattern text to `RegexNode`.
///
/// Supported: literals and escapes (`\t \n \r \f \v \e \a \0`, `\xHH`, `\x{H…}`, `\uHHHH`, escaped
/// punctuation), `.`, classes with ranges and negation, `\s \S \d \D \w \W`, `\p{…}`/`\P{…}`/`\pL`
/// general categories, groups `(…)` `(?:…)` `(?i:…)` `(?i)` `(?-i:…)`, lookahead `(?=…)` `(?!…)`,
/// anchors `\A \z`, and the quantifiers `* + ? {n} {n,} {n,m}` with their lazy `?` forms.
struct RegexParser {
    private let scalars: [Unicode.Scalar]
    private var index = 0
    private var depth = 0
    /// Counted repetitions are expanded into copies; this bounds the program size.
    private static let maxRepetitionCount = 1000
    /// Groups nested deeper than this are refused rather than risking the stack.
    private static let maxDepth = 64

    init(_ pattern: String) {
        scalars = Array(pattern.unicodeScalars)
    }

    /// Parses the whole pattern.
    mutating func parse() throws(RegexSyntaxError) -> RegexNode {
        let node = try parseAlternation(caseInsensitive: false)
        if index < scalars.count { throw error("unbalanced ')'") }
        return node
    }

    private func error(_ message: String) -> RegexSyntaxError {
        RegexSyntaxError(message: "\(message) at offset \(index)")
    }

    private var peek: Unicode.Scalar? { index < scalars.count ? scalars[index] : nil }

    private mutating func next() throws(RegexSyntaxError) -> Unicode.Scalar {
        guard index < scalars.count else { throw error("unexpected end of pattern") }
        defer { index += 1 }
        return scalars[index]
    }

    private mutating func consume(_ scalar: Unicode.Scalar) -> Bool {
        if peek == scalar { index += 1; return true }
        return false
    }

    private mutating func parseAlternation(caseInsensitive: Bool) throws(RegexSyntaxError) -> RegexNode {
        var flag = caseInsensitive
        var branches = [try parseConcatenation(caseInsensitive: &flag)]
        while consume("|") { branches.append(try parseConcatenation(caseInsensitive: &flag)) }
        return branches.count == 1 ? branches[0] : .alternation(branches)
    }

    /// Parses one branch; an inline `(?i)` turns case-insensitivity on for the rest of the group.
    private mutating func parseConcatenation(caseInsensitive: inout Bool) throws(RegexSyntaxError) -> RegexNode {
        var nodes: [RegexNode] = []
        while let scalar = peek, scalar != "|", scalar != ")" {
            if scalar == "(", let flags = inlineFlagsAhead() {
                index += flags.length
                caseInsensitive = flags.caseInsensitive
                continue
            }
            let atom = try parseAtom(caseInsensitive: caseInsensitive)
            nodes.append(try parseQuantifiers(atom))
        }
        if nodes.isEmpty { return .empty }
        return nodes.count == 1 ? nodes[0] : .concatenation(nodes)
    }

    /// `(?i)` or `(?-i)` at the current position: its length and the flag it sets.
    private func inlineFlagsAhead() -> (length: Int, caseInsensitive: Bool)? {
        let rest = scalars[index...].prefix(5).map(Character.init)
        if rest.starts(with: Array("(?i)")) { return (4, true) }
        if rest.starts(with: Array("(?-i)")) { return (5, false) }
        return nil
    }

    private mutating func parseQuantifiers(_ atom: RegexNode) throws(RegexSyntaxError) -> RegexNode {
        var node = atom
        while let scalar = peek {
            let bounds: (Int, Int?)
            switch scalar {
            case "*": index += 1; bounds = (0, nil)
            case "+": index += 1; bounds = (1, nil)
            case "?": index += 1; bounds = (0, 1)
            case "{":
                guard let counted = try parseCountedBounds() else { return node }
                bounds = counted
            default: return node
            }
            switch node {
            case .startOfText, .endOfText, .lookahead: throw error("quantifier after an assertion")
            default: break
            }
            var greedy = true
            if consume("?") { greedy = false } else if peek == "+" { throw error("possessive quantifiers are not supported") }
            if bounds.1 == nil && node.isNullable { throw error("unbounded repetition of an expression that can match empty") }
            node = .repetition(node, min: bounds.0, max: bounds.1, greedy: greedy)
        }
        return node
    }

    /// `{n}`, `{n,}` or `{n,m}`; nil (and nothing consumed) when the brace is a literal.
    private mutating func parseCountedBounds() throws(RegexSyntaxError) -> (Int, Int?)? {
        let start = index
        index += 1
        func number(_ parser: inout RegexParser) -> Int? {
            var value: Int?
            while let s = parser.peek, s.value >= 0x30, s.value <= 0x39 {
                value = (value ?? 0) * 10 + Int(s.value - 0x30)
                parser.index += 1
                if value! > RegexParser.maxRepetitionCount { return Int.max }
            }
            return value
        }
        guard let lower = number(&self) else { index = start; return nil }
        var upper: Int? = lower
        if consume(",") { upper = number(&self) }
        guard consume("}") else { index = start; return nil }
        if lower > RegexParser.maxRepetitionCount || (upper ?? 0) > RegexParser.maxRepetitionCount {
            throw error("repetition count above \(RegexParser.maxRepetitionCount)")
        }
        if let upper, upper < lower { throw error("repetition bounds out of order") }
        return (lower, upper)
    }

    private mutating func parseAtom(caseInsensitive: Bool) throws(RegexSyntaxError) -> RegexNode {
        let scalar = try next()
        switch scalar {
        case "(": return try parseGroup(caseInsensitive: caseInsensitive)
        case "[": return .set(try parseClass(caseInsensitive: caseInsensitive))
        case ".": return .set(ScalarSet(items: [.range(10, 10)], negated: true))
        case "^", "$": throw error("line anchors are not supported")
        case "*", "+", "?": throw error("quantifier without an operand")
        case "\\": return try parseEscape(caseInsensitive: caseInsensitive)
        default: return literal(scalar, caseInsensitive: caseInsensitive)
        }
    }

    private func literal(_ scalar: Unicode.Scalar, caseInsensitive: Bool) -> RegexNode {
        guard caseInsensitive else { return .scalar(scalar) }
        let variants = ScalarSet.caseVariants(of: scalar)
        if variants.count == 1 { return .scalar(scalar) }
        return .set(ScalarSet(items: variants.map { .range($0.value, $0.value) }))
    }

    private mutating func parseGroup(caseInsensitive: Bool) throws(RegexSyntaxError) -> RegexNode {
        var flag = caseInsensitive
        var lookahead: Bool?
        if consume("?") {
            switch try next() {
            case ":": break
            case "=": lookahead = false
            case "!": lookahead = true
            case "i" where consume(":"): flag = true
            case "-" where consume("i") && consume(":"): flag = false
            case "<":
                throw error(peek == "=" || peek == "!" ? "lookbehind is not supported" : "named groups are not supported")
            default: throw error("unsupported group syntax")
            }
        }
        depth += 1
        guard depth <= RegexParser.maxDepth else { throw error("groups nested deeper than \(RegexParser.maxDepth) levels") }
        let body = try parseAlternation(caseInsensitive: flag)
        depth -= 1
        guard consume(")") else { throw error("missing ')'") }
        if let negated = lookahead { return .lookahead(body, negated: negated) }
        return body
    }

    private mutating func parseEscape(caseInsensitive: Bool) throws(RegexSyntaxError) -> RegexNode {
        let scalar = try next()
        switch scalar {
        case "A": return .startOfText
        case "z": return .endOfText
        case "b", "B", "G", "Z", "K", "R", "X":
            throw error("the escape \\\(scalar) is not supported")
        case "1"..."9", "k", "g": throw error("backreferences are not supported")
        default:
            index -= 1
            switch try parseEscapeInClass() {
            case let .scalar(value): return literal(value, caseInsensitive: caseInsensitive)
            case let .item(item): return .set(ScalarSet(items: [item]))
            }
        }
    }

    private enum ClassEscape {
        case scalar(Unicode.Scalar)
        case item(ScalarSet.Item)
    }

    /// The escape after a backslash that may also appear inside a class.
    private mutating func parseEscapeInClass() throws(RegexSyntaxError) -> ClassEscape {
        let scalar = try next()
        switch scalar {
        case "t": return .scalar("\t")
        case "n": return .scalar("\n")
        case "r": return .scalar("\r")
        case "f": return .scalar("\u{0C}")
        case "v": return .scalar("\u{0B}")
        case "e": return .scalar("\u{1B}")
        case "a": return .scalar("\u{07}")
        case "0": return .scalar("\u{00}")
        case "s": return .item(.whitespace(negated: false))
        case "S": return .item(.whitespace(negated: true))
        case "d": return .item(.categories(ScalarSet.categoryMask(named: "Nd")!, negated: false))
        case "D": return .item(.categories(ScalarSet.categoryMask(named: "Nd")!, negated: true))
        case "w": return .item(.word(negated: false))
        case "W": return .item(.word(negated: true))
        case "p", "P": return .item(try parseProperty(negated: scalar == "P"))
        case "x":
            if consume("{") { return .scalar(try parseHex(until: "}")) }
            return .scalar(try parseHex(count: 2))
        case "u": return .scalar(try parseHex(count: 4))
        default:
            if scalar.properties.isAlphabetic || scalar.properties.numericType != nil {
                throw error("unknown escape \\\(scalar)")
            }
            return .scalar(scalar)
        }
    }

    private mutating func parseProperty(negated: Bool) throws(RegexSyntaxError) -> ScalarSet.Item {
        var name = ""
        if consume("{") {
            while let s = peek, s != "}" { name.unicodeScalars.append(s); index += 1 }
            guard consume("}") else { throw error("missing '}' after \\p{") }
        } else {
            name.unicodeScalars.append(try next())
        }
        var negate = negated
        if name.hasPrefix("^") { negate.toggle(); name.removeFirst() }
        guard let mask = ScalarSet.categoryMask(named: name) else {
            throw error("unsupported Unicode property '\(name)'")
        }
        return .categories(mask, negated: negate)
    }

    private mutating func parseHex(count: Int) throws(RegexSyntaxError) -> Unicode.Scalar {
        var value: UInt32 = 0
        for _ in 0..<count { value = value * 16 + (try hexDigit()) }
        guard let scalar = Unicode.Scalar(value) else { throw error("invalid code point") }
        return scalar
    }

    private mutating func parseHex(until terminator: Unicode.Scalar) throws(RegexSyntaxError) -> Unicode.Scalar {
        var value: UInt32 = 0
        var digits = 0
        while !consume(terminator) {
            value = value &* 16 &+ (try hexDigit())
            digits += 1
            if digits > 8 { throw error("hex escape too long") }
        }
        guard digits > 0, let scalar = Unicode.Scalar(value) else { throw error("invalid code point") }
        return scalar
    }

    private mutating func hexDigit() throws(RegexSyntaxError) -> UInt32 {
        let scalar = try next()
        switch scalar.value {
        case 0x30...0x39: return scalar.value - 0x30
        case 0x41...0x46: return scalar.value - 0x41 + 10
        case 0x61...0x66: return scalar.value - 0x61 + 10
        default: throw error("invalid hex digit")
        }
    }

    private mutating func parseClass(caseInsensitive: Bool) throws(RegexSyntaxError) -> ScalarSet {
        let negated = consume("^")
        var items: [ScalarSet.Item] = []
        var first = true
        while true {
            let scalar = try next()
            if scalar == "]" && !first { break }
            first = false
            if scalar == "[" { throw error("nested classes and POSIX brackets are not supported") }
            if scalar == "&" && peek == "&" { throw error("class intersection is not supported") }
            var lower: Unicode.Scalar
            if scalar == "\\" {
                switch try parseEscapeInClass() {
                case let .item(item): items.append(item); continue
                case let .scalar(value): lower = value
                }
            } else {
                lower = scalar
            }
            if peek == "-", index + 1 < scalars.count, scalars[index + 1] != "]" {
                index += 1
                var upper = try next()
                if upper == "\\" {
                    guard case let .scalar(value) = try parseEscapeInClass() else { throw error("invalid class range") }
                    upper = value
                }
                guard lower.value <= upper.value else { throw error("class range out of order") }
                items.append(.range(lower.value, upper.value))
            } else {
                items.append(.range(lower.value, lower.value))
            }
        }
        return ScalarSet(items: items, negated: negated, caseInsensitive: caseInsensitive)
    }
}
