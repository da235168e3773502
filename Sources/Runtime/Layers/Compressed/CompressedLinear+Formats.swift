import CompressedTensors

/// A linear layer over FP8 weights (FP8_DYNAMIC, FP8_BLOCK, FP8 with static input scales).
typealias FP8Linear = CompressedLinear<FP8Weights>

/// A linear layer over int8 weights (W8A8).
typealias Int8Linear = CompressedLinear<Int8Weights>

/// A linear layer over packed integer weights (W4A16, W4A16_ASYM, W8A16, ...).
typealias PackedIntLinear = CompressedLinear<PackedIntWeights>

/// A linear layer over NVFP4 or MXFP4 weights (NVFP4A16, MXFP4A16).
typealias FP4Linear = CompressedLinear<FP4Weights>
