import Foundation
import Testing
import TestSupport
@testable import Runtime

/// ChatML rendering, the recognition of models' templates, where the tokenizer finds them, and the
/// truncation of `Tokenizer.encode(_:addSpecialTokens:maxLength:)`.
@Suite struct ChatMLTemplateTests {
    let conversation = [ChatMessage(role: "user", content: "Hi"), ChatMessage(role: "assistant", content: "Hello!")]

    @Test func rendersChatML() {
        let plain = ChatMLTemplate()
        #expect(plain.render(conversation, addGenerationPrompt: false)
            == "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\nHello!<|im_end|>\n")
        #expect(plain.render([conversation[0]], addGenerationPrompt: true) == "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n")
        let withDefault = ChatMLTemplate(defaultSystemMessage: "Be brief.")
        #expect(withDefault.render([conversation[0]], addGenerationPrompt: false)
            == "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n")
        let system = ChatMessage(role: "system", content: "Be kind.")
        #expect(withDefault.render([system], addGenerationPrompt: false) == "<|im_start|>system\nBe kind.<|im_end|>\n")
    }

    /// SmolLM2's template (chat_template.jinja, real line breaks) and Qwen2.5-style string literals
    /// with `\n` escapes give their default system message; Qwen3-style templates, which only
    /// write the conversation's own system message, give none.
    @Test func readsTheDefaultSystemMessage() throws {
        let smolLM2 = try #require(try Tokenizer(path: Fixtures.path("smollm2-tokenizer")).chatTemplate)
        #expect(smolLM2.file == Fixtures.path("smollm2-tokenizer/chat_template.jinja"))
        #expect(try ChatMLTemplate(modelTemplate: smolLM2).defaultSystemMessage == "You are a helpful AI assistant named SmolLM, trained by Hugging Face")

        let qwen25 = #"{%- if messages[0]['role'] == 'system' %}{{- '<|im_start|>system\n' + messages[0]['content'] + '<|im_end|>\n' }}{%- else %}{{- '<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You\'re a helpful assistant.<|im_end|>\n' }}{%- endif %}"#
        #expect(try ChatMLTemplate(modelTemplate: ChatTemplateSource(text: qwen25, file: "t")).defaultSystemMessage
            == "You are Qwen, created by Alibaba Cloud. You're a helpful assistant.")
        let qwen3 = #"{%- if messages[0].role == 'system' %}{{- '<|im_start|>system\n' + messages[0].content + '<|im_end|>\n' }}{%- endif %}<|im_start|>system\n{{ x }}<|im_end|>"#
        #expect(try ChatMLTemplate(modelTemplate: ChatTemplateSource(text: qwen3, file: "t")).defaultSystemMessage == nil)
        #expect(throws: RuntimeError.unsupportedChatTemplate(file: "t")) {
            try ChatMLTemplate(modelTemplate: ChatTemplateSource(text: "{{ bos_token }}[INST] {{ m }} [/INST]", file: "t"))
        }
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

    /// transformers' truncation keeps the post-processor's tokens at both ends.
    @Test func truncationKeepsTheSpecialTokens() throws {
        var root = try #require(try JSONSerialization.jsonObject(with: Fixtures.data("tokenizers/byte-level-bpe/tokenizer.json")) as? [String: Any])
        func special(_ name: String) -> [String: Any] { ["SpecialToken": ["id": name, "type_id": 0]] }
        root["post_processor"] = [
            "type": "Sequence",
            "processors": [
                ["type": "ByteLevel", "add_prefix_space": true, "trim_offsets": false, "use_regex": true],
                ["type": "TemplateProcessing",
                 "single": [special("<|begin_of_text|>"), ["Sequence": ["id": "A", "type_id": 0]], special("[END]")],
                 "special_tokens": ["<|begin_of_text|>": ["id": "<|begin_of_text|>", "ids": [0], "tokens": ["<|begin_of_text|>"]],
                                    "[END]": ["id": "[END]", "ids": [901], "tokens": ["[END]"]]]],
            ],
        ]
        let tokenizer = try Tokenizer(jsonText: String(decoding: try JSONSerialization.data(withJSONObject: root), as: UTF8.self))
        let text = "free software for everyone, everywhere"
        let body = tokenizer.encode(text)
        try #require(body.count > 6)
        #expect(tokenizer.encode(text, addSpecialTokens: true) == [0] + body + [901])
        #expect(tokenizer.encode(text, addSpecialTokens: true, maxLength: 6) == [0] + body.prefix(4) + [901])
        #expect(tokenizer.encode(text, addSpecialTokens: true, maxLength: 100) == [0] + body + [901])
        #expect(tokenizer.encode(text, addSpecialTokens: false, maxLength: 6) == Array(body.prefix(6)))
        #expect(tokenizer.encode(text, addSpecialTokens: true, maxLength: 1) == [0])
    }
}
