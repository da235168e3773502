import Foundation

/// Rotary position embedding in the "rotate half" layout of Hugging Face checkpoints: the first
/// `rotaryDim/2` dimensions of a head pair with the next `rotaryDim/2`; dimensions past
/// `rotaryDim` (partial rotary) pass through.
public struct RotaryEmbedding: Sendable {
    /// The head dimensions that rotate (even).
    public let rotaryDim: Int
    /// One inverse frequency per rotating pair, in f32 as transformers computes them.
    public let inverseFrequencies: [Float]
    /// Multiplies cos and sin (YaRN's attention factor; 1 otherwise).
    public let magnitude: Float

    public init(_ configuration: RopeConfiguration, headDim: Int) {
        let rotary = Swift.max(2, Int(Double(headDim) * configuration.partialRotaryFactor) / 2 * 2)
        rotaryDim = rotary
        let base = Float(configuration.theta)
        // theta^(-2i/d), rounded as f32 arithmetic does it.
        let plain = (0..<rotary / 2).map { i in 1 / powf(base, Float(2 * i) / Float(rotary)) }
        switch configuration.scaling {
        case .none:
            inverseFrequencies = plain
            magnitude = 1
        case let .linear(factor):
            inverseFrequencies = plain.map { $0 / Float(factor) }
            magnitude = 1
        case let .llama3(factor, low, high, original):
            let lowWavelength = original / low
            let highWavelength = original / high
            inverseFrequencies = plain.map { f in
                let frequency = Double(f)
                let wavelength = 2 * Double.pi / frequency
                if wavelength < highWavelength { return f }
                if wavelength > lowWavelength { return Float(frequency / factor) }
                let smooth = (original / wavelength - low) / (high - low)
                return Float((1 - smooth) * frequency / factor + smooth * frequency)
            }
            magnitude = 1
        case let .yarn(factor, original, betaFast, betaSlow, attentionFactor, truncate):
            let d = Double(rotary)
            let theta = configuration.theta
            // The dimension whose wavelength fits `rotations` times into the original context.
            func correctionDim(_ rotations: Double) -> Double {
                d * Foundation.log(original / (rotations * 2 * Double.pi)) / (2 * Foundation.log(theta))
            }
            var low = correctionDim(betaFast)
            var high = correctionDim(betaSlow)
            if truncate { low = low.rounded(.down); high = high.rounded(.up) }
            low = Swift.max(low, 0)
            high = Swift.min(high, d - 1)
            if low == high { high += 0.001 }
            inverseFrequencies = plain.enumerated().map { i, f in
                let ramp = Swift.min(Swift.max((Double(i) - low) / (high - low), 0), 1)
                let extrapolationWeight = 1 - ramp
                let frequency = Double(f)
                return Float(frequency / factor * (1 - extrapolationWeight) + frequency * extrapolationWeight)
            }
            magnitude = Float(attentionFactor)
        }
    }

    /// The cos and sin tables for `count` consecutive positions from `start`: `count × rotaryDim/2` each.
    func tables(start: Int, count: Int) -> (cos: [Float], sin: [Float]) {
        let half = rotaryDim / 2
        var cosines = [Float](repeating: 0, count: count * half)
        var sines = [Float](repeating: 0, count: count * half)
        for p in 0..<count {
            let position = Float(start + p)
            for i in 0..<half {
                let angle = position * inverseFrequencies[i]
                cosines[p * half + i] = Foundation.cos(angle) * magnitude
                sines[p * half + i] = Foundation.sin(angle) * magnitude
            }
        }
        return (cosines, sines)
    }

    /// Rotates `heads` heads of `headDim` values in each of `rows` rows (row `p` at table row `p`),
    /// in place; rows start `stride` values apart.
    func apply(
        _ x: UnsafeMutablePointer<Float>, rows: Int, stride: Int, heads: Int, headDim: Int,
        cos: UnsafePointer<Float>, sin: UnsafePointer<Float>
    ) {
        let half = rotaryDim / 2
        for r in 0..<rows {
            let c = cos + r * half
            let s = sin + r * half
            for h in 0..<heads {
                let v = x + r * stride + h * headDim
                for i in 0..<half {
                    let a = v[i]
                    let b = v[i + half]
                    v[i] = a * c[i] - b * s[i]
                    v[i + half] = b * c[i] + a * s[i]
                }
            }
        }
    }
}
