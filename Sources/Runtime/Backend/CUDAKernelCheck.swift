import Checkpoint
import CompressedTensors
import CUDA

/// Runs every CUDA kernel on the GPU against the CPU runtime's own code on the same seeded random
/// inputs (`compress cuda-check --run`): RMSNorm, RoPE, per-token FP8/INT8 activation quantization,
/// packed-int, FP8-weight and W8A8 GEMVs, FP4 dequantization, routing, attention over f32 and FP8 caches,
/// and the forward pass's cuBLAS SGEMM projections with their bias, residual add, gated activations, row copies and fake quantization;
/// and a whole model's logits (``compare(model:name:on:)``).
public struct CUDAKernelCheck {
    /// One compared case: the largest difference relative to the reference's largest magnitude
    /// (or the fraction of codes or ids that differ), and the most it may be.
    public struct Case: Sendable {
        public let name: String
        public let error: Double
        public let tolerance: Double
        public var passed: Bool { error <= tolerance }
    }

    let context: CUDAContext
    /// Told each case as soon as it is compared, so that a run that fails later has shown how far it got.
    let report: (Case) -> Void
    var random = RandomSource(seed: 15)
    private(set) var cases: [Case] = []

    /// Runs every case on `context`'s device, telling `report` each one as it is compared.
    ///
    /// - Throws: ``CUDAError`` for a launch or copy that fails (a wrong result is a failing ``Case``, not an error).
    public static func run(on context: CUDAContext, report: @escaping (Case) -> Void = { _ in }) throws(CUDAError) -> [Case] {
        var check = CUDAKernelCheck(context: context, report: report)
        try check.rmsNorm(rows: 7, width: 4096)
        try check.rotary(rows: 5, heads: 8, headDim: 128, partial: 0.5)
        try check.activationQuantization(rows: 9, width: 4096, grid: .fp8)
        try check.activationQuantization(rows: 9, width: 1000, grid: .int8)
        for (bits, group, asymmetric) in [(4, 128, false), (4, 64, true), (8, 128, false), (3, 128, true)] {
            try check.packedGEMV(rows: 11, outputs: 300, columns: 1024, bits: bits, group: group, asymmetric: asymmetric)
        }
        try check.fp8WeightGEMV(rows: 11, outputs: 300, columns: 1024, block: (128, 128))
        try check.fp8WeightGEMV(rows: 3, outputs: 300, columns: 1000, block: (1, 1000))
        try check.int8GEMV(rows: 11, outputs: 300, columns: 1024)
        try check.fp4(rows: 33, columns: 1000, nvfp4: true)
        try check.fp4(rows: 64, columns: 4096, nvfp4: false)
        try check.routing(tokens: 100, experts: 64, k: 8, normalize: true)
        try check.routing(tokens: 100, experts: 8, k: 2, normalize: false)
        try check.attention(rows: 7, past: 0, heads: 8, keyValueHeads: 2, headDim: 64, softcap: nil, window: nil, fp8: false)
        try check.attention(rows: 5, past: 40, heads: 4, keyValueHeads: 2, headDim: 64, softcap: 50, window: 16, fp8: false)
        try check.attention(rows: 3, past: 100, heads: 8, keyValueHeads: 2, headDim: 64, softcap: nil, window: nil, fp8: true)
        try check.attention(rows: 64, past: 448, heads: 32, keyValueHeads: 4, headDim: 64, softcap: nil, window: nil, fp8: false)
        try check.attention(rows: 4, past: 60, heads: 4, keyValueHeads: 2, headDim: 256, softcap: nil, window: 32, fp8: false)
        try check.attention(rows: 2, past: 30, heads: 4, keyValueHeads: 4, headDim: 96, softcap: nil, window: nil, fp8: true)
        try check.forwardKernels()
        return check.cases
    }

    /// Runs `model` (called `name`) on `context`'s device as ``CUDADecoderModel`` against the CPU, on
    /// seeded random windows: one case per window, its logits within 1e-4 of the largest.
    ///
    /// - Throws: ``RuntimeError/backendUnavailable(_:)`` for a model the CUDA backend does not run,
    ///   ``RuntimeError/cuda(_:)`` for a launch or copy that fails.
    public static func compare(model: DecoderModel, name: String, on context: CUDAContext,
                               report: @escaping (Case) -> Void = { _ in }) throws(RuntimeError) -> [Case] {
        var check = CUDAKernelCheck(context: context, report: report)
        try check.model(model, name: name)
        return check.cases
    }

    /// `count` values, normal-ish (a sum of uniforms) times `scale`.
    mutating func values(_ count: Int, scale: Float = 1) -> [Float] {
        (0..<count).map { _ in Float(random.unit() + random.unit() + random.unit() - 1.5) * 2 * scale }
    }

    /// Keeps `compared` and reports it.
    mutating func add(_ compared: Case) {
        cases.append(compared)
        report(compared)
    }

    mutating func record(_ name: String, got: [Float], expected: [Float], tolerance: Double) {
        let largest = expected.reduce(0) { max($0, Double(abs($1))) }
        let difference = zip(got, expected).reduce(0) { max($0, Double(abs($1.0 - $1.1))) }
        add(Case(name: name, error: got.count == expected.count ? difference / max(largest, 1e-30) : .infinity, tolerance: tolerance))
    }

    mutating func rmsNorm(rows: Int, width: Int) throws(CUDAError) {
        let x = values(rows * width, scale: 3), weight = values(width).map { 1 + $0 / 4 }
        var expected = [Float](repeating: 0, count: rows * width)
        RMSNorm(weight: weight, epsilon: 1e-6).apply(x, rows: rows, into: &expected)
        let output = try context.buffer(bytes: 4 * rows * width)
        try context.launch("rms_norm_f32", .perRow(rows: rows), [
            .pointer(try context.buffer(x)), .pointer(try context.buffer(weight)), .pointer(output), .int32(Int32(width)),
            .int64(Int64(width)), .float(1e-6),
        ])
        record("rms_norm \(rows)x\(width)", got: try output.download(rows * width, as: Float.self), expected: expected, tolerance: 1e-5)
    }

    mutating func rotary(rows: Int, heads: Int, headDim: Int, partial: Double) throws(CUDAError) {
        let rotary = RotaryEmbedding(RopeConfiguration(partialRotaryFactor: partial), headDim: headDim)
        let (cosines, sines) = rotary.tables(start: 3, count: rows)
        let x = values(rows * heads * headDim)
        var expected = x
        rotary.apply(&expected, rows: rows, stride: heads * headDim, heads: heads, headDim: headDim, cos: cosines, sin: sines)
        let buffer = try context.buffer(x)
        try context.launch("rotary_f32", try .rotary(rows: rows, heads: heads, rotaryDimension: rotary.rotaryDim), [
            .pointer(buffer), .pointer(try context.buffer(cosines)), .pointer(try context.buffer(sines)), .int64(Int64(heads * headDim)),
            .int32(Int32(headDim)), .int32(Int32(rotary.rotaryDim)),
        ])
        record("rotary \(rows) rows, \(heads)x\(headDim), rotary \(rotary.rotaryDim)", got: try buffer.download(x.count, as: Float.self),
               expected: expected, tolerance: 1e-6)
    }

    /// The codes and scales the kernel writes, decoded, against the CPU's quantize-dequantize (exact).
    mutating func activationQuantization(rows: Int, width: Int, grid: ActivationQuantization.Grid) throws(CUDAError) {
        var x = [Float](repeating: 0, count: width)  // a zero row first: zero codes and scale
        for r in 1..<rows { x += values(width, scale: Float(1 << r) / 64) }
        var expected = x
        ActivationQuantization(grid: grid, scale: .token).apply(&expected, rows: rows, columns: width)
        let codes = try context.buffer(bytes: rows * width), scales = try context.buffer(bytes: 4 * rows)
        let kernel = grid == .fp8 ? "quantize_fp8_per_token" : "quantize_int8_per_token"
        try context.launch(kernel, .perRow(rows: rows), [.pointer(try context.buffer(x)), .pointer(codes), .pointer(scales), .int32(Int32(width))])
        let got = try codes.download(rows * width, as: UInt8.self), rowScales = try scales.download(rows, as: Float.self)
        let decoded = got.enumerated().map { i, code in
            (grid == .fp8 ? FP8E4M3.decode(code) : Float(Int8(bitPattern: code))) * rowScales[i / width]
        }
        record("\(kernel) \(rows)x\(width)", got: decoded, expected: expected, tolerance: 0)
    }

    mutating func packedGEMV(rows: Int, outputs: Int, columns: Int, bits: Int, group: Int, asymmetric: Bool) throws(CUDAError) {
        let low = -(1 << (bits - 1)), high = (1 << (bits - 1)) - 1, groups = (columns + group - 1) / group
        let q = (0..<outputs * columns).map { _ in Int8(Int.random(in: low...high, using: &random)) }
        let scales = (0..<outputs * groups).map { _ in Float(random.unit() * 0.02 + 0.001) }
        let zeros = asymmetric ? (0..<outputs * groups).map { _ in Float(Int.random(in: low...high, using: &random)) } : nil
        let x = values(rows * columns)
        let perRow = Int32Packing.wordCount(columns, bits: bits)
        var words = [UInt32](repeating: 0, count: outputs * perRow)
        q.withUnsafeBufferPointer { q in
            words.withUnsafeMutableBufferPointer { words in
                for o in 0..<outputs { Int32Packing.pack(q.baseAddress! + o * columns, count: columns, bits: bits, into: words.baseAddress! + o * perRow) }
            }
        }
        let expected = Self.product(x, rows: rows, columns: columns, outputs: outputs) { o, c in
            let g = o * groups + c / group
            return Double((Float(q[o * columns + c]) - (zeros?[g] ?? 0)) * scales[g])
        }
        let input = try context.buffer(x), wordBuffer = try context.buffer(words), scaleBuffer = try context.buffer(scales)
        let zeroBuffer = try zeros.map { z throws(CUDAError) in try context.buffer(z) }
        let got = try gemv("packed_int_gemv", rows: rows, outputs: outputs) { launch, output in
            [.pointer(input, offset: 4 * launch.lowerBound * columns), .int32(Int32(launch.count)), .pointer(wordBuffer), .int32(Int32(perRow)),
             .int32(Int32(bits)), .pointer(scaleBuffer), .pointer(zeroBuffer), .int32(Int32(group)), .int32(Int32(groups)),
             .int32(Int32(outputs)), .int32(Int32(columns)), output]
        }
        record("packed_int_gemv W\(bits) \(asymmetric ? "asym" : "sym") g\(group) \(rows)x\(columns) -> \(outputs)", got: got, expected: expected, tolerance: 1e-5)
    }

    /// FP8 weights with scales over blocks of `block` (rows, columns) against their decoded product.
    mutating func fp8WeightGEMV(rows: Int, outputs: Int, columns: Int, block: (rows: Int, columns: Int)) throws(CUDAError) {
        let width = (columns + block.columns - 1) / block.columns, height = (outputs + block.rows - 1) / block.rows
        let codes = values(outputs * columns, scale: 100).map(FP8E4M3.encode)
        let scales = (0..<height * width).map { _ in Float(random.unit() * 0.01 + 0.001) }
        let x = values(rows * columns)
        let expected = Self.product(x, rows: rows, columns: columns, outputs: outputs) { o, c in
            Double(FP8E4M3.decode(codes[o * columns + c]) * scales[(o / block.rows) * width + c / block.columns])
        }
        let input = try context.buffer(x), codeBuffer = try context.buffer(codes), scaleBuffer = try context.buffer(scales)
        let got = try gemv("fp8_weight_gemv", rows: rows, outputs: outputs) { launch, output in
            [.pointer(input, offset: 4 * launch.lowerBound * columns), .int32(Int32(launch.count)), .pointer(codeBuffer), .pointer(scaleBuffer),
             .int32(Int32(block.rows)), .int32(Int32(block.columns)), .int32(Int32(width)), .int32(Int32(outputs)), .int32(Int32(columns)), output]
        }
        record("fp8_weight_gemv blocks \(block.rows)x\(block.columns) \(rows)x\(columns) -> \(outputs)", got: got, expected: expected, tolerance: 1e-5)
    }

    /// W8A8: int8 codes of inputs and weights, summed in integers and scaled per row and output.
    mutating func int8GEMV(rows: Int, outputs: Int, columns: Int) throws(CUDAError) {
        let x = (0..<rows * columns).map { _ in Int8.random(in: -128...127, using: &random) }
        let weights = (0..<outputs * columns).map { _ in Int8.random(in: -127...127, using: &random) }
        let inputScales = (0..<rows).map { _ in Float(random.unit() * 0.1 + 0.01) }
        let weightScales = (0..<outputs).map { _ in Float(random.unit() * 0.01 + 0.001) }
        let expected = (0..<rows * outputs).map { i -> Float in
            let r = i / outputs, o = i % outputs
            let sum = (0..<columns).reduce(0) { $0 + Int(x[r * columns + $1]) * Int(weights[o * columns + $1]) }
            return Float(Double(sum) * Double(inputScales[r]) * Double(weightScales[o]))
        }
        let input = try context.buffer(x), inputScaleBuffer = try context.buffer(inputScales)
        let weightBuffer = try context.buffer(weights), weightScaleBuffer = try context.buffer(weightScales)
        let got = try gemv("int8_gemv", rows: rows, outputs: outputs) { launch, output in
            [.pointer(input, offset: launch.lowerBound * columns), .pointer(inputScaleBuffer, offset: 4 * launch.lowerBound), .int32(Int32(launch.count)),
             .pointer(weightBuffer), .pointer(weightScaleBuffer), .int32(Int32(outputs)), .int32(Int32(columns)), output]
        }
        record("int8_gemv \(rows)x\(columns) -> \(outputs)", got: got, expected: expected, tolerance: 1e-6)
    }

    /// `rows × outputs` values `Σ_c x[r, c] · weight(o, c)`, summed in f64.
    static func product(_ x: [Float], rows: Int, columns: Int, outputs: Int, weight: (Int, Int) -> Double) -> [Float] {
        var result = [Float](repeating: 0, count: rows * outputs)
        for o in 0..<outputs {
            let row = (0..<columns).map { weight(o, $0) }
            for r in 0..<rows { result[r * outputs + o] = Float((0..<columns).reduce(0) { $0 + Double(x[r * columns + $1]) * row[$1] }) }
        }
        return result
    }

    /// Runs GEMV `kernel` over `rows` input rows in launches of ``LaunchPlan/gemvRows``, each given the
    /// arguments `arguments(launch rows, its output pointer)`, and returns the `rows × outputs` results.
    func gemv(_ kernel: String, rows: Int, outputs: Int,
              arguments: (Range<Int>, CUDAContext.Argument) -> [CUDAContext.Argument]) throws(CUDAError) -> [Float] {
        let output = try context.buffer(bytes: 4 * rows * outputs)
        for launch in LaunchPlan.gemvLaunches(rows: rows) {
            try context.launch(kernel, .gemv(outputs: outputs), arguments(launch, .pointer(output, offset: 4 * launch.lowerBound * outputs)))
        }
        return try output.download(rows * outputs, as: Float.self)
    }

    mutating func fp4(rows: Int, columns: Int, nvfp4: Bool) throws(CUDAError) {
        let group = nvfp4 ? 16 : 32, groups = (columns + group - 1) / group, perRow = (columns + 1) / 2, global: Float = 37.5
        let packed = (0..<rows * perRow).map { _ in UInt8.random(in: 0...255, using: &random) }
        let scales = (0..<rows * groups).map { _ in
            nvfp4 ? FP8E4M3.encode(Float(random.unit() * 100 + 0.01)) : UInt8.random(in: 110...135, using: &random)
        }
        let expected = (0..<rows * columns).map { i -> Float in
            let r = i / columns, c = i % columns, byte = packed[r * perRow + c / 2]
            let code = scales[r * groups + c / group]
            return FP4E2M1.decode(c % 2 == 0 ? byte & 0xF : byte >> 4) * (nvfp4 ? FP8E4M3.decode(code) / global : E8M0.decode(code))
        }
        let output = try context.buffer(bytes: 4 * rows * columns)
        let common: [CUDAContext.Argument] = [.int32(0), .int32(Int32(rows)), .int32(Int32(columns)), .pointer(output)]
        let inputs: [CUDAContext.Argument] = [.pointer(try context.buffer(packed)), .pointer(try context.buffer(scales))]
        try context.launch(nvfp4 ? "dequantize_nvfp4" : "dequantize_mxfp4", .fp4Dequantization(rows: rows, columns: columns),
                           inputs + (nvfp4 ? [.float(global)] : []) + common)
        record("dequantize_\(nvfp4 ? "nvfp4" : "mxfp4") \(rows)x\(columns)", got: try output.download(rows * columns, as: Float.self),
               expected: expected, tolerance: 0)
    }

    mutating func routing(tokens: Int, experts: Int, k: Int, normalize: Bool) throws(CUDAError) {
        let logits = values(tokens * experts, scale: 2)
        let routes = logits.withUnsafeBufferPointer { l in
            (0..<tokens).map { MixtureOfExperts.route(l.baseAddress! + $0 * experts, count: experts, k: k, normalize: normalize) }
        }
        let ids = try context.buffer(bytes: 4 * tokens * k), weights = try context.buffer(bytes: 4 * tokens * k)
        try context.launch("softmax_top_k", .routing(tokens: tokens), [
            .pointer(try context.buffer(logits)), .int32(Int32(tokens)), .int32(Int32(experts)), .int32(Int32(k)), .int32(normalize ? 1 : 0),
            .pointer(ids), .pointer(weights),
        ])
        let expectedIDs = routes.flatMap { $0.map { Int32($0.expert) } }
        let differing = zip(try ids.download(tokens * k, as: Int32.self), expectedIDs).filter { $0 != $1 }.count
        add(Case(name: "softmax_top_k \(tokens) tokens, \(experts) experts, top \(k): ids differing", error: Double(differing) / Double(expectedIDs.count), tolerance: 0))
        record("softmax_top_k weights (normalize \(normalize))", got: try weights.download(tokens * k, as: Float.self),
               expected: routes.flatMap { $0.map(\.weight) }, tolerance: 1e-5)
    }

    mutating func attention(rows: Int, past: Int, heads: Int, keyValueHeads: Int, headDim: Int, softcap: Float?, window: Int?, fp8: Bool) throws(CUDAError) {
        let positions = past + rows, width = keyValueHeads * headDim, kScale: Float = 0.01, vScale: Float = 0.02
        let queries = values(rows * heads * headDim)
        var keys = values(positions * width), cachedValues = values(positions * width)
        let keyCodes = keys.map { FP8E4M3.encode($0 / kScale) }, valueCodes = cachedValues.map { FP8E4M3.encode($0 / vScale) }
        if fp8 {
            keys = keyCodes.map { FP8E4M3.decode($0) * kScale }
            cachedValues = valueCodes.map { FP8E4M3.decode($0) * vScale }
        }
        let scale = 1 / Float(headDim).squareRoot()
        let attention = Attention(headCount: heads, keyValueHeadCount: keyValueHeads, headDim: headDim, scale: scale, softcap: softcap, window: window)
        let sizes = Attention.scratch(rows: rows, past: past, headCount: heads, keyValueHeadCount: keyValueHeads, headDim: headDim)
        var scratch = [Float](repeating: 0, count: sizes.scores + 2 * sizes.stacked + sizes.values)
        var expected = [Float](repeating: 0, count: rows * heads * headDim)
        scratch.withUnsafeMutableBufferPointer { s in
            let base = s.baseAddress!
            attention(queries: queries, queryStride: heads * headDim, rows: rows, past: past, keys: keys, values: cachedValues,
                      scratch: [Attention.Scratch(scores: base, stackedQueries: base + sizes.scores, stackedOutput: base + sizes.scores + sizes.stacked,
                                                  transposedValues: base + sizes.scores + 2 * sizes.stacked)],
                      output: &expected)
        }
        let output = try context.buffer(bytes: 4 * expected.count)
        let plan = try LaunchPlan.attention(rows: rows, past: past, heads: heads, headDim: headDim, sharedLimit: context.backend.device.sharedMemoryPerBlock)
        let head: [CUDAContext.Argument] = [.pointer(try context.buffer(queries)), .int64(Int64(heads * headDim)), .int32(Int32(past))]
        let cache: [CUDAContext.Argument] = fp8
            ? [.pointer(try context.buffer(keyCodes)), .pointer(try context.buffer(valueCodes)), .float(kScale), .float(vScale)]
            : [.pointer(try context.buffer(keys)), .pointer(try context.buffer(cachedValues))]
        let tail: [CUDAContext.Argument] = [
            .int32(Int32(heads)), .int32(Int32(keyValueHeads)), .int32(Int32(headDim)), .float(scale), .float(softcap ?? 0),
            .int32(Int32(window ?? 0)), .pointer(output),
        ]
        try context.launch(fp8 ? "attention_fp8_cache" : "attention_f32", plan, head + cache + tail)
        record("attention \(fp8 ? "fp8" : "f32") cache: \(rows) rows after \(past), \(heads)/\(keyValueHeads) heads x\(headDim), softcap \(softcap ?? 0), window \(window ?? 0)",
               got: try output.download(expected.count, as: Float.self), expected: expected, tolerance: 1e-4)
    }
}
