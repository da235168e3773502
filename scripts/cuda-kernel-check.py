"""Runs each CUDA kernel of Sources/CUDA/Kernels on a GPU against a PyTorch reference of the same
semantics (the CPU runtime's), and prints one line per case: its largest error and PASS or FAIL.

Called by scripts/cuda-device-check.sh with the CUBINs that `compress cuda-check --device cuda:N
--output DIR` compiled for the device (NAME-sm_XY.cubin). Needs torch with CUDA and the driver's
libcuda.so.1; the kernels are loaded and launched through the driver API with ctypes, in the
device's primary context, on tensors torch allocated.

    python3 scripts/cuda-kernel-check.py CUBIN_DIR [--device N]
    python3 scripts/cuda-kernel-check.py --references-only   # no GPU: checks this script's references run

Exit status: 0 when every case passes, 1 otherwise."""
import argparse, ctypes, glob, math, os, sys

import torch

FP8_MAX = 448.0
FP4_VALUES = [0.0, 0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 6.0]


class Driver:
    """The few driver API calls needed to load a CUBIN and launch its kernels."""

    def __init__(self, device):
        self.lib = ctypes.CDLL("libcuda.so.1")
        torch.cuda.set_device(device)
        torch.zeros(1, device="cuda")  # the runtime creates the primary context
        self.check(self.lib.cuInit(0), "cuInit")
        handle, context = ctypes.c_int(), ctypes.c_void_p()
        self.check(self.lib.cuDeviceGet(ctypes.byref(handle), device), "cuDeviceGet")
        self.check(self.lib.cuDevicePrimaryCtxRetain(ctypes.byref(context), handle), "cuDevicePrimaryCtxRetain")
        self.check(self.lib.cuCtxSetCurrent(context), "cuCtxSetCurrent")
        self.functions = {}

    def check(self, status, call):
        if status != 0:
            text = ctypes.c_char_p()
            self.lib.cuGetErrorString(status, ctypes.byref(text))
            raise RuntimeError(f"{call} failed with error {status} ({text.value.decode() if text.value else '?'})")

    def load(self, path):
        image = open(path, "rb").read()
        module = ctypes.c_void_p()
        self.check(self.lib.cuModuleLoadData(ctypes.byref(module), ctypes.c_char_p(image)), f"cuModuleLoadData({path})")
        return module

    def function(self, module, name):
        function = ctypes.c_void_p()
        self.check(self.lib.cuModuleGetFunction(ctypes.byref(function), module, name.encode()), f"cuModuleGetFunction({name})")
        return function

    def launch(self, function, grid, block, arguments, shared=0):
        """Launches with `arguments`: tensors (their device pointers), None (a null pointer), or
        ctypes scalars (c_int, c_longlong, c_float) as the kernel declares them."""
        values = [ctypes.c_void_p(a.data_ptr()) if isinstance(a, torch.Tensor) else ctypes.c_void_p(0) if a is None else a
                  for a in arguments]
        pointers = (ctypes.c_void_p * len(values))(*[ctypes.cast(ctypes.pointer(v), ctypes.c_void_p) for v in values])
        grid = tuple(grid) + (1,) * (3 - len(grid))
        stream = ctypes.c_void_p(torch.cuda.current_stream().cuda_stream)
        self.check(self.lib.cuLaunchKernel(function, *[ctypes.c_uint(g) for g in grid], ctypes.c_uint(block), ctypes.c_uint(1),
                                           ctypes.c_uint(1), ctypes.c_uint(shared), stream, pointers, None), "cuLaunchKernel")
        torch.cuda.synchronize()


# References, in float64 where the kernels accumulate in f32 (so that the comparison measures the kernel's error).

def rms_norm(x, w, eps):
    x64 = x.double()
    return (x64 / torch.sqrt((x64 * x64).mean(-1, keepdim=True) + eps) * w.double()).float()


def rotary(x, cos, sin, heads, head_dim, rotary_dim):
    rows = x.shape[0]
    v = x.view(rows, heads, head_dim).clone()
    half = rotary_dim // 2
    a, b = v[:, :, :half].clone(), v[:, :, half:rotary_dim].clone()
    c, s = cos[:, None, :], sin[:, None, :]
    v[:, :, :half] = a * c - b * s
    v[:, :, half:rotary_dim] = b * c + a * s
    return v.view(rows, heads * head_dim)


def quantize_fp8(x):
    scale = x.abs().amax(-1, keepdim=True) / FP8_MAX
    codes = (x / scale).clamp(-FP8_MAX, FP8_MAX).to(torch.float8_e4m3fn).view(torch.uint8)
    return codes, scale.squeeze(-1)


def quantize_int8(x):
    scale = x.abs().amax(-1, keepdim=True) / 127.0
    codes = torch.round(x / scale).clamp(-128, 127).to(torch.int8)  # torch.round: half to even
    return codes, scale.squeeze(-1)


def pack_ints(q, bits):
    """compressed-tensors' pack-quantized rows: q + 2^(bits-1) in fields of `bits` bits of each row's
    little-endian int32 word stream (a field may straddle two words)."""
    outputs, columns = q.shape
    words_per_row = (columns * bits + 31) // 32
    values = q.long() + (1 << (bits - 1))
    bit = torch.arange(columns) * bits
    index, shift = (bit // 32).expand(outputs, -1), bit % 32
    words = torch.zeros(outputs, words_per_row + 1, dtype=torch.int64)
    words.scatter_add_(1, index, (values << shift) & 0xFFFFFFFF)
    words.scatter_add_(1, index + 1, values >> (32 - shift))
    words = words[:, :words_per_row]
    return torch.where(words >= 1 << 31, words - (1 << 32), words).to(torch.int32)


def packed_gemv(x, q, scales, zeros, group):
    g = torch.arange(q.shape[1]) // group
    w = (q.double() - (zeros[:, g].double() if zeros is not None else 0)) * scales[:, g].double()
    return (x.double() @ w.T).float()


def fp8_values(codes):
    return codes.view(torch.float8_e4m3fn).float()


def fp4_dequantize(packed, scales, columns, group, nvfp4_global=None):
    low, high = packed & 0xF, packed >> 4
    codes = torch.stack([low, high], -1).reshape(packed.shape[0], -1)[:, :columns].long()
    table = torch.tensor(FP4_VALUES)
    values = table[codes & 7] * torch.where(codes & 8 != 0, -1.0, 1.0)
    if nvfp4_global is not None:
        per_group = fp8_values(scales) / nvfp4_global
    else:
        per_group = torch.pow(2.0, scales.double() - 127).float()
    return values * per_group[:, torch.arange(columns) // group]


def softmax_top_k(logits, k, normalize):
    p = torch.softmax(logits.double(), -1)
    weights, ids = torch.topk(p, k, -1)
    if normalize:
        weights = weights / weights.sum(-1, keepdim=True)
    return ids.int(), weights.float()


def attention(q, keys, values, rows, past, heads, kv_heads, head_dim, scale, softcap, window):
    out = torch.zeros(rows, heads * head_dim, dtype=torch.float64)
    group = heads // kv_heads
    for r in range(rows):
        last = past + r
        first = max(0, last - window + 1) if window > 0 else 0
        for h in range(heads):
            kv = h // group
            k = keys[first:last + 1, kv * head_dim:(kv + 1) * head_dim].double()
            v = values[first:last + 1, kv * head_dim:(kv + 1) * head_dim].double()
            s = (k @ q[r, h * head_dim:(h + 1) * head_dim].double()) * scale
            if softcap > 0:
                s = softcap * torch.tanh(s / softcap)
            out[r, h * head_dim:(h + 1) * head_dim] = torch.softmax(s, 0) @ v
    return out.float()


class Check:
    """Runs the cases on `driver` (None: the references only, on the CPU) and counts failures."""

    def __init__(self, driver, cubins):
        self.driver, self.cubins, self.modules, self.failures = driver, cubins, {}, 0
        self.device = "cuda" if driver else "cpu"

    def kernel(self, source, name):
        if source not in self.modules:
            self.modules[source] = self.driver.load(self.cubins[source])
        return self.driver.function(self.modules[source], name)

    def report(self, case, error, tolerance):
        ok = error <= tolerance
        self.failures += 0 if ok else 1
        print(f"{'PASS' if ok else 'FAIL'}  {case:<58} max error {error:.3e} (tolerance {tolerance:.0e})")

    @staticmethod
    def relative(a, b):
        return ((a.double().cpu() - b.double().cpu()).abs().max() / b.double().cpu().abs().max().clamp_min(1e-30)).item()

    def rms_norm(self, rows, width):
        x, w = torch.randn(rows, width) * 3, torch.rand(width) + 0.5
        expected = rms_norm(x, w, 1e-6)
        if not self.driver:
            return
        y = torch.empty(rows, width, device="cuda")
        self.driver.launch(self.kernel("rms_norm", "rms_norm_f32"), (rows,), 256,
                           [x.cuda(), w.cuda(), y, ctypes.c_int(width), ctypes.c_longlong(width), ctypes.c_float(1e-6)])
        self.report(f"rms_norm {rows}x{width}", self.relative(y, expected), 1e-5)

    def rotary(self, rows, heads, head_dim, rotary_dim):
        x = torch.randn(rows, heads * head_dim)
        angles = torch.rand(rows, rotary_dim // 2) * 6.28
        expected = rotary(x, angles.cos(), angles.sin(), heads, head_dim, rotary_dim)
        if not self.driver:
            return
        y = x.cuda()
        self.driver.launch(self.kernel("rotary", "rotary_f32"), (rows, heads), 64,
                           [y, angles.cos().cuda(), angles.sin().cuda(), ctypes.c_longlong(heads * head_dim), ctypes.c_int(head_dim),
                            ctypes.c_int(rotary_dim)])
        self.report(f"rotary {rows} rows, {heads}x{head_dim}, rotary {rotary_dim}", self.relative(y, expected), 1e-6)

    def activation_quantization(self, rows, width):
        x = torch.randn(rows, width) * torch.logspace(-3, 3, rows)[:, None]
        x[0] = 0  # a zero row: zero codes
        for name, reference, dtype, kernel in [("fp8", quantize_fp8, torch.uint8, "quantize_fp8_per_token"),
                                               ("int8", quantize_int8, torch.int8, "quantize_int8_per_token")]:
            codes, scales = reference(x[1:])
            codes = torch.cat([torch.zeros(1, width, dtype=dtype), codes])
            scales = torch.cat([torch.zeros(1), scales])
            if not self.driver:
                continue
            got_codes, got_scales = torch.empty(rows, width, dtype=dtype, device="cuda"), torch.empty(rows, device="cuda")
            self.driver.launch(self.kernel("activation_quantization", kernel), (rows,), 256,
                               [x.cuda(), got_codes, got_scales, ctypes.c_int(width)])
            mismatched = (got_codes.cpu() != codes).sum().item() / codes.numel()
            self.report(f"{kernel} {rows}x{width}: codes differing", mismatched, 0)
            self.report(f"{kernel} {rows}x{width}: scales", self.relative(got_scales, scales), 0)

    def packed_int_gemv(self, rows, outputs, columns, bits, group, asymmetric):
        low, high = -(1 << (bits - 1)), (1 << (bits - 1)) - 1
        q = torch.randint(low, high + 1, (outputs, columns))
        groups = (columns + group - 1) // group
        scales = torch.rand(outputs, groups) * 0.02 + 0.001
        zeros = torch.randint(low, high + 1, (outputs, groups)).float() if asymmetric else None
        x = torch.randn(rows, columns)
        expected = packed_gemv(x, q, scales, zeros, group)
        words = pack_ints(q, bits)
        if not self.driver:
            return
        xs, words, scales_d = x.cuda(), words.cuda(), scales.cuda()
        zeros_d = zeros.cuda() if zeros is not None else None
        y = self.gemv("packed_int_gemv", rows, outputs, lambda start, count, out: [
            xs[start:], ctypes.c_int(count), words, ctypes.c_int(words.shape[1]), ctypes.c_int(bits), scales_d, zeros_d, ctypes.c_int(group),
            ctypes.c_int(groups), ctypes.c_int(outputs), ctypes.c_int(columns), out])
        self.report(f"packed_int_gemv W{bits} {'asym' if asymmetric else 'sym'} g{group} {rows}x{columns} -> {outputs}",
                    self.relative(y, expected), 1e-5)

    def gemv(self, kernel, rows, outputs, arguments):
        """Runs GEMV `kernel` in launches of at most 8 input rows; `arguments(start, count, y)` gives each launch's."""
        y = torch.empty(rows, outputs, device="cuda")
        function = self.kernel(kernel, kernel)
        for start in range(0, rows, 8):
            self.driver.launch(function, ((outputs * 32 + 255) // 256,), 256, arguments(start, min(8, rows - start), y[start:]))
        return y

    def fp8_weight_gemv(self, rows, outputs, columns, block_rows, block_columns):
        width, height = -(-columns // block_columns), -(-outputs // block_rows)
        codes = (torch.randn(outputs, columns) * 100).clamp(-FP8_MAX, FP8_MAX).to(torch.float8_e4m3fn).view(torch.uint8)
        scales = torch.rand(height, width) * 0.01 + 0.001
        x = torch.randn(rows, columns)
        weights = fp8_values(codes).double() * scales.double()[torch.arange(outputs) // block_rows][:, torch.arange(columns) // block_columns]
        expected = (x.double() @ weights.T).float()
        if not self.driver:
            return
        xs, codes_d, scales_d = x.cuda(), codes.cuda(), scales.cuda()
        y = self.gemv("fp8_weight_gemv", rows, outputs, lambda start, count, out: [
            xs[start:], ctypes.c_int(count), codes_d, scales_d, ctypes.c_int(block_rows), ctypes.c_int(block_columns), ctypes.c_int(width),
            ctypes.c_int(outputs), ctypes.c_int(columns), out])
        self.report(f"fp8_weight_gemv blocks {block_rows}x{block_columns} {rows}x{columns} -> {outputs}", self.relative(y, expected), 1e-5)

    def int8_gemv(self, rows, outputs, columns):
        x = torch.randint(-128, 128, (rows, columns), dtype=torch.int8)
        w = torch.randint(-127, 128, (outputs, columns), dtype=torch.int8)
        x_scales, w_scales = torch.rand(rows) * 0.1 + 0.01, torch.rand(outputs) * 0.01 + 0.001
        expected = ((x.long() @ w.long().T).double() * x_scales.double()[:, None] * w_scales.double()[None, :]).float()
        if not self.driver:
            return
        xs, x_scales_d, w_d, w_scales_d = x.cuda(), x_scales.cuda(), w.cuda(), w_scales.cuda()
        y = self.gemv("int8_gemv", rows, outputs, lambda start, count, out: [
            xs[start:], x_scales_d[start:], ctypes.c_int(count), w_d, w_scales_d, ctypes.c_int(outputs), ctypes.c_int(columns), out])
        self.report(f"int8_gemv {rows}x{columns} -> {outputs}", self.relative(y, expected), 1e-6)

    def fp4(self, outputs, columns, nvfp4):
        group = 16 if nvfp4 else 32
        packed = torch.randint(0, 256, (outputs, (columns + 1) // 2), dtype=torch.uint8)
        groups = (columns + group - 1) // group
        if nvfp4:
            scales = (torch.rand(outputs, groups) * 100 + 0.01).to(torch.float8_e4m3fn).view(torch.uint8)
            expected = fp4_dequantize(packed, scales, columns, group, nvfp4_global=torch.tensor(37.5))
        else:
            scales = torch.randint(110, 135, (outputs, groups), dtype=torch.uint8)
            expected = fp4_dequantize(packed, scales, columns, group)
        if not self.driver:
            return
        out = torch.empty(outputs, columns, device="cuda")
        blocks = (outputs * packed.shape[1] + 255) // 256
        if nvfp4:
            self.driver.launch(self.kernel("fp4_dequantization", "dequantize_nvfp4"), (blocks,), 256,
                               [packed.cuda(), scales.cuda(), ctypes.c_float(37.5), ctypes.c_int(0), ctypes.c_int(outputs),
                                ctypes.c_int(columns), out])
        else:
            self.driver.launch(self.kernel("fp4_dequantization", "dequantize_mxfp4"), (blocks,), 256,
                               [packed.cuda(), scales.cuda(), ctypes.c_int(0), ctypes.c_int(outputs), ctypes.c_int(columns), out])
        self.report(f"dequantize_{'nvfp4' if nvfp4 else 'mxfp4'} {outputs}x{columns}", self.relative(out, expected), 0)

    def routing(self, tokens, experts, k, normalize):
        logits = torch.randn(tokens, experts) * 2
        ids, weights = softmax_top_k(logits, k, normalize)
        if not self.driver:
            return
        got_ids = torch.empty(tokens, k, dtype=torch.int32, device="cuda")
        got_weights = torch.empty(tokens, k, device="cuda")
        self.driver.launch(self.kernel("routing", "softmax_top_k"), ((tokens + 127) // 128,), 128,
                           [logits.cuda(), ctypes.c_int(tokens), ctypes.c_int(experts), ctypes.c_int(k), ctypes.c_int(int(normalize)),
                            got_ids, got_weights])
        self.report(f"softmax_top_k {tokens} tokens, {experts} experts, top {k}: ids differing",
                    (got_ids.cpu() != ids).sum().item() / ids.numel(), 0)
        self.report(f"softmax_top_k weights (normalize={normalize})", self.relative(got_weights, weights), 1e-5)

    def attention(self, rows, past, heads, kv_heads, head_dim, softcap, window, fp8):
        positions, kv_width = past + rows, kv_heads * head_dim
        q = torch.randn(rows, heads * head_dim)
        keys, values = torch.randn(positions, kv_width), torch.randn(positions, kv_width)
        k_scale, v_scale = 0.01, 0.02
        if fp8:
            key_codes = (keys / k_scale).clamp(-FP8_MAX, FP8_MAX).to(torch.float8_e4m3fn).view(torch.uint8)
            value_codes = (values / v_scale).clamp(-FP8_MAX, FP8_MAX).to(torch.float8_e4m3fn).view(torch.uint8)
            keys, values = fp8_values(key_codes) * k_scale, fp8_values(value_codes) * v_scale
        scale = 1 / math.sqrt(head_dim)
        expected = attention(q, keys, values, rows, past, heads, kv_heads, head_dim, scale, softcap, window)
        if not self.driver:
            return
        out = torch.empty(rows, heads * head_dim, device="cuda")
        shared = 4 * positions
        common = [ctypes.c_int(heads), ctypes.c_int(kv_heads), ctypes.c_int(head_dim), ctypes.c_float(scale), ctypes.c_float(softcap),
                  ctypes.c_int(window), out]
        if fp8:
            self.driver.launch(self.kernel("attention", "attention_fp8_cache"), (rows, heads), 256,
                               [q.cuda(), ctypes.c_longlong(heads * head_dim), ctypes.c_int(past), key_codes.cuda(), value_codes.cuda(),
                                ctypes.c_float(k_scale), ctypes.c_float(v_scale)] + common, shared)
        else:
            self.driver.launch(self.kernel("attention", "attention_f32"), (rows, heads), 256,
                               [q.cuda(), ctypes.c_longlong(heads * head_dim), ctypes.c_int(past), keys.cuda(), values.cuda()] + common,
                               shared)
        self.report(f"attention {'fp8' if fp8 else 'f32'} cache: {rows} rows after {past}, {heads}/{kv_heads} heads x{head_dim}, "
                    f"softcap {softcap}, window {window}", self.relative(out, expected), 1e-4)

    def add_bias_rows(self, rows, outputs):
        stride, offset = outputs + 9, 4  # into columns 4... of wider rows, the others kept
        y, b = torch.randn(rows, stride), torch.randn(outputs)
        expected = y.clone()
        expected[:, offset:offset + outputs] += b
        if not self.driver:
            return
        got = y.cuda()
        self.driver.launch(self.kernel("elementwise", "add_bias_rows_f32"), ((rows * outputs + 255) // 256,), 256,
                           [got[:, offset:], ctypes.c_longlong(stride), b.cuda(), ctypes.c_int(rows), ctypes.c_int(outputs)])
        self.report(f"add_bias_rows_f32 {rows}x{outputs} into columns {offset}... of {stride}", self.relative(got, expected), 0)

    def gated_activation(self, rows, inner):
        gate_up = torch.randn(rows, 2 * inner) * 3
        gate, up = gate_up[:, :inner], gate_up[:, inner:]
        for code, name, act in [(0, "silu", torch.nn.functional.silu),
                                (1, "gelu tanh", lambda g: torch.nn.functional.gelu(g, approximate="tanh")),
                                (2, "gelu", torch.nn.functional.gelu)]:
            expected = act(gate.double()) * up.double()
            if not self.driver:
                continue
            out = torch.empty(rows, inner, device="cuda")
            self.driver.launch(self.kernel("elementwise", "gated_activation_f32"), ((rows * inner + 255) // 256,), 256,
                               [gate_up.cuda(), out, ctypes.c_int(rows), ctypes.c_int(inner), ctypes.c_int(code)])
            self.report(f"gated_activation_f32 {name} {rows}x{inner}", self.relative(out, expected), 1e-5)

    def fake_quantization(self, rows, width):
        x = torch.randn(rows, width) * torch.logspace(-3, 3, rows)[:, None]
        x[0] = 0  # a zero row: zeros
        for kernel, reference, decode in [("fake_quantize_fp8_per_token", quantize_fp8, fp8_values),
                                          ("fake_quantize_int8_per_token", quantize_int8, lambda codes: codes.float())]:
            codes, scales = reference(x[1:])
            expected = torch.cat([torch.zeros(1, width), decode(codes) * scales[:, None]])
            if not self.driver:
                continue
            y = torch.empty(rows, width, device="cuda")
            self.driver.launch(self.kernel("activation_quantization", kernel), (rows,), 256, [x.cuda(), y, ctypes.c_int(width)])
            self.report(f"{kernel} {rows}x{width}", self.relative(y, expected), 1e-6)

    def run(self):
        self.rms_norm(7, 4096)
        self.rms_norm(3, 1000)
        self.rotary(5, 8, 128, 128)
        self.rotary(5, 4, 64, 32)
        self.activation_quantization(9, 4096)
        self.activation_quantization(4, 1000)
        for bits, group, asymmetric in [(4, 128, False), (4, 64, True), (8, 128, False), (3, 128, True)]:
            self.packed_int_gemv(11, 300, 1024, bits, group, asymmetric)
        self.packed_int_gemv(1, 4096, 4096, 4, 128, False)
        self.fp8_weight_gemv(11, 300, 1024, 128, 128)
        self.fp8_weight_gemv(3, 300, 1000, 1, 1000)
        self.int8_gemv(11, 300, 1024)
        self.fp4(64, 4096, True)
        self.fp4(33, 1000, True)
        self.fp4(64, 4096, False)
        self.routing(100, 64, 8, True)
        self.routing(100, 8, 2, False)
        self.attention(7, 0, 8, 2, 64, 0.0, 0, False)
        self.attention(1, 300, 8, 8, 128, 0.0, 0, False)
        self.attention(5, 40, 4, 2, 64, 50.0, 16, False)
        self.attention(3, 100, 8, 2, 64, 0.0, 0, True)
        self.add_bias_rows(9, 300)
        self.gated_activation(9, 300)
        self.fake_quantization(9, 1000)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("cubins", nargs="?", help="the folder of NAME-sm_XY.cubin files from compress cuda-check --output")
    parser.add_argument("--device", type=int, default=0)
    parser.add_argument("--references-only", action="store_true", help="run the references on the CPU only (no GPU)")
    arguments = parser.parse_args()
    torch.manual_seed(0)
    if arguments.references_only:
        Check(None, {}).run()
        print("references ran (no kernel launched)")
        return 0
    if not arguments.cubins:
        parser.error("give the CUBIN folder, or --references-only")
    if not torch.cuda.is_available():
        print("cuda-kernel-check: torch sees no CUDA device", file=sys.stderr)
        return 1
    cubins = {}
    for path in glob.glob(os.path.join(arguments.cubins, "*.cubin")):
        cubins[os.path.basename(path).rsplit("-", 1)[0]] = path
    check = Check(Driver(arguments.device), cubins)
    check.run()
    print(f"{check.failures} failing case(s)")
    return 1 if check.failures else 0


if __name__ == "__main__":
    sys.exit(main())
