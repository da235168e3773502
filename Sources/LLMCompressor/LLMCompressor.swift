/// One import for Swift code that compresses, checks and runs checkpoints: the checkpoint layer,
/// recipes, the compressed-tensors format, modifiers, verification and the CPU runtime.
@_exported import Checkpoint
@_exported import CompressedTensors
@_exported import Modifiers
@_exported import Recipes
@_exported import Runtime
@_exported import Verification
