extension IntegerGrid {
    /// One weight value quantized and dequantized as llm-compressor 0.14's GPTQ loop does it
    /// (`fake_quantize` of a float32 column with the weight's scales): `x / scale` and `+ zp` in
    /// float32, clamped to `qmin...qmax` and rounded half to even, then dequantized in the weight's
    /// dtype `S`: `S(q - zp) · scale` rounded to `S` (`q - zp` is exact in every dtype for up to 8 bits).
    @inline(__always)
    func fakeQuantize<S: WeightStorage>(_: S.Type, _ x: Float, scale: Float, zeroPoint: Float) -> Float {
        if symmetric {
            let q = Swift.min(Swift.max(x / scale, qmin), qmax).rounded(.toNearestOrEven)
            return S.rounded(q * scale)
        }
        let q = Swift.min(Swift.max(x / scale + zeroPoint, qmin), qmax).rounded(.toNearestOrEven)
        return S.rounded((q - zeroPoint) * scale)
    }
}
