import Foundation
import Testing
import TestSupport

/// `--device` and `--cuda-libraries` on the commands that run the model, and `compress cuda-check`.
@Suite struct DeviceOptionTests {
    static let model = Fixtures.path("models/llama_calib")
    static let text = Fixtures.path("calibration/text.txt")
    static let commands = [
        ["eval", "--model", model, "--text", text, "--windows", "1", "--context", "8"],
        ["generate", "--model", model, "--prompt", "hi", "--max-tokens", "1"],
        ["oneshot", "--model", model, "--recipe", "RECIPE", "--output", "OUTPUT", "--dataset", text,
         "--num-calibration-samples", "2", "--max-seq-length", "16"],
    ]

    /// `command` with the oneshot placeholders replaced by a calibrated FP8 recipe and an output in `folder`.
    func arguments(_ command: [String], in folder: TemporaryFolder) throws -> [String] {
        let recipe = try folder.write("fp8.yaml", text: CalibrationCommandTests.fp8Static)
        return command.map { $0 == "RECIPE" ? recipe : $0 == "OUTPUT" ? folder.file("out") : $0 }
    }

    @Test(arguments: commands) func aDeviceOtherThanCPUOrCUDAIsABadOption(_ command: [String]) throws {
        let folder = TemporaryFolder("cli-device")
        for device in ["gpu", "cuda:", "cuda:x", "cuda:-1", "CPU"] {
            let result = try CompressBinary.run(try arguments(command, in: folder) + ["--device", device])
            #expect(result.status == 64, "\(device): \(result.stderr)")
            #expect(result.stderr.hasPrefix("Error: --device: '\(device)' is not a device (expected cpu, cuda or cuda:N)\n"))
        }
    }

    @Test(arguments: commands) func cudaNamesTheLibraryThatDidNotLoad(_ command: [String]) throws {
        let folder = TemporaryFolder("cli-device")
        let driver = try folder.write("libcuda.so.1", text: "not a library")
        for (extra, environment) in [(["--cuda-libraries", folder.path], [:]), ([], ["COMPRESS_CUDA_LIBRARIES": folder.path])] {
            let result = try CompressBinary.run(try arguments(command, in: folder) + ["--device", "cuda:0"] + extra, environment: environment)
            #expect(result.status == 1)
            #expect(result.stderr.hasSuffix("error: \(driver): cannot be loaded as a CUDA library: \(driver): file too short\n"), "\(result.stderr)")
            #expect(!FileManager.default.fileExists(atPath: folder.file("out")))
        }
    }

    @Test func aDataFreeRecipeQuantizesOnTheCPUWhateverTheDevice() throws {
        let folder = TemporaryFolder("cli-device")
        let result = try CompressBinary.run([
            "oneshot", "--model", Self.model, "--recipe", Fixtures.repositoryRoot + "/recipes/fp8_dynamic.yaml", "--output", folder.file("out"),
            "--device", "cuda", "--cuda-libraries", folder.path,
        ])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("warning: --device cuda is not used: data-free schemes are quantized on the CPU, tensor by tensor\n"))
    }

    @Test func cudaCheckNeedsArchitecturesOrADevice() throws {
        let result = try CompressBinary.run(["cuda-check"])
        #expect(result.status == 64)
        #expect(result.stderr.hasPrefix("Error: give --arch, or --device cuda[:N] to compile for a device\n"))
        let bad = try CompressBinary.run(["cuda-check", "--arch", "sm_80,compute_90"])
        #expect(bad.status == 64)
        #expect(bad.stderr.hasPrefix("Error: --arch: 'compute_90' is not a CUDA architecture (expected sm_XY or sm_XYa, e.g. sm_90a)\n"))
        let run = try CompressBinary.run(["cuda-check", "--arch", "sm_80", "--run"])
        #expect(run.status == 64)
        #expect(run.stderr.hasPrefix("Error: --run launches the kernels on the --device: give --device cuda[:N] instead of --arch\n"))
        let model = try CompressBinary.run(["cuda-check", "--device", "cuda", "--model", "/nonexistent"])
        #expect(model.status == 64)
        #expect(model.stderr.hasPrefix("Error: --model is run on the device by --run: give --run too\n"))
    }

    @Test func cudaCheckNamesTheCompilerThatDidNotLoad() throws {
        let folder = TemporaryFolder("cli-device")
        let nvrtc = try folder.write("libnvrtc.so.13", text: "not a library")
        let result = try CompressBinary.run(["cuda-check", "--arch", "sm_80", "--cuda-libraries", folder.path])
        #expect(result.status == 1)
        #expect(result.stderr.hasPrefix("error: \(nvrtc): cannot be loaded as a CUDA library"), "\(result.stderr)")
    }
}
