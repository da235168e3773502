import Foundation
import JSON
import Testing
import TestSupport
@testable import compress_cli
import LLMCompressor

/// `compress bench` runs wherever it is started: its default recipe is built in.
@Suite struct BenchCommandTests {
    @Test func theDefaultRecipeIsFoundFromAnyFolder() throws {
        let folder = TemporaryFolder("cli-bench")
        let result = try CompressBinary.run(["bench", "--model", Fixtures.path("tiny-llama"), "--runs", "1", "--json"], in: folder.path)
        #expect(result.status == 0, "\(result.stderr)")
        let report = try JSONParser.parse(result.stdout)
        #expect(report["recipe"] == .string(BenchCommand.builtInRecipeName))
        #expect(report["bytes_out"]?.integerValue == 1_714_688)
    }

    @Test func theBuiltInRecipeIsTheShippedFP8DynamicOne() throws {
        let builtIn = try Recipe.parse(yaml: BenchCommand.builtInRecipe, file: BenchCommand.builtInRecipeName)
        let shipped = try Recipe.load(path: Fixtures.repositoryRoot + "/recipes/fp8_dynamic.yaml")
        #expect(builtIn.savedYAML() == shipped.savedYAML())
    }

    static let runtimeModel = Fixtures.path("models/llama_calib")

    /// The kernel paths this CPU runs, read from /proc/cpuinfo's flags as CKernels checks them.
    static let supportedPaths: [String] = {
        let info = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let flags = Set(info.split(separator: "\n").first { $0.hasPrefix("flags") }?.split(separator: " ").map(String.init) ?? [])
        var paths = ["portable"]
        if flags.isSuperset(of: ["avx2", "fma", "f16c"]) { paths.append("avx2") }
        if flags.isSuperset(of: ["avx512f", "avx512bw", "avx512vl", "avx512dq", "avx512_vnni", "f16c"]) { paths.append("avx512") }
        return paths
    }()

    /// `bench --mode eval` scores with the kernels COMPRESS_KERNELS names, says which and which
    /// products ran, and every path gives the same perplexity (within the split products' error).
    @Test func evalModeReportsThePathAndEveryPathScoresAlike() throws {
        let text = Fixtures.path("calibration/text.txt")
        var perplexities: [Double] = []
        for path in Self.supportedPaths {
            let result = try CompressBinary.run(
                ["bench", "--model", Self.runtimeModel, "--mode", "eval", "--text", text, "--context", "32", "--windows", "2", "--runs", "1", "--json"],
                environment: ["COMPRESS_KERNELS": path])
            #expect(result.status == 0, "\(result.stderr)")
            let report = try JSONParser.parse(result.stdout)
            #expect(report["kernels"] == .string(path))
            // The split products run only on the AVX-512 path (and there only with AVX512_BF16).
            let products = report["products"]?.stringValue
            #expect(path == "avx512" ? products == "split" || products == "float32" : products == "float32", "\(path): \(products ?? "none")")
            #expect(report["mode"] == .string("eval") && report["tokens"]?.integerValue == 64)
            #expect((report["best_tokens_per_second"]?.numberValue ?? 0) > 0)
            perplexities.append(report["perplexity"]?.numberValue ?? .nan)
        }
        for p in perplexities { #expect(abs(p - perplexities[0]) <= 1e-4 * perplexities[0], "\(perplexities)") }
    }

    /// `--scored-tokens second-half` counts the same tokens in `bench --mode eval` and `eval`, and
    /// both say which tokens they counted.
    @Test func bothCommandsScoreTheSecondHalfAlike() throws {
        let text = Fixtures.path("calibration/text.txt")
        let window = ["--text", text, "--context", "32", "--windows", "2", "--scored-tokens", "second-half", "--json"]
        let bench = try CompressBinary.run(["bench", "--model", Self.runtimeModel, "--mode", "eval", "--runs", "1"] + window)
        let eval = try CompressBinary.run(["eval", "--model", Self.runtimeModel] + window)
        #expect(bench.status == 0 && eval.status == 0, "\(bench.stderr)\(eval.stderr)")
        let benched = try JSONParser.parse(bench.stdout), evaluated = try JSONParser.parse(eval.stdout)
        #expect(benched["scored"] == .string("second-half") && evaluated["scored"] == .string("second-half"))
        #expect(evaluated["scored_tokens"]?.integerValue == Int64(2 * 15))
        #expect(benched["perplexity"] != nil && benched["perplexity"] == evaluated["perplexity"])
    }

    /// `bench --mode generate` reports decode tokens/s over the new tokens after the first, and the
    /// best path this CPU runs when COMPRESS_KERNELS names none it runs.
    @Test func generateModeReportsDecodingSpeed() throws {
        let result = try CompressBinary.run(
            ["bench", "--model", Self.runtimeModel, "--mode", "generate", "--max-tokens", "5", "--runs", "2", "--json"],
            environment: ["COMPRESS_KERNELS": "none-such"])
        #expect(result.status == 0, "\(result.stderr)")
        let report = try JSONParser.parse(result.stdout)
        #expect(report["kernels"] == .string(Self.supportedPaths.last!))
        #expect(report["tokens"]?.integerValue == 4 && report["seconds"]?.arrayValue?.count == 2)
        #expect((report["prompt_tokens_per_second"]?.numberValue ?? 0) > 0 && report["load_average"]?.arrayValue?.count == 3)
    }

    @Test func runtimeOptionsNeedTheirMode() throws {
        let text = Fixtures.path("calibration/text.txt")
        for arguments in [["--mode", "eval"], ["--text", text], ["--mode", "generate", "--recipe", "r.yaml"], ["--mode", "generate", "--max-tokens", "1"],
                          ["--mode", "generate", "--scored-tokens", "second-half"]] {
            let result = try CompressBinary.run(["bench", "--model", Self.runtimeModel] + arguments)
            #expect(result.status == 64, "\(arguments): \(result.stderr)")
        }
    }
}
