import Checkpoint
import CompressorC
import Foundation
import Testing
import TestSupport

/// `llmc_oneshot_tensors`: tensors in the caller's memory compress to the bytes their folder does.
@Suite struct CABIMemoryTests {
    static let model = Fixtures.path("tiny-llama")
    static let fp8Dynamic = Fixtures.repositoryRoot + "/recipes/fp8_dynamic.yaml"

    /// The C records of `tensors` (48 bytes each), with the name, dtype and shape storage they point to.
    final class Records {
        let buffer: UnsafeMutableRawPointer
        private var strings: [UnsafeMutablePointer<CChar>] = []
        private var shapes: [UnsafeMutablePointer<Int64>] = []

        init(_ tensors: [(name: String, dtype: String, shape: [Int], bytes: UnsafeRawBufferPointer)]) {
            buffer = .allocate(byteCount: max(1, tensors.count) * 48, alignment: 8)
            for (i, tensor) in tensors.enumerated() {
                let name = strdup(tensor.name)!, dtype = strdup(tensor.dtype)!
                let shape = UnsafeMutablePointer<Int64>.allocate(capacity: max(1, tensor.shape.count))
                for (d, size) in tensor.shape.enumerated() { shape[d] = Int64(size) }
                strings += [name, dtype]
                shapes.append(shape)
                let record = buffer + i * 48
                record.storeBytes(of: UnsafePointer(name), toByteOffset: 0, as: UnsafePointer<CChar>.self)
                record.storeBytes(of: UnsafePointer(dtype), toByteOffset: 8, as: UnsafePointer<CChar>.self)
                record.storeBytes(of: UnsafePointer(shape), toByteOffset: 16, as: UnsafePointer<Int64>.self)
                record.storeBytes(of: Int64(tensor.shape.count), toByteOffset: 24, as: Int64.self)
                record.storeBytes(of: tensor.bytes.baseAddress, toByteOffset: 32, as: UnsafeRawPointer?.self)
                record.storeBytes(of: Int64(tensor.bytes.count), toByteOffset: 40, as: Int64.self)
            }
        }

        deinit {
            strings.forEach { free($0) }
            shapes.forEach { $0.deallocate() }
            buffer.deallocate()
        }
    }

    static func oneshotTensors(_ options: [String: Any], _ records: Records, count: Int) -> CABICall {
        var result: UnsafeMutablePointer<CChar>?
        let status = CABICall.options(options).withCString {
            llmc_oneshot_tensors($0, records.buffer, Int64(count), nil, nil, nil, &result)
        }
        defer { llmc_free(result) }
        return CABICall(status: status, text: result.map { String(cString: $0) } ?? "", events: [])
    }

    /// A folder with the model's files but its weights, as Python's side prepares one.
    static func filesWithoutWeights(in folder: TemporaryFolder) throws -> String {
        let path = folder.file("model-files")
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        for name in ["config.json", "generation_config.json"] {
            try FileManager.default.copyItem(atPath: model + "/" + name, toPath: path + "/" + name)
        }
        return path
    }

    @Test func tensorsInMemoryGiveTheBytesOfTheirFolder() throws {
        let folder = TemporaryFolder("cabi-memory")
        let checkpoint = try Checkpoint(directory: Self.model)
        let records = Records(checkpoint.tensors.map { ($0.name, $0.info.dtype.rawValue, $0.info.shape, checkpoint.data($0)) })
        let files = try Self.filesWithoutWeights(in: folder)
        let memory = Self.oneshotTensors(["model": files, "recipe": Self.fp8Dynamic, "output_dir": folder.file("memory")],
                                         records, count: checkpoint.tensors.count)
        #expect(memory.status == 0, "\(memory.text)")
        #expect(memory.json["files_copied"] as? [String] == ["generation_config.json"])
        let fromFolder = CABICall.oneshot(["model": Self.model, "recipe": Self.fp8Dynamic, "output_dir": folder.file("folder")])
        #expect(fromFolder.status == 0)
        for name in ["model.safetensors", "config.json", "recipe.yaml", "generation_config.json"] {
            #expect(try Data(contentsOf: URL(fileURLWithPath: folder.file("memory/" + name)))
                == Data(contentsOf: URL(fileURLWithPath: folder.file("folder/" + name))), "\(name)")
        }
    }

    @Test func aBufferWhoseLengthDisagreesWithItsShapeIsNamed() throws {
        let folder = TemporaryFolder("cabi-memory")
        let bytes = [UInt8](repeating: 0, count: 10)
        let call = try bytes.withUnsafeBytes { buffer in
            Self.oneshotTensors(["model": try Self.filesWithoutWeights(in: folder), "recipe": Self.fp8Dynamic, "output_dir": folder.file("out")],
                                Records([("model.norm.weight", "BF16", [4], buffer)]), count: 1)
        }
        #expect(call.status == 1)
        #expect(call.text.contains("model.norm.weight"), "\(call.text)")
        #expect(call.text.contains(MemoryTensor.source))
        #expect(!FileManager.default.fileExists(atPath: folder.file("out")))
    }

    @Test func anUnknownDTypeAndARepeatedNameAreRefused() throws {
        let folder = TemporaryFolder("cabi-memory")
        let files = try Self.filesWithoutWeights(in: folder)
        let bytes = [UInt8](repeating: 0, count: 8)
        bytes.withUnsafeBytes { buffer in
            let unknown = Self.oneshotTensors(["model": files, "recipe": Self.fp8Dynamic, "output_dir": folder.file("out")],
                                              Records([("a.weight", "F12", [4], buffer)]), count: 1)
            #expect(unknown.status == 64)
            #expect(unknown.text == "oneshot_tensors: tensor 'a.weight' has the unknown dtype 'F12'")
            let repeated = Self.oneshotTensors(["model": files, "recipe": Self.fp8Dynamic, "output_dir": folder.file("out")],
                                               Records([("a.weight", "BF16", [4], buffer), ("a.weight", "BF16", [4], buffer)]), count: 2)
            #expect(repeated.status == 1)
            #expect(repeated.text.contains("a.weight"))
        }
    }
}
