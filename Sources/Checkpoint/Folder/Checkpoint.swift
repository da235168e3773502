import Foundation

/// A Hugging Face checkpoint folder: config.json, safetensors shards (with or without an index)
/// and other files. Opening it maps the shards and validates every header; no tensor data is read.
public final class Checkpoint: @unchecked Sendable {
    /// Where one tensor lives.
    public struct Tensor: Sendable {
        /// The shard holding the tensor; for a derived tensor, the shard of its first source.
        public let shard: Int
        public let info: TensorInfo
        /// The index of a derived tensor among the checkpoint's derivations (``DerivedTensor``);
        /// nil for a stored one.
        let derivation: Int?
        public var name: String { info.name }

        init(shard: Int, info: TensorInfo, derivation: Int? = nil) {
            self.shard = shard
            self.info = info
            self.derivation = derivation
        }
    }

    public let directory: String
    public let config: ModelConfig?
    public let shards: [SafetensorsFile]
    /// Every tensor, shard by shard in data order: reading them in this order reads each file front to back.
    public let tensors: [Tensor]
    /// The index file, when the checkpoint has one.
    public let indexPath: String?
    private let byName: [String: Int]
    private let paths: FolderPaths
    /// The tensors' bytes when the checkpoint was opened over memory (`init(directory:memory:)`):
    /// tensor i is then `Tensor(shard: i, ...)` and `shards` is empty.
    private let buffers: [UnsafeRawBufferPointer]?
    /// Tensors computed from stored ones when read (`init(deriving:config:tensors:)`).
    private let derivations: [DerivedTensor]
    /// The bytes of the derived tensors read and not yet released.
    private let computed = ComputedTensors()
    /// Threads a derived tensor is computed on.
    public var computeThreads = 1
    /// The tensor bytes of the checkpoint this one derives from, nil for one read as stored.
    private let sourceBytes: Int?

    /// Opens the checkpoint in `directory`: `model.safetensors.index.json` when present, else a single
    /// `model.safetensors`, else every `*.safetensors` in the folder. A file of the folder that is a
    /// symlink resolving outside it is refused, except, in a snapshot of the Hugging Face cache, one
    /// into the same cache repository (`FolderPaths`); so is anything but a regular file (`RegularFile`).
    public init(directory: String) throws(CheckpointError) {
        let paths = try Self.folder(directory)
        self.directory = directory
        self.paths = paths
        config = try Self.config(in: paths, directory: directory)

        let indexPath = directory + "/" + ShardIndex.fileName
        var shardNames: [String]
        var index: ShardIndex? = nil
        if FolderPaths.exists(indexPath) {
            let loaded = try ShardIndex(path: paths.file(ShardIndex.fileName))
            shardNames = loaded.shards
            index = loaded
            self.indexPath = indexPath
        } else {
            self.indexPath = nil
            let all = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
            let single = "model.safetensors"
            shardNames = all.contains(single) ? [single] : all.filter { $0.hasSuffix(".safetensors") && !$0.hasPrefix(".") }.sorted()
        }
        guard !shardNames.isEmpty else { throw .noWeights(directory: directory) }

        var shards: [SafetensorsFile] = []
        for name in shardNames {
            let label = index == nil ? directory + "/" + name : indexPath
            guard paths.isInside(name: name) else { throw .shardOutsideFolder(index: label, shard: name) }
            let path = directory + "/" + name
            guard FolderPaths.exists(path) else { throw .missingShard(index: indexPath, shard: name) }
            shards.append(try SafetensorsFile(path: path))
        }

        var tensors: [Tensor] = []
        var byName: [String: Int] = [:]
        for (s, shard) in shards.enumerated() {
            for info in shard.tensors {
                if byName[info.name] != nil { throw .duplicateTensor(file: shard.path, tensor: info.name) }
                byName[info.name] = tensors.count
                tensors.append(Tensor(shard: s, info: info))
            }
        }
        if let index {
            let shardNumber = Dictionary(uniqueKeysWithValues: shardNames.enumerated().map { ($1, $0) })
            var indexed = Set<String>()
            for (tensor, shard) in index.weightMap {
                indexed.insert(tensor)
                guard let at = byName[tensor], tensors[at].shard == shardNumber[shard] else {
                    throw .tensorNotInShard(index: indexPath, tensor: tensor, shard: shard)
                }
            }
            if let stray = tensors.first(where: { !indexed.contains($0.name) }) {
                throw .tensorNotInIndex(file: shards[stray.shard].path, tensor: stray.name)
            }
        }
        self.shards = shards
        self.tensors = tensors
        sourceBytes = nil
        self.byName = byName
        buffers = nil
        derivations = []
    }

    /// A checkpoint whose tensors are in memory (`MemoryTensor`), in the order given, and whose
    /// config.json and other files are in `directory`: what `save_pretrained` would write, without
    /// writing the weights. The buffers must stay valid and unchanged while the checkpoint is used.
    public init(directory: String, memory: [MemoryTensor]) throws(CheckpointError) {
        let paths = try Self.folder(directory)
        self.directory = directory
        self.paths = paths
        config = try Self.config(in: paths, directory: directory)
        indexPath = nil
        shards = []
        var tensors: [Tensor] = []
        var byName: [String: Int] = [:]
        for tensor in memory {
            if byName[tensor.name] != nil { throw .duplicateTensor(file: MemoryTensor.source, tensor: tensor.name) }
            byName[tensor.name] = tensors.count
            tensors.append(Tensor(shard: tensors.count, info: try tensor.info()))
        }
        self.tensors = tensors
        sourceBytes = nil
        self.byName = byName
        buffers = memory.map(\.bytes)
        derivations = []
    }

    /// `source` as `tensors` present it: stored tensors of it, in the order given, and derived
    /// tensors computed from its stored ones when first read and kept until released, with
    /// `config` in place of its config.json. Shards, folder and other files are the source's.
    public init(deriving source: Checkpoint, config: ModelConfig?, tensors entries: [DerivedTensor.Entry]) throws(CheckpointError) {
        directory = source.directory
        paths = source.paths
        self.config = config
        indexPath = source.indexPath
        shards = source.shards
        buffers = source.buffers
        var tensors: [Tensor] = []
        var byName: [String: Int] = [:]
        var derivations: [DerivedTensor] = []
        for entry in entries {
            let tensor: Tensor
            switch entry {
            case let .stored(stored): tensor = stored
            case let .derived(derived):
                tensor = Tensor(shard: derived.sources.first?.shard ?? 0, info: derived.info, derivation: derivations.count)
                derivations.append(derived)
            }
            if byName[tensor.name] != nil { throw .duplicateTensor(file: directory, tensor: tensor.name) }
            byName[tensor.name] = tensors.count
            tensors.append(tensor)
        }
        self.tensors = tensors
        self.byName = byName
        self.derivations = derivations
        sourceBytes = source.storedBytes
    }

    /// The path rules of the model folder `directory`, once it is checked to be a folder.
    private static func folder(_ directory: String) throws(CheckpointError) -> FolderPaths {
        guard FolderPaths.isDirectory(directory) else {
            throw FolderPaths.exists(directory) ? .notADirectory(path: directory) : .cannotOpen(path: directory, reason: "no such directory")
        }
        guard let paths = FolderPaths(directory: directory) else {
            throw .cannotOpen(path: directory, reason: "cannot resolve path")
        }
        return paths
    }

    /// The folder's config.json, when it has one.
    private static func config(in paths: FolderPaths, directory: String) throws(CheckpointError) -> ModelConfig? {
        FolderPaths.exists(directory + "/" + ModelConfig.fileName) ? try ModelConfig(path: paths.file(ModelConfig.fileName)) : nil
    }

    public func tensor(named name: String) -> Tensor? { byName[name].map { tensors[$0] } }

    /// The bytes of `tensor`, without a copy.
    public func data(_ tensor: Tensor) -> UnsafeRawBufferPointer {
        if let d = tensor.derivation {
            return computed.bytes(d, of: derivations[d], threads: computeThreads)
        }
        if let buffers { return buffers[tensor.shard] }
        return shards[tensor.shard].data(tensor.info)
    }

    /// Drops the pages of `tensor` from this process's resident set (the page cache keeps them):
    /// what a stream over a large checkpoint does after each tensor.
    public func release(_ tensor: Tensor) {
        if let d = tensor.derivation {
            computed.drop(d)
            for source in derivations[d].sources { release(source) }
            return
        }
        guard buffers == nil else { return }
        let shard = shards[tensor.shard]
        shard.mapped.release(shard.fileRange(tensor.info))
    }

    /// The bytes of `tensor`, without a copy, once its shard is checked to be as it was opened
    /// (`MappedFile.checkUnchanged`): what a run that reads tensor after tensor should call.
    public func checkedData(_ tensor: Tensor) throws(CheckpointError) -> UnsafeRawBufferPointer {
        if buffers == nil {
            for stored in tensor.derivation.map({ derivations[$0].sources }) ?? [tensor] {
                try shards[stored.shard].mapped.checkUnchanged()
            }
        }
        return data(tensor)
    }

    /// Throws `inputChanged` when any shard changed since it was opened.
    public func checkUnchanged() throws(CheckpointError) {
        for shard in shards { try shard.mapped.checkUnchanged() }
    }

    /// Total bytes of tensor data, derived tensors counted at their computed size.
    public var totalBytes: Int { tensors.reduce(0) { $0 + $1.info.byteCount } }

    /// Bytes of tensor data in the checkpoint's files: what a run reads. A derived checkpoint
    /// counts its source's stored tensors (FP8 codes and scales), not the BF16 it expands them to.
    public var storedBytes: Int { sourceBytes ?? totalBytes }

    /// Files of the folder that are neither weights, their index nor config.json: what a compressed
    /// copy carries over unchanged (each opened with `openFile(named:)`). Hidden files and subfolders
    /// are left out.
    public func auxiliaryFiles() -> [String] {
        let shardNames = Set(shards.map { ($0.path as NSString).lastPathComponent })
        let all = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return all.filter { name in
            !name.hasPrefix(".") && !shardNames.contains(name) && !name.hasSuffix(".safetensors")
                && name != ShardIndex.fileName && name != ModelConfig.fileName
                && !FolderPaths.isDirectory(directory + "/" + name)
        }.sorted()
    }

    /// Opens the file `name` of the folder for reading.
    /// - Throws: `fileOutsideFolder` for a symlink that resolves outside the folder (or, in a snapshot
    ///   of the Hugging Face cache, outside its cache repository), `cannotOpen` for anything but a regular file.
    public func openFile(named name: String) throws(CheckpointError) -> MappedFile {
        try MappedFile(path: paths.file(name))
    }
}
