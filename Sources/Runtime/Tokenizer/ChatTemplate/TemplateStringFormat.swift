/// Python's `str.format` for the replacement fields templates use: `{}`, `{0}` and `{name}`, with
/// `{{` and `}}` for braces. Fields with a conversion, a format spec, an attribute or an index
/// are not supported.
enum TemplateStringFormat {
    static func format(_ text: String, _ arguments: TemplateCallArguments) throws(TemplateFault) -> String {
        var result = ""
        var scalars = Array(text.unicodeScalars)[...]
        var nextAutomatic = 0
        while let scalar = scalars.popFirst() {
            if scalar == "}" {
                guard scalars.popFirst() == "}" else { throw .error("Single '}' encountered in format string") }
                result += "}"
                continue
            }
            guard scalar == "{" else {
                result.unicodeScalars.append(scalar)
                continue
            }
            if scalars.first == "{" {
                scalars.removeFirst()
                result += "{"
                continue
            }
            guard let close = scalars.firstIndex(of: "}") else { throw .error("Single '{' encountered in format string") }
            let field = String(String.UnicodeScalarView(scalars[..<close]))
            scalars = scalars[(close + 1)...]
            let value: TemplateValue
            if field.isEmpty {
                guard nextAutomatic < arguments.positional.count else { throw .error("Replacement index \(nextAutomatic) out of range for positional args tuple") }
                value = arguments.positional[nextAutomatic]
                nextAutomatic += 1
            } else if let index = Int(field) {
                guard index >= 0, index < arguments.positional.count else { throw .error("Replacement index \(index) out of range for positional args tuple") }
                value = arguments.positional[index]
            } else if field.unicodeScalars.allSatisfy({ $0 == "_" || $0.properties.isAlphabetic || ("0"..."9").contains($0) }) {
                guard let named = arguments.keyword.first(where: { $0.name == field }) else { throw .error("KeyError: '\(field)'") }
                value = named.value
            } else {
                throw .unsupported("the format field '{\(field)}'")
            }
            result += try value.text()
        }
        return result
    }
}
