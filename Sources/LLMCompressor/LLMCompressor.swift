/// One import for Swift code that compresses, checks and runs checkpoints: JSON values, the
/// checkpoint layer, the model families, recipes, the compressed-tensors format, tokenizers and
/// calibration data, modifiers, verification and the CPU runtime.
@_exported import Architectures
@_exported import Checkpoint
@_exported import CompressedTensors
@_exported import CUDA
@_exported import JSON
@_exported import Modifiers
@_exported import Recipes
@_exported import Runtime
@_exported import Tokenizers
@_exported import Verification
