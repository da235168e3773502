import Checkpoint
import Foundation
import Testing
import TestSupport
@testable import Runtime
import JSON

/// The Jinja renderer against jinja2 configured as transformers' `apply_chat_template` configures
/// it. Fixtures: `chat-templates/*.json`, written by scripts/make-chat-template-reference.py: our own
/// templates, one or more per construct and per family of public templates, each with
/// conversations and jinja2's rendering (or the exception it raised), compared byte for byte.
@Suite struct ChatTemplateTests {
    /// The time the script stops `strftime_now`'s clock at: 2024-07-26 13:05:09.123456.
    static let clock = Date(timeIntervalSince1970: 1_721_999_109.123456)
    static let utc = TimeZone(secondsFromGMT: 0)!

    struct Case: CustomStringConvertible {
        var template: String
        var source: String
        var name: String
        var values: JSONValue

        var description: String { "\(template) / \(name)" }

        func render() throws -> String {
            func list(_ key: String) -> [JSONValue]? { values[key]?.arrayValue }
            let specialTokens = (values["special_tokens"]?.objectValue?.members ?? []).reduce(into: [String: String]()) { $0[$1.key] = $1.value.stringValue }
            let variables = (values["variables"]?.objectValue?.members ?? []).reduce(into: [String: JSONValue]()) { $0[$1.key] = $1.value }
            let chatTemplate = try ChatTemplate(ChatTemplateSource(text: source, file: template), specialTokens: specialTokens)
            return try chatTemplate.render(list("messages") ?? [], addGenerationPrompt: values["add_generation_prompt"]?.boolValue ?? false,
                                           tools: list("tools"), documents: list("documents"), variables: variables, now: clock, timeZone: utc)
        }
    }

    static func cases(_ fixture: String) throws -> [Case] {
        let root = try JSONParser.parse(String(decoding: try Fixtures.data("chat-templates/\(fixture).json"), as: UTF8.self))
        return try #require(root["templates"]?.arrayValue).flatMap { entry in
            (entry["cases"]?.arrayValue ?? []).map { item in
                Case(template: entry["name"]?.stringValue ?? "", source: entry["template"]?.stringValue ?? "",
                     name: item["name"]?.stringValue ?? "", values: item)
            }
        }
    }

    @Test(arguments: ["whitespace", "statements", "expressions", "filters", "tests", "methods", "tojson", "globals", "families"])
    func rendersAsJinja2(fixture: String) throws {
        let cases = try Self.cases(fixture)
        #expect(!cases.isEmpty)
        for item in cases {
            if let expected = item.values["expected"]?.stringValue {
                do {
                    let rendered = try item.render()
                    #expect(rendered == expected, "\(item): \(Self.firstDifference(rendered, expected))")
                } catch {
                    Issue.record("\(item): \(error)")
                }
            } else {
                let jinjaError = try #require(item.values["error"]?.stringValue)
                #expect(throws: TokenizerError.self, "\(item) should fail as jinja2 did: \(jinjaError)") { try item.render() }
            }
        }
    }

    /// Where two renderings part, with some text of each from there.
    static func firstDifference(_ rendered: String, _ expected: String) -> String {
        let a = Array(rendered.unicodeScalars), b = Array(expected.unicodeScalars)
        let offset = (0..<min(a.count, b.count)).first { a[$0] != b[$0] } ?? min(a.count, b.count)
        func around(_ scalars: [Unicode.Scalar]) -> String {
            String(String.UnicodeScalarView(scalars[max(offset - 20, 0)..<min(offset + 40, scalars.count)])).debugDescription
        }
        return "differs at \(offset): rendered \(around(a)), expected \(around(b))"
    }

    /// What jinja2 refuses, we refuse, as one line naming the template file and line; the
    /// template's own `raise_exception` message is kept.
    @Test func jinja2ErrorsAreErrors() throws {
        for item in try Self.cases("errors") {
            let jinjaError = try #require(item.values["error"]?.stringValue)
            do {
                _ = try item.render()
                Issue.record("\(item) rendered, but jinja2 raised \(jinjaError)")
            } catch let error as TokenizerError {
                guard case let .chatTemplate(file, line, reason) = error else {
                    Issue.record("\(item): \(error) should be a template error, as jinja2's \(jinjaError)")
                    continue
                }
                #expect(file == item.template && line == 1, "\(item): \(error)")
                #expect(!error.description.contains("\n"), "\(item)")
                if jinjaError.hasPrefix("TemplateError: ") {
                    #expect(reason == "the template raised an error: " + jinjaError.dropFirst("TemplateError: ".count), "\(item)")
                }
            }
        }
    }

    static func failure(_ template: String, file: String = "chat_template.jinja", messages: [ChatMessage] = [ChatMessage(role: "user", content: "Hi")]) -> TokenizerError? {
        do {
            _ = try ChatTemplate(ChatTemplateSource(text: template, file: file)).render(messages, addGenerationPrompt: false)
            return nil
        } catch {
            return error
        }
    }

    @Test func errorsNameTheLineOfTheStatement() {
        #expect(Self.failure("a\n\n{{ missing.attr }}") == .chatTemplate(file: "chat_template.jinja", line: 3, reason: "'missing' is undefined"))
        let inMacro = "{% macro m(x) %}\n  {{ x.y }}\n{% endmacro %}\n{% for message in messages %}\n{{ m(missing) }}{% endfor %}"
        #expect(Self.failure(inMacro) == .chatTemplate(file: "chat_template.jinja", line: 2, reason: "'missing' is undefined"))
        let inCondition = "{% if true %}\n{% if messages[0].content +\n 1 %}x{% endif %}{% endif %}"
        #expect(Self.failure(inCondition) == .chatTemplate(file: "chat_template.jinja", line: 2, reason: "can only concatenate str (not \"int\") to str"))
        #expect(Self.failure("x\n{% if true %}", file: "tokenizer_config.json")?.description
            == "tokenizer_config.json: chat template line 2: unexpected end of template, expected 'elif' or 'else' or 'endif'")
        #expect(Self.failure("{{ raise_exception('Roles must alternate.') }}")?.description
            == "chat_template.jinja: chat template line 1: the template raised an error: Roles must alternate.")
    }

    /// Runaway recursion and nesting are errors, as jinja2's `RecursionError`, never a stack overflow.
    @Test func deepRecursionAndNestingAreErrors() throws {
        func render(_ template: String) throws -> String {
            try ChatTemplate(ChatTemplateSource(text: template, file: "t")).render([ChatMessage](), addGenerationPrompt: false)
        }
        let countdown = "{% macro f(n) %}{% if n > 0 %}{{ f(n - 1) }}{% else %}bottom{% endif %}{% endmacro %}{{ f("
        #expect(try render(countdown + "190) }}") == "bottom")
        #expect(Self.failure(countdown + "100000) }}", file: "t") == .chatTemplate(file: "t", line: 1, reason: "maximum recursion depth exceeded: macros called 200 deep"))
        #expect(try render("{{ " + Array(repeating: "1", count: 250).joined(separator: " + ") + " }}") == "250")
        #expect(try render("{{ " + String(repeating: "(", count: 60) + "'x'" + String(repeating: ")", count: 60) + " }}") == "x")
        let tooDeep = TokenizerError.chatTemplate(file: "t", line: 1, reason: "the template nests more than 300 levels deep")
        for template in ["{{ " + Array(repeating: "1", count: 2_000).joined(separator: " + ") + " }}",
                         "{{ " + String(repeating: "(", count: 2_000) + "1" + String(repeating: ")", count: 2_000) + " }}",
                         "{{ " + String(repeating: "not ", count: 2_000) + "1 }}",
                         "{{ " + String(repeating: "-", count: 2_000) + "1 }}",
                         "{{ x" + String(repeating: ".a", count: 2_000) + " }}",
                         "{{ x" + String(repeating: "|trim", count: 2_000) + " }}",
                         String(repeating: "{% if true %}", count: 2_000)] {
            #expect(Self.failure(template, file: "t") == tooDeep, "\(template.prefix(20))")
        }
    }

    /// Constructs jinja2 renders but this renderer does not fail with the line and the construct,
    /// never with another rendering.
    @Test func unsupportedConstructsAreNamed() {
        let file = "chat_template.jinja"
        let unsupported: [(String, Int, String)] = [
            ("{% include 'other.jinja' %}", 1, "the 'include' tag"),
            ("\n{% extends 'base' %}", 2, "the 'extends' tag"),
            ("{% for m in messages recursive %}{% endfor %}", 1, "a recursive loop"),
            ("{{ '%s!' % messages[0].content }}", 1, "'%' string formatting"),
            ("{{ '%s'|format(1) }}", 1, "the 'format' filter"),
            ("{% for m in messages %}\n\n{{ m.content.zfill(9) }}{% endfor %}", 3, "the string method 'zfill'"),
            ("{{ messages[0].content.center(9) }}", 1, "the string method 'center'"),
            ("{{ 1 is sameas 1 }}", 1, "the 'sameas' test on int values"),
            ("{{ cycler('a', 'b') }}", 1, "the global function 'cycler'"),
            ("{{ messages[0].get(*['role']) }}", 1, "'*' and '**' arguments"),
            ("{{ '\\N{BULLET}' }}", 1, "the \\N{...} escape"),
            ("{{ 9223372036854775807 + 1 }}", 1, "integers beyond 64 bits"),
            ("{{ (-8) ** (1/3) }}", 1, "complex numbers"),
            ("{{ messages[0].get }}", 1, "writing the function 'get' as text"),
            ("{{ messages|map(attribute='role') }}", 1, "writing a generator as text"),
        ]
        for (template, line, construct) in unsupported {
            #expect(Self.failure(template) == .unsupportedTemplateConstruct(file: file, line: line, construct: construct), "\(template)")
        }
        #expect(Self.failure("{{ ''.zfill(1) }}")?.description == "chat_template.jinja: chat template line 1: the string method 'zfill' is not supported")
    }

    /// The model's own template from its folder, with tokenizer_config.json's special tokens; a
    /// folder without one is an error naming it.
    @Test func modelTemplatesComeWithTheirSpecialTokens() throws {
        let folder = TemporaryFolder("chat-template")
        let path = (folder.path as NSString).standardizingPath
        try FileManager.default.copyItem(atPath: Fixtures.path("smollm2-tokenizer/tokenizer.json"), toPath: folder.file("tokenizer.json"))
        try folder.write("tokenizer_config.json", text: #"{"bos_token": "<s>", "eos_token": {"content": "</s>", "special": true}, "pad_token": null, "chat_template": "{{ bos_token }}{{ messages[0].content }}{{ eos_token }}{{ pad_token is defined }}"}"#)
        let tokenizer = try Tokenizer(path: path)
        #expect(tokenizer.namedSpecialTokens == ["bos_token": "<s>", "eos_token": "</s>"])
        #expect(try ChatTemplate(tokenizer: tokenizer).render([ChatMessage(role: "user", content: "Hi")], addGenerationPrompt: false) == "<s>Hi</s>False")
        try folder.write("tokenizer_config.json", text: "{}")
        #expect(throws: TokenizerError.missingChatTemplate(directory: path)) { try ChatTemplate(tokenizer: try Tokenizer(path: path)) }
        #expect(TokenizerError.missingChatTemplate(directory: path).description
            == "\(path): no chat template (no chat_template.jinja, no chat_template in tokenizer_config.json)")
    }

    /// SmolLM2's real template (in the tokenizer fixture) renders what transformers renders.
    @Test func smolLM2TemplateRendersChatML() throws {
        let template = try ChatTemplate(tokenizer: try Tokenizer(path: Fixtures.path("smollm2-tokenizer")))
        #expect(template.source.file == Fixtures.path("smollm2-tokenizer/chat_template.jinja"))
        let conversation = [ChatMessage(role: "user", content: "Hi"), ChatMessage(role: "assistant", content: "Hello!")]
        #expect(try template.render(conversation, addGenerationPrompt: false)
            == "<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\nHello!<|im_end|>\n")
        #expect(try template.render([ChatMessage(role: "system", content: "Be brief."), conversation[0]], addGenerationPrompt: true)
            == "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n")
    }

    @Test func templatesAreFoundInTheConfigUnlessAJinjaFileIsBeside() throws {
        let folder = TemporaryFolder("chat-template")
        let path = (folder.path as NSString).standardizingPath
        func file(_ name: String) -> String { path + "/" + name }
        try FileManager.default.copyItem(atPath: Fixtures.path("smollm2-tokenizer/tokenizer.json"), toPath: folder.file("tokenizer.json"))
        try folder.write("tokenizer_config.json", text: #"{"chat_template": [{"name": "tool_use", "template": "A"}, {"name": "default", "template": "B"}]}"#)
        #expect(try Tokenizer(path: path).chatTemplate == ChatTemplateSource(text: "B", file: file("tokenizer_config.json")))
        try folder.write("tokenizer_config.json", text: #"{"chat_template": "C"}"#)
        #expect(try Tokenizer(path: path).chatTemplate == ChatTemplateSource(text: "C", file: file("tokenizer_config.json")))
        try folder.write("chat_template.jinja", text: "D")
        #expect(try Tokenizer(path: path).chatTemplate == ChatTemplateSource(text: "D", file: file("chat_template.jinja")))
        try FileManager.default.removeItem(atPath: folder.file("chat_template.jinja"))
        try folder.write("tokenizer_config.json", text: #"{"chat_template": [{"name": "tool_use", "template": "A"}]}"#)
        #expect(throws: TokenizerError.invalidField(file: file("tokenizer_config.json"), field: "chat_template", reason: "no template named 'default'")) {
            try Tokenizer(path: path)
        }
    }
}
