#!/usr/bin/env python3
"""Compares two calibrated checkpoints written by `compress oneshot` (one process, and MPI ranks):
static input, k and v scales within 1e-5 relative; at least 99.9% of the codes of every other
tensor equal (4-bit codes of packed int32 tensors compared code by code, other tensors byte by
byte). Python's standard library only. Usage: compare-calibrated.py ONE_PROCESS RANKS"""
import glob, json, os, struct, sys


def tensors(folder):
    result = {}
    for path in sorted(glob.glob(os.path.join(folder, "*.safetensors"))):
        with open(path, "rb") as f:
            size = struct.unpack("<Q", f.read(8))[0]
            header = json.loads(f.read(size))
            data = f.read()
        for name, info in header.items():
            if name != "__metadata__":
                start, end = info["data_offsets"]
                result[name] = (info["dtype"], data[start:end])
    return result


def floats(dtype, raw):
    if dtype == "BF16":
        return [struct.unpack("<f", b"\0\0" + raw[i:i + 2])[0] for i in range(0, len(raw), 2)]
    if dtype == "F32":
        return list(struct.unpack(f"<{len(raw) // 4}f", raw))
    if dtype == "F16":
        return list(struct.unpack(f"<{len(raw) // 2}e", raw))
    raise SystemExit(f"unexpected scale dtype {dtype}")


def main(one, many):
    a, b = tensors(one), tensors(many)
    if sorted(a) != sorted(b):
        raise SystemExit(f"{many}: tensors differ from {one}")
    scales = equal = total = 0
    for name, (dtype, raw) in a.items():
        other_dtype, other = b[name]
        if other_dtype != dtype or len(other) != len(raw):
            raise SystemExit(f"{many}: {name} is {other_dtype} of {len(other)} bytes, {dtype} of {len(raw)} in one process")
        if name.endswith(("input_scale", "k_scale", "v_scale")):
            for x, y in zip(floats(dtype, raw), floats(dtype, other)):
                if abs(x - y) > 1e-5 * abs(x):
                    raise SystemExit(f"{many}: {name} is {y}, {x} in one process")
            scales += 1
        elif name.endswith("weight_packed") and dtype == "I32":
            for x, y in zip(raw, other):
                equal += ((x & 15) == (y & 15)) + ((x >> 4) == (y >> 4))
                total += 2
        else:
            equal += sum(x == y for x, y in zip(raw, other))
            total += len(raw)
    fraction = equal / max(total, 1)
    if fraction < 0.999:
        raise SystemExit(f"{many}: {fraction:.5f} of the codes equal one process's")
    print(f"{os.path.basename(many)}: {scales} static scales within 1e-5, {fraction:.5%} of the codes equal")


if __name__ == "__main__":
    main(*sys.argv[1:3])
