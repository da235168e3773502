import Foundation
import Testing
import TestSupport

/// Options and recipe values out of range are told as such, and generation stays within the
/// model's context.
@Suite struct RuntimeOptionTests {
    static let model = Fixtures.path("models/llama_calib")

    @Test(arguments: ["inf", "nan"]) func aTemperatureMustBeAFiniteNumber(_ temperature: String) throws {
        let result = try CompressBinary.run(["generate", "--model", Self.model, "--prompt", "hi", "--temperature", temperature])
        #expect(result.status == 64)
        #expect(result.stderr.hasPrefix("Error: --temperature must be a finite number ≥ 0, got \(temperature)\n"))
    }

    @Test(arguments: [
        ["bench", "--model", model],
        ["eval", "--model", model, "--text", Fixtures.repositoryRoot + "/README.md"],
        ["verify", model],
        ["generate", "--model", model, "--prompt", "hi"],
    ]) func zeroThreadsAreRefused(_ command: [String]) throws {
        let result = try CompressBinary.run(command + ["--threads", "0"])
        #expect(result.status == 64)
        #expect(result.stderr.hasPrefix("Error: --threads must be at least 1\n"))
    }

    @Test func aNumBitsBeyond64BitsIsOutOfRange() throws {
        let folder = TemporaryFolder("cli-recipe")
        let recipe = try folder.write("recipe.yaml", text: """
            QuantizationModifier:
              config_groups:
                group_0:
                  targets: [Linear]
                  weights: {num_bits: 12345678901234567890, type: int}
            """)
        let result = try CompressBinary.run(["oneshot", "--model", Self.model, "--recipe", recipe, "--output", folder.file("out")])
        #expect(result.status == 1)
        #expect(result.stderr == "error: \(recipe):5:27: invalid num_bits 12345678901234567890: out of range (1 to 32 for int quantization, 4, 6 or 8 for float)\n")
    }

    @Test func maxTokensBeyondTheContextAreCappedWithAMessage() throws {
        let result = try CompressBinary.run(["generate", "--model", Self.model, "--prompt", "hello world", "--max-tokens", "100000000", "--threads", "1"])
        #expect(result.status == 0)
        #expect(result.stderr.hasPrefix(
            "generate: --max-tokens 100000000 capped to 248: the model's context (max_position_embeddings) is 256 tokens, the prompt takes 8\n"))
    }

    @Test(arguments: [["--dtype", "auto"], ["--matmul-precision", "highest"]])
    func productOptionsAreForTheRuntimeModesOfBench(_ option: [String]) throws {
        let result = try CompressBinary.run(["bench", "--model", Self.model] + option)
        #expect(result.status == 64)
        #expect(result.stderr.hasPrefix("Error: --dtype and --matmul-precision need --mode eval or --mode generate\n"))
    }

    @Test(arguments: [["--dtype", "auto"], ["--matmul-precision", "highest"], ["--matmul-precision", "high"]])
    func generateTakesTheProductOptions(_ option: [String]) throws {
        let prompt = String(repeating: "hello world ", count: 40)
        let result = try CompressBinary.run(["generate", "--model", Self.model, "--prompt", prompt, "--max-tokens", "2", "--threads", "1"] + option)
        #expect(result.status == 0, "\(result.stderr)")
    }

    /// `--dtype auto` rounds a bf16 model's inputs to bf16 before its products: the perplexity moves,
    /// a little; `--dtype float32` at `--matmul-precision high` is the default, within 1e-5 of
    /// `highest` on this model (the same where the CPU cannot run the split products).
    @Test func dtypeAutoMultipliesBF16InputsAndFloat32AtHighPrecisionIsTheDefault() throws {
        /// The perplexity, after checking the products the JSON says ran (`expected`, or split
        /// where the CPU runs the split products).
        func perplexity(_ options: [String], products expected: Set<String>) throws -> Double {
            let result = try CompressBinary.run(["eval", "--model", Self.model, "--text", Fixtures.path("calibration/text.txt"),
                                                 "--context", "64", "--windows", "4", "--threads", "1", "--json"] + options)
            #expect(result.status == 0, "\(result.stderr)")
            let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
            let products = object?["products"] as? String ?? "none"
            #expect(expected.contains(products), "\(options): \(products)")
            return try #require(object?["perplexity"] as? Double)
        }
        let high: Set = ["split", "float32"]
        let byDefault = try perplexity([], products: high)
        let float32 = try perplexity(["--dtype", "float32", "--matmul-precision", "high"], products: high)
        let highest = try perplexity(["--matmul-precision", "highest"], products: ["float32"])
        let auto = try perplexity(["--dtype", "auto"], products: ["bfloat16"])
        #expect(float32 == byDefault)
        #expect(abs(float32 - highest) < 1e-5 * highest, "high \(float32) against highest \(highest)")
        #expect(auto != highest)
        #expect(abs(auto - highest) < 1e-2 * highest, "auto \(auto) against highest \(highest)")
    }
}
