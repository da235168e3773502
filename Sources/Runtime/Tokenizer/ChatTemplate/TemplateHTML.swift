/// markupsafe's escaping, which `|escape` and `Markup + str` apply.
enum TemplateHTML {
    /// `text` with `&`, `<`, `>`, `"` and `'` as HTML entities.
    static func escaped(_ text: String) -> String {
        var result = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&#34;"
            case "'": result += "&#39;"
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result
    }
}
