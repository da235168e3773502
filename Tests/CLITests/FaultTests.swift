import Checkpoint
import Foundation
import Testing
import TestSupport

/// `compress oneshot` against faults of the machine around it: each ends in one error line naming
/// the file, exit code 1 and no output, or in a valid output.
@Suite struct FaultTests {
    static let model = Fixtures.path("tiny-llama")
    static let recipe = Fixtures.repositoryRoot + "/recipes/fp8_dynamic.yaml"
    static let isRoot = getuid() == 0

    static func oneshot(_ model: String, _ output: String, _ options: [String] = [], through wrapper: [String] = []) throws -> CompressBinary.Result {
        try CompressBinary.run(["oneshot", "--model", model, "--recipe", recipe, "--output", output, "--quiet"] + options, through: wrapper)
    }

    /// The folder's entries, hidden ones included (a leftover temporary output is hidden).
    static func contents(_ path: String) throws -> [String] { try FileManager.default.contentsOfDirectory(atPath: path).sorted() }

    // MARK: Input

    /// Resident kilobytes of the process's mapping of the file whose path ends in `suffix`.
    static func residentKilobytes(pid: Int32, mapping suffix: String) -> Int {
        // /proc files claim a size of 0: read to the end rather than by size.
        guard let data = FileHandle(forReadingAtPath: "/proc/\(pid)/smaps")?.readDataToEndOfFile() else { return 0 }
        let smaps = String(decoding: data, as: UTF8.self)
        var inMapping = false
        for line in smaps.split(separator: "\n") {
            let fields = line.split(separator: " ")
            // A mapping's line ("START-END perms offset dev inode path"), then its "Key: value" lines.
            if fields.first?.hasSuffix(":") == false {
                inMapping = line.hasSuffix(suffix)
            } else if inMapping, fields.first == "Rss:", fields.count > 1 {
                return Int(fields[1]) ?? 0
            }
        }
        return 0
    }

    /// Runs `compress` with `arguments` and truncates `model`'s `model.safetensors` (in `folder`) to
    /// 4 KB once the process has `kilobytes` of its mapping resident, so that the check before the
    /// read has passed; returns the exit status and standard error.
    static func truncatingShard(of model: String, in folder: TemporaryFolder, onceResident kilobytes: Int,
                                _ arguments: [String]) throws -> (status: Int32, stderr: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CompressBinary.path)
        process.arguments = arguments
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let suffix = "/" + (folder.path as NSString).lastPathComponent + "/model/model.safetensors"
        let deadline = Date().addingTimeInterval(60)
        while Self.residentKilobytes(pid: process.processIdentifier, mapping: suffix) < kilobytes, process.isRunning, Date() < deadline {
            usleep(1_000)
        }
        #expect(process.isRunning, "the run finished before its shard could be truncated")
        #expect(truncate(model + "/model.safetensors", 4096) == 0)
        let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, stderr)
    }

    /// The shard is truncated once its tensor is being read (its mapping has resident pages, so the
    /// check before the read has passed): the next access of a lost page raises SIGBUS, which the
    /// CLI turns into one line naming the shard, with the unfinished output removed.
    @Test func aShardTruncatedWhileReadIsOneErrorLine() throws {
        let folder = TemporaryFolder("fault")
        let model = try InterruptTests.largeModel(in: folder, layers: 1)
        let shard = model + "/model.safetensors"
        let (status, stderr) = try Self.truncatingShard(
            of: model, in: folder, onceResident: 1024,
            ["oneshot", "--model", model, "--recipe", Self.recipe, "--output", folder.file("out"), "--threads", "2", "--quiet"])
        #expect(status == 1)
        #expect(stderr.hasPrefix("error: \(shard): reading it failed (SIGBUS"), "\(stderr)")
        #expect(stderr.split(separator: "\n").count == 1)
        #expect(try Self.contents(folder.path) == ["model"])
    }

    /// A Llama with llama_calib's tokenizer, large enough (8 blocks of width 512) that calibrating
    /// it takes a while. Every weight is 1/128 (filled as raw bytes: generating values is slow in debug builds).
    static func calibrationModel(in folder: TemporaryFolder) throws -> String {
        let source = Fixtures.path("models/llama_calib")
        let path = folder.file("model")
        let (hidden, inner, layers, vocabulary, keyValue) = (512, 1536, 8, 904, 256)
        var b = ModelBuilder(modelType: "llama")
        func add(_ name: String, _ shape: [Int]) {
            b.tensors.append((name, .bf16, shape, [UInt16](repeating: 0x3C00, count: shape.reduce(1, *)).withUnsafeBytes { Array($0) }))
        }
        add("model.embed_tokens.weight", [vocabulary, hidden])
        for l in 0..<layers {
            let p = "model.layers.\(l)."
            add(p + "input_layernorm.weight", [hidden])
            for (m, rows) in [("q_proj", hidden), ("k_proj", keyValue), ("v_proj", keyValue), ("o_proj", hidden)] {
                add(p + "self_attn.\(m).weight", [rows, hidden])
            }
            add(p + "post_attention_layernorm.weight", [hidden])
            add(p + "mlp.gate_proj.weight", [inner, hidden])
            add(p + "mlp.up_proj.weight", [inner, hidden])
            add(p + "mlp.down_proj.weight", [hidden, inner])
        }
        add("model.norm.weight", [hidden])
        add("lm_head.weight", [vocabulary, hidden])
        try b.write(to: path)
        var config = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: source + "/config.json"))) as! [String: Any]
        config.merge(["hidden_size": hidden, "intermediate_size": inner, "num_hidden_layers": layers, "num_attention_heads": 8,
                      "num_key_value_heads": 4, "head_dim": 64, "max_position_embeddings": 512]) { $1 }
        try JSONSerialization.data(withJSONObject: config).write(to: URL(fileURLWithPath: path + "/config.json"))
        for file in ["tokenizer.json", "tokenizer_config.json"] {
            try FileManager.default.copyItem(atPath: source + "/" + file, toPath: path + "/" + file)
        }
        return path
    }

    /// Calibration reads the block weights through the same mappings as the writer: a shard truncated
    /// while a calibrated run reads it ends in one error line naming the shard (SIGBUS, or the check
    /// before the next tensor is written, whichever access comes first) and no output.
    @Test func aShardTruncatedDuringCalibrationIsOneErrorLine() throws {
        let folder = TemporaryFolder("fault")
        let model = try Self.calibrationModel(in: folder)
        let shard = model + "/model.safetensors"
        let dataset = folder.file("model/calibration.txt")
        try FileManager.default.copyItem(atPath: Fixtures.path("text/GPL-3"), toPath: dataset)
        let (status, stderr) = try Self.truncatingShard(
            of: model, in: folder, onceResident: 2048,
            ["oneshot", "--model", model, "--recipe", Fixtures.repositoryRoot + "/recipes/fp8_static.yaml",
             "--output", folder.file("out"), "--dataset", dataset,
             "--num-calibration-samples", "8", "--max-seq-length", "128", "--text-samples", "windows", "--threads", "2", "--quiet"])
        #expect(status == 1)
        #expect(stderr.hasPrefix("error: \(shard): "), "\(stderr)")
        #expect(stderr.split(separator: "\n").count == 1)
        #expect(try Self.contents(folder.path) == ["model"])
    }

    /// Mode 000 stops every user but root, whose DAC override `setpriv` drops.
    static let withoutFileOverride = isRoot ? ["/usr/bin/setpriv", "--bounding-set=-dac_override,-dac_read_search",
                                               "--inh-caps=-dac_override,-dac_read_search", "--"] : []

    @Test(.enabled(if: !isRoot || FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv"),
                   "as root, needs setpriv to drop the DAC override"),
          arguments: ["model.safetensors", "generation_config.json"])
    func anUnreadableInputFileIsNamedBeforeAnythingIsWritten(_ file: String) throws {
        let folder = TemporaryFolder("fault")
        try FileManager.default.copyItem(atPath: Self.model, toPath: folder.file("model"))
        try FileManager.default.setAttributes([.posixPermissions: 0], ofItemAtPath: folder.file("model/" + file))
        let result = try Self.oneshot(folder.file("model"), folder.file("out"), through: Self.withoutFileOverride)
        #expect(result.status == 1)
        #expect(result.stderr == "error: \(folder.file("model/" + file)): cannot open: Permission denied\n")
        #expect(try Self.contents(folder.path) == ["model"])
    }

    @Test(arguments: [
        ("no tensors", SafetensorsBuilder.file(header: "{}", data: []), "the safetensors files hold no tensors; there is nothing to compress"),
        ("zero bytes", [], "0 bytes is too short for a safetensors file (at least 8 bytes of header length)"),
        ("no shard", nil, "no model.safetensors, index or *.safetensors shard found"),
    ] as [(String, [UInt8]?, String)])
    func anEmptyCheckpointIsRefused(_ label: String, _ shard: [UInt8]?, _ message: String) throws {
        let folder = TemporaryFolder("fault")
        try FileManager.default.createDirectory(atPath: folder.file("model"), withIntermediateDirectories: false)
        try FileManager.default.copyItem(atPath: Self.model + "/config.json", toPath: folder.file("model/config.json"))
        if let shard { try folder.write("model/model.safetensors", shard) }
        let result = try Self.oneshot(folder.file("model"), folder.file("out"))
        #expect(result.status == 1, "\(label)")
        let named = shard == nil || label == "no tensors" ? folder.file("model") : folder.file("model/model.safetensors")
        #expect(result.stderr == "error: \(named): \(message)\n", "\(label)")
        #expect(try Self.contents(folder.path) == ["model"])
    }

    /// `models/llama` with a fused group (layer 0's q/k/v), a whole tensor (layer 1's down_proj) and
    /// a row (row 5 of layer 1's gate_proj) all zero, as `scripts/make-degenerate-references.py` makes it.
    static func zeroModel(in folder: TemporaryFolder) throws -> String {
        let path = folder.file("llama_zero")
        let zeroTensors = ["model.layers.0.self_attn.q_proj.weight", "model.layers.0.self_attn.k_proj.weight",
                           "model.layers.0.self_attn.v_proj.weight", "model.layers.1.mlp.down_proj.weight"]
        try ModelBuilder.writeCopy(of: Fixtures.path("models/llama"), to: path) { name, shape, bytes in
            if zeroTensors.contains(name) { bytes = [UInt8](repeating: 0, count: bytes.count) }
            if name == "model.layers.1.mlp.gate_proj.weight" {
                for c in 0..<shape[1] { ModelBuilder.setBF16(&bytes, row: 5, column: c, columns: shape[1], 0) }
            }
        }
        return path
    }

    @Test(arguments: ["FP8_DYNAMIC", "FP8_BLOCK", "W8A8", "W4A16", "W4A16_ASYM", "NVFP4A16", "MXFP4A16", "MXFP8A16"])
    func allZeroWeightsGiveLlmCompressorsOutput(_ scheme: String) throws {
        let folder = TemporaryFolder("fault")
        let reference = Fixtures.path("references/llama_zero--\(scheme)")
        let result = try CompressBinary.run(["oneshot", "--model", try Self.zeroModel(in: folder), "--recipe", reference + "/recipe.yaml",
                                             "--output", folder.file("out"), "--quiet"])
        #expect(result.status == 0, "\(result.stderr)")
        let differences = try ReferenceManifest(path: reference + "/manifest.json").differences(from: folder.file("out"))
        #expect(differences.isEmpty, "\(differences.prefix(5))")
    }

    @Test func nonFiniteWeightsAreRefusedUnlessAllowed() throws {
        let folder = TemporaryFolder("fault")
        let model = folder.file("model")
        try ModelBuilder.writeCopy(of: Fixtures.path("models/llama"), to: model) { name, shape, bytes in
            if name == "model.layers.1.mlp.up_proj.weight" { ModelBuilder.setBF16(&bytes, row: 7, column: 0, columns: shape[1], 0x7FC0) }
        }
        let refused = try Self.oneshot(model, folder.file("out"))
        #expect(refused.status == 1)
        #expect(refused.stderr == "error: tensor 'model.layers.1.mlp.up_proj.weight': row 7 holds NaN or Inf; refusing to quantize it (--allow-nonfinite quantizes it as llm-compressor does)\n")
        #expect(try Self.contents(folder.path) == ["model"])
        let allowed = try Self.oneshot(model, folder.file("out"), ["--allow-nonfinite"])
        #expect(allowed.status == 0, "\(allowed.stderr)")
        let out = try Checkpoint(directory: folder.file("out"))
        let scale = out.data(out.tensor(named: "model.layers.1.mlp.up_proj.weight_scale")!).bindMemory(to: UInt16.self)
        #expect(scale[7] == 0x7FC0 && scale[6] != 0x7FC0)
        #expect(try CompressBinary.run(["oneshot", "--help"]).stdout.contains("--allow-nonfinite"))
    }

    // MARK: Output

    @Test(.enabled(if: TemporaryMount.available, "mounting a tmpfs needs root"))
    func aFullDiskNamesTheOutputFile() throws {
        let folder = TemporaryFolder("fault")
        try FileManager.default.createDirectory(atPath: folder.file("disk"), withIntermediateDirectories: false)
        let disk = try TemporaryMount(at: folder.file("disk"), size: 1 << 20)
        let result = try Self.oneshot(Self.model, disk.path + "/out")
        #expect(result.status == 1)
        #expect(result.stderr == "error: \(disk.path)/out/model.safetensors: No space left on device\n")
        #expect(try Self.contents(disk.path).isEmpty)
    }

    /// The shards fit, a 1 MB tokenizer.json copied after them does not.
    @Test(.enabled(if: TemporaryMount.available, "mounting a tmpfs needs root"))
    func aFullDiskWhileCopyingOtherFilesNamesTheCopy() throws {
        let folder = TemporaryFolder("fault")
        try FileManager.default.copyItem(atPath: Self.model, toPath: folder.file("model"))
        try folder.write("model/tokenizer.json", [UInt8](repeating: 0x20, count: 1_000_000))
        try FileManager.default.createDirectory(atPath: folder.file("disk"), withIntermediateDirectories: false)
        let disk = try TemporaryMount(at: folder.file("disk"), size: 2 << 20)
        let result = try Self.oneshot(folder.file("model"), disk.path + "/out")
        #expect(result.status == 1)
        #expect(result.stderr == "error: \(disk.path)/out/tokenizer.json: No space left on device\n")
        #expect(try Self.contents(disk.path).isEmpty)
    }

    /// Past `ulimit -f` a write fails with EFBIG instead of SIGXFSZ killing the process.
    @Test func aFileSizeLimitIsAWriteError() throws {
        let folder = TemporaryFolder("fault")
        let result = try Self.oneshot(Self.model, folder.file("out"), through: ["/bin/sh", "-c", "ulimit -f 1000 && exec \"$@\"", "sh"])
        #expect(result.status == 1)
        #expect(result.stderr == "error: \(folder.file("out"))/model.safetensors: File too large\n")
        #expect(try Self.contents(folder.path).isEmpty)
    }

    @Test(.enabled(if: TemporaryMount.available, "mounting a tmpfs needs root"))
    func aReadOnlyOutputLocationIsNamed() throws {
        let folder = TemporaryFolder("fault")
        try FileManager.default.createDirectory(atPath: folder.file("disk"), withIntermediateDirectories: false)
        let disk = try TemporaryMount(at: folder.file("disk"), size: 1 << 20, readOnly: true)
        let result = try Self.oneshot(Self.model, disk.path + "/out")
        #expect(result.status == 1)
        #expect(result.stderr == "error: \(disk.path)/out: cannot write the output here: Read-only file system\n")
        #expect(try Self.contents(disk.path).isEmpty)
    }

    static func device(_ path: String) -> UInt64? {
        var info = stat()
        return stat(path, &info) == 0 ? UInt64(info.st_dev) : nil
    }

    /// /dev/shm is a tmpfs: the temporary folder is made beside the output, so the final rename
    /// stays within that file system.
    @Test(.enabled(if: device("/dev/shm") != nil && device("/dev/shm") != device(NSTemporaryDirectory()),
                   "needs /dev/shm on another file system than the temporary folder"))
    func anOutputOnAnotherFileSystemWorks() throws {
        let output = "/dev/shm/swift-llm-compressor-fault-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: output) }
        let result = try Self.oneshot(Self.model, output, ["--json"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try Self.contents(output) == ["config.json", "generation_config.json", "model.safetensors", "recipe.yaml"])
        let compressed = try Checkpoint(directory: output)
        #expect(compressed.tensors.count == 35)
        #expect(try FileManager.default.contentsOfDirectory(atPath: "/dev/shm").filter { $0.contains(OutputFolder.partialMarker) }.isEmpty)
    }

    @Test func outputPathsThatCannotBeUsedAreNamed() throws {
        let folder = TemporaryFolder("fault")
        try FileManager.default.copyItem(atPath: Self.model, toPath: folder.file("model"))
        try folder.write("file", text: "mine")
        let cases = [
            (folder.file("file"), "\(folder.file("file")): exists and is not a folder"),
            (folder.file("file/out"), "\(folder.file("file/out")): parent folder \(URL(fileURLWithPath: folder.file("file")).standardizedFileURL.path) is not a folder"),
            (folder.file("model"), "\(folder.file("model")): the output must not be the model folder or inside it"),
        ]
        for (output, message) in cases {
            for overwrite in [[], ["--overwrite"]] {
                let result = try Self.oneshot(folder.file("model"), output, overwrite)
                #expect(result.status == 1)
                #expect(result.stderr == "error: \(message)\n")
            }
        }
        #expect(try Self.contents(folder.path) == ["file", "model"])
        #expect(try Self.contents(folder.file("model")) == ["config.json", "generation_config.json", "model.safetensors"])
        #expect(try String(contentsOfFile: folder.file("file"), encoding: .utf8) == "mine")
    }
}
