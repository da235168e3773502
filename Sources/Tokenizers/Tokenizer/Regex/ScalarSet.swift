/// A set of Unicode scalars as a regular expression class describes it: `[a-z]`, `\p{L}`, `\s`,
/// `[^\r\n\p{L}\p{N}]`. Membership of ASCII scalars is precomputed into a bitmap; other scalars
/// are tested against the class items (ranges, general categories, White_Space).
struct ScalarSet: Sendable {
    /// One member description of a class.
    enum Item: Sendable {
        /// Scalars from `lower` through `upper`.
        case range(UInt32, UInt32)
        /// Scalars whose general category is in the mask (see `categoryBit`), or not in it when negated.
        case categories(UInt32, negated: Bool)
        /// The Unicode White_Space property (`\s`, as Oniguruma and Rust's regex define it), or its complement.
        case whitespace(negated: Bool)
        /// Word scalars (`\w`: letters, marks, decimal digits, connector punctuation), or their complement.
        case word(negated: Bool)
    }

    private let items: [Item]
    private let negated: Bool
    private let caseInsensitive: Bool
    private var asciiLow: UInt64 = 0
    private var asciiHigh: UInt64 = 0

    init(items: [Item], negated: Bool = false, caseInsensitive: Bool = false) {
        self.items = items
        self.negated = negated
        self.caseInsensitive = caseInsensitive
        for value in UInt32(0)..<128 where slowContains(Unicode.Scalar(value)!) {
            if value < 64 { asciiLow |= 1 << UInt64(value) } else { asciiHigh |= 1 << UInt64(value - 64) }
        }
    }

    /// Whether `scalar` belongs to the set.
    /// - Complexity: O(1) for ASCII, O(items) otherwise.
    @inline(__always)
    func contains(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        if value < 64 { return asciiLow & (1 << UInt64(value)) != 0 }
        if value < 128 { return asciiHigh & (1 << UInt64(value - 64)) != 0 }
        return slowContains(scalar)
    }

    /// Kept out of line, so that the loops `contains` is inlined into do not pay, at every call,
    /// for the stdlib's resilient `Unicode.Scalar.Properties` that this reads.
    @inline(never)
    private func slowContains(_ scalar: Unicode.Scalar) -> Bool {
        if matchesItems(scalar) != negated { return true }
        guard caseInsensitive else { return false }
        for variant in ScalarSet.caseVariants(of: scalar) where variant != scalar {
            if matchesItems(variant) != negated { return true }
        }
        return false
    }

    private func matchesItems(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        for item in items {
            switch item {
            case let .range(lower, upper):
                if value >= lower && value <= upper { return true }
            case let .categories(mask, negated):
                if (mask & ScalarSet.categoryBit(of: scalar) != 0) != negated { return true }
            case let .whitespace(negated):
                if scalar.properties.isWhitespace != negated { return true }
            case let .word(negated):
                if (ScalarSet.wordMask & ScalarSet.categoryBit(of: scalar) != 0) != negated { return true }
            }
        }
        return false
    }

    /// The scalars that match `scalar` case-insensitively: itself and its single-scalar lower,
    /// upper and title case mappings.
    static func caseVariants(of scalar: Unicode.Scalar) -> [Unicode.Scalar] {
        var result = [scalar]
        let properties = scalar.properties
        for mapping in [properties.lowercaseMapping, properties.uppercaseMapping, properties.titlecaseMapping] {
            let scalars = mapping.unicodeScalars
            if scalars.count == 1, let only = scalars.first, !result.contains(only) { result.append(only) }
        }
        return result
    }

    // MARK: General categories

    /// A bit per general category, in the order of `Unicode.GeneralCategory`'s cases.
    static func categoryBit(of scalar: Unicode.Scalar) -> UInt32 {
        1 << categoryIndex(scalar.properties.generalCategory)
    }

    private static func categoryIndex(_ category: Unicode.GeneralCategory) -> UInt32 {
        switch category {
        case .uppercaseLetter: return 0
        case .lowercaseLetter: return 1
        case .titlecaseLetter: return 2
        case .modifierLetter: return 3
        case .otherLetter: return 4
        case .nonspacingMark: return 5
        case .spacingMark: return 6
        case .enclosingMark: return 7
        case .decimalNumber: return 8
        case .letterNumber: return 9
        case .otherNumber: return 10
        case .connectorPunctuation: return 11
        case .dashPunctuation: return 12
        case .openPunctuation: return 13
        case .closePunctuation: return 14
        case .initialPunctuation: return 15
        case .finalPunctuation: return 16
        case .otherPunctuation: return 17
        case .mathSymbol: return 18
        case .currencySymbol: return 19
        case .modifierSymbol: return 20
        case .otherSymbol: return 21
        case .spaceSeparator: return 22
        case .lineSeparator: return 23
        case .paragraphSeparator: return 24
        case .control: return 25
        case .format: return 26
        case .surrogate: return 27
        case .privateUse: return 28
        case .unassigned: return 29
        @unknown default: return 29
        }
    }

    private static func mask(_ indices: ClosedRange<UInt32>) -> UInt32 {
        indices.reduce(0) { $0 | (1 << $1) }
    }

    /// `\w`: letters, marks, decimal numbers and connector punctuation.
    static let wordMask: UInt32 = mask(0...4) | mask(5...7) | (1 << 8) | (1 << 11)

    /// Every category mask a `\p{…}` escape may name, by its short and long property value names.
    static func categoryMask(named name: String) -> UInt32? {
        switch name {
        case "L", "Letter": return mask(0...4)
        case "LC", "Cased_Letter": return mask(0...2)
        case "Lu", "Uppercase_Letter": return 1 << 0
        case "Ll", "Lowercase_Letter": return 1 << 1
        case "Lt", "Titlecase_Letter": return 1 << 2
        case "Lm", "Modifier_Letter": return 1 << 3
        case "Lo", "Other_Letter": return 1 << 4
        case "M", "Mark", "Combining_Mark": return mask(5...7)
        case "Mn", "Nonspacing_Mark": return 1 << 5
        case "Mc", "Spacing_Mark": return 1 << 6
        case "Me", "Enclosing_Mark": return 1 << 7
        case "N", "Number": return mask(8...10)
        case "Nd", "Decimal_Number": return 1 << 8
        case "Nl", "Letter_Number": return 1 << 9
        case "No", "Other_Number": return 1 << 10
        case "P", "Punctuation": return mask(11...17)
        case "Pc", "Connector_Punctuation": return 1 << 11
        case "Pd", "Dash_Punctuation": return 1 << 12
        case "Ps", "Open_Punctuation": return 1 << 13
        case "Pe", "Close_Punctuation": return 1 << 14
        case "Pi", "Initial_Punctuation": return 1 << 15
        case "Pf", "Final_Punctuation": return 1 << 16
        case "Po", "Other_Punctuation": return 1 << 17
        case "S", "Symbol": return mask(18...21)
        case "Sm", "Math_Symbol": return 1 << 18
        case "Sc", "Currency_Symbol": return 1 << 19
        case "Sk", "Modifier_Symbol": return 1 << 20
        case "So", "Other_Symbol": return 1 << 21
        case "Z", "Separator": return mask(22...24)
        case "Zs", "Space_Separator": return 1 << 22
        case "Zl", "Line_Separator": return 1 << 23
        case "Zp", "Paragraph_Separator": return 1 << 24
        case "C", "Other": return mask(25...29)
        case "Cc", "Control": return 1 << 25
        case "Cf", "Format": return 1 << 26
        case "Cs", "Surrogate": return 1 << 27
        case "Co", "Private_Use": return 1 << 28
        case "Cn", "Unassigned": return 1 << 29
        default: return nil
        }
    }
}
