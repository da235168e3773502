import Foundation
import Testing
import TestSupport

/// `compress generate --chat`: the prompt (and `--system`) rendered with the model's own chat
/// template, with a generation prompt; a model without a template, or whose template fails, is
/// refused with one line.
@Suite struct GenerateChatTests {
    let folder = TemporaryFolder("generate-chat")

    /// llama_calib with a tokenizer_config.json holding `template`.
    func model(template: String?) throws -> String {
        let model = (try folder.copy(fixture: "models/llama_calib", to: "model-\(UUID().uuidString)") as NSString).standardizingPath
        var config: [String: Any] = ["bos_token": "<|begin_of_text|>", "eos_token": "<|im_end|>"]
        if let template { config["chat_template"] = template }
        try JSONSerialization.data(withJSONObject: config).write(to: URL(fileURLWithPath: model + "/tokenizer_config.json"))
        return model
    }

    func generate(_ model: String, _ arguments: [String]) throws -> CompressBinary.Result {
        try CompressBinary.run(["generate", "--model", model, "--max-tokens", "3", "--json"] + arguments)
    }

    /// The chat rendering is the prompt the plain command gets when given the rendered text
    /// (whose BOS the tokenizer adds; the template writes its own).
    @Test func rendersThePromptWithTheModelsTemplate() throws {
        let model = try model(template: "{{ bos_token }}{% for m in messages %}<{{ m.role }}>{{ m.content | trim }}\n{% endfor %}{% if add_generation_prompt %}<assistant>{% endif %}")
        let chat = try generate(model, ["--chat", "--system", " Be brief. ", "--prompt", "the cat"])
        let plain = try generate(model, ["--prompt", "<system>Be brief.\n<user>the cat\n<assistant>"])
        #expect(chat.status == 0, "\(chat.stderr)")
        #expect(plain.status == 0, "\(plain.stderr)")
        func result(_ output: String) throws -> (Int?, [Int]?) {
            let object = try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any]
            return (object?["prompt_tokens"] as? Int, object?["tokens"] as? [Int])
        }
        let (chatPrompt, chatTokens) = try result(chat.stdout)
        let (plainPrompt, plainTokens) = try result(plain.stdout)
        #expect(chatPrompt != nil && chatPrompt == plainPrompt)
        #expect(chatTokens != nil && chatTokens == plainTokens)
    }

    @Test func refusesAModelWithoutATemplate() throws {
        let model = try model(template: nil)
        let result = try generate(model, ["--chat", "--prompt", "the"])
        #expect(result.status == 1)
        #expect(result.stderr == "error: \(model): no chat template (no chat_template.jinja, no chat_template in tokenizer_config.json)\n")
    }

    @Test func refusesATemplateThatFails() throws {
        let model = try model(template: "{% if not messages[0].role == 'system' %}\n{{ raise_exception('A system message is required.') }}{% endif %}")
        let result = try generate(model, ["--chat", "--prompt", "the"])
        #expect(result.status == 1)
        #expect(result.stderr == "error: \(model)/tokenizer_config.json: chat template line 2: the template raised an error: A system message is required.\n")
        let unsupported = try self.model(template: "{% extends 'base.jinja' %}")
        #expect(try generate(unsupported, ["--chat", "--prompt", "the"]).stderr
            == "error: \(unsupported)/tokenizer_config.json: chat template line 1: the 'extends' tag is not supported\n")
    }
}
