import Checkpoint
import Foundation
import Testing
import TestSupport

/// An interrupted `oneshot` exits with the conventional code and leaves no output behind.
@Suite struct InterruptTests {
    /// A model large enough that quantizing it takes a moment in a debug build: `layers` bf16
    /// matrices of 2048 × 2048, every element the bf16 0x3F3F (about 0.746).
    static func largeModel(in folder: TemporaryFolder, layers: Int = 12) throws -> String {
        let path = folder.file("model")
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        try folder.write("model/config.json", text: #"{"model_type": "llama", "architectures": ["LlamaForCausalLM"]}"#)
        let tensors = (0..<layers).map { OutputTensor(name: "model.layers.\($0).mlp.up_proj.weight", dtype: .bf16, shape: [2048, 2048]) }
        let writer = CheckpointWriter(directory: path, plan: ShardPlan(tensors: tensors))
        let one = [UInt8](repeating: 0x3F, count: 2048 * 2048 * 2)
        for t in tensors {
            try writer.begin(t.name)
            try one.withUnsafeBytes { try writer.append($0) }
        }
        try writer.finish()
        return path
    }

    @Test(arguments: [(SIGTERM, Int32(143)), (SIGINT, Int32(130))])
    func aSignalRemovesTheUnfinishedOutput(_ signal: Int32, _ expectedStatus: Int32) throws {
        let folder = TemporaryFolder("interrupt")
        let model = try Self.largeModel(in: folder)
        let recipe = Fixtures.repositoryRoot + "/recipes/fp8_dynamic.yaml"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CompressBinary.path)
        process.arguments = ["oneshot", "--model", model, "--recipe", recipe, "--output", folder.file("out"), "--threads", "1"]
        process.standardError = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let partial = folder.file(".out\(OutputFolder.partialMarker)\(process.processIdentifier)")
        let deadline = Date().addingTimeInterval(20)
        while !FileManager.default.fileExists(atPath: partial + "/model.safetensors"), Date() < deadline, process.isRunning {
            usleep(2_000)
        }
        #expect(process.isRunning, "the run finished before it could be interrupted")
        kill(process.processIdentifier, signal)
        process.waitUntilExit()
        #expect(process.terminationStatus == expectedStatus)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["model"])
    }
}
