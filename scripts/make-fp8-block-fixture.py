#!/usr/bin/env python3
"""Writes the FP8-block input fixtures and llm-compressor 0.14's outputs from them, for the tests of
quantized checkpoints as input (FP8BlockSourceTests, ConvertCommandTests):

- Tests/Fixtures/models/llama_fp8block: a tiny random Llama (hidden 256, intermediate 384, one KV head
  of 64, so 128x128 blocks and a partial block of rows) whose Linear weights (lm_head aside) are FP8
  E4M3 with a 128x128 `weight_scale_inv` in F32, as DeepSeek-V3's checkpoints store them
  (scale = block absmax / 448), and config.json's `quantization_config` {quant_method: fp8, ...};
- Tests/Fixtures/models/llama_fp8block_edge: the same with hidden 192 and intermediate 320 (partial
  blocks of rows and columns) and BF16 scales;
- Tests/Fixtures/quantized-input/MODEL--SCHEME/manifest.json: the tensors (dtype, shape, sha256) of
  `model_free_ptq(MODEL, scheme=SCHEME, ignore=[lm_head, embed_tokens], converter=FP8BlockDequantizer(...))`
  for W4A16, NVFP4A16 and FP8_DYNAMIC, with the recipe.yaml oneshot saves for the scheme. model_free_ptq
  writes its own quantization_config (the group named after the scheme, no observer, its `ignore` as
  given); the manifest holds the one llm-compressor's `oneshot` writes with that scheme on the
  dequantized model (which `compress oneshot` writes), and oneshot's tensors: they are model_free_ptq's
  except that FP8 weights of -0.0 (from FP8 codes 0x80 of the input) are code 0x00 in oneshot's
  FP8_DYNAMIC output (compressed-tensors adds the zero point 0 when the module has one, as under
  oneshot) and 0x80 in model_free_ptq's, which the script checks is the only difference;
- Tests/Fixtures/quantized-input/MODEL--DEQUANTIZED/manifest.json: FP8BlockDequantizer's BF16 tensors
  alone (what `compress convert --dequantize` writes);
- Tests/Fixtures/quantized-input/dequantized/MODEL--SCHEME.json: compressed-tensors checkpoints as input:
  CompressedTensorsDequantizer's BF16 tensors of llm-compressor's output for each reference
  MODEL--SCHEME listed below (made again here with its recipe.yaml and checked to be the reference).

Needs the llm-compressor environment (torch, transformers 5, llmcompressor 0.14.0.1), CPU only:
    /work/venv-llmc/bin/python scripts/make-fp8-block-fixture.py
"""
import hashlib, json, os, shutil, struct, tempfile

import torch
from transformers import AutoModelForCausalLM, LlamaConfig, LlamaForCausalLM
from safetensors.torch import save_file
from compressed_tensors.entrypoints.convert.converters import CompressedTensorsDequantizer, FP8BlockDequantizer
from llmcompressor import model_free_ptq, oneshot
from llmcompressor.modifiers.quantization import QuantizationModifier

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
models = {
    "llama_fp8block": dict(hidden_size=256, intermediate_size=384, scale_dtype=torch.float32),
    "llama_fp8block_edge": dict(hidden_size=192, intermediate_size=320, scale_dtype=torch.bfloat16),
}
schemes = {"llama_fp8block": ["W4A16", "NVFP4A16", "FP8_DYNAMIC"], "llama_fp8block_edge": ["NVFP4A16", "FP8_DYNAMIC"]}
BLOCK = 128
NOT_QUANTIZED = ["lm_head", "model.embed_tokens"]


def fp8_block(weight, scale_dtype):
    """DeepSeek-style FP8 block quantization: codes and the scale to multiply them by, per 128x128 tile."""
    rows, cols = weight.shape
    br, bc = -(-rows // BLOCK), -(-cols // BLOCK)
    padded = torch.zeros(br * BLOCK, bc * BLOCK, dtype=torch.float32)
    padded[:rows, :cols] = weight.float()
    tiles = padded.reshape(br, BLOCK, bc, BLOCK).transpose(1, 2)
    scale = (tiles.abs().amax(dim=(-1, -2)) / 448.0).to(scale_dtype)
    codes = (tiles / scale.float()[..., None, None]).clamp(-448, 448).to(torch.float8_e4m3fn)
    codes = codes.transpose(1, 2).reshape(br * BLOCK, bc * BLOCK)[:rows, :cols].contiguous()
    return codes, scale


def make_model(name, hidden_size, intermediate_size, scale_dtype):
    path = os.path.join(root, "Tests/Fixtures/models", name)
    shutil.rmtree(path, ignore_errors=True)
    torch.manual_seed(0)
    config = LlamaConfig(hidden_size=hidden_size, intermediate_size=intermediate_size, num_hidden_layers=2,
                         num_attention_heads=hidden_size // 64, num_key_value_heads=1, head_dim=64, vocab_size=256,
                         max_position_embeddings=512, tie_word_embeddings=False, dtype="bfloat16")
    model = LlamaForCausalLM(config).to(torch.bfloat16)
    model.save_pretrained(path)
    tensors = {}
    for key, value in model.state_dict().items():
        module = key.rsplit(".", 1)[0]
        if key.endswith("proj.weight") and module not in NOT_QUANTIZED:
            tensors[key], tensors[module + ".weight_scale_inv"] = fp8_block(value, scale_dtype)
        else:
            tensors[key] = value.contiguous()
    for f in os.listdir(path):
        if f.endswith(".safetensors"):
            os.remove(os.path.join(path, f))
    save_file(tensors, os.path.join(path, "model.safetensors"), metadata={"format": "pt"})
    with open(os.path.join(path, "config.json")) as f:
        cfg = json.load(f)
    cfg["quantization_config"] = {"activation_scheme": "dynamic", "fmt": "e4m3", "quant_method": "fp8",
                                  "weight_block_size": [BLOCK, BLOCK]}
    with open(os.path.join(path, "config.json"), "w") as f:
        json.dump(cfg, f, indent=2, sort_keys=True)
    return path


def describe(tensors_dir):
    out = {}
    for fn in sorted(os.listdir(tensors_dir)):
        if not fn.endswith(".safetensors"):
            continue
        with open(os.path.join(tensors_dir, fn), "rb") as f:
            n = struct.unpack("<Q", f.read(8))[0]
            header = json.loads(f.read(n))
            base = 8 + n
            for key, value in header.items():
                if key == "__metadata__":
                    continue
                b, e = value["data_offsets"]
                f.seek(base + b)
                out[key] = {"dtype": value["dtype"], "shape": value["shape"], "sha256": hashlib.sha256(f.read(e - b)).hexdigest()}
    with open(os.path.join(tensors_dir, "config.json")) as f:
        config = json.load(f)
    return {"tensors": out, "quantization_config": config.get("quantization_config")}


def write_reference(name, manifest, recipe=None):
    folder = os.path.join(root, "Tests/Fixtures/quantized-input", name)
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder)
    with open(os.path.join(folder, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1, sort_keys=True)
    if recipe:
        with open(os.path.join(folder, "recipe.yaml"), "w") as f:
            f.write(recipe)


def signed_zeros_only(free_file, shot_dir, name):
    """Whether FP8 tensor `name` of model_free_ptq's output differs from oneshot's only where one has
    the code of -0 (0x80) and the other that of +0 (0x00)."""
    from safetensors.torch import load_file
    shot_file = next(os.path.join(shot_dir, f) for f in os.listdir(shot_dir) if f.endswith(".safetensors"))
    a, b = load_file(free_file)[name], load_file(shot_file)[name]
    if a.dtype != torch.float8_e4m3fn or b.dtype != a.dtype:
        return False
    x, y = a.view(torch.uint8), b.view(torch.uint8)
    differ = x != y
    return bool(((x[differ] == 0x80) & (y[differ] == 0x00)).all())


def dequantized_model(path, folder):
    """FP8BlockDequantizer's BF16 model of `path`, written to `folder`; returns its manifest."""
    from safetensors.torch import load_file
    tensors = load_file(os.path.join(path, "model.safetensors"))
    tensors = FP8BlockDequantizer(ignore=NOT_QUANTIZED, weight_block_size=(BLOCK, BLOCK)).process(tensors)
    save_file({k: v.contiguous() for k, v in tensors.items()}, os.path.join(folder, "model.safetensors"))
    with open(os.path.join(path, "config.json")) as f:
        cfg = json.load(f)
    cfg.pop("quantization_config")
    with open(os.path.join(folder, "config.json"), "w") as f:
        json.dump(cfg, f)
    return describe(folder)


for name, spec in models.items():
    path = make_model(name, **spec)
    with tempfile.TemporaryDirectory() as dequantized:
        write_reference(f"{name}--DEQUANTIZED", dequantized_model(path, dequantized))
        for scheme in schemes[name]:
            with tempfile.TemporaryDirectory() as out, tempfile.TemporaryDirectory() as out2:
                model_free_ptq(model_stub=path, save_directory=out, scheme=scheme, ignore=["lm_head", "re:.*embed_tokens"],
                               device="cpu", converter=FP8BlockDequantizer(ignore=NOT_QUANTIZED, weight_block_size=(BLOCK, BLOCK)))
                model = AutoModelForCausalLM.from_pretrained(dequantized, dtype="auto")
                oneshot(model=model, recipe=QuantizationModifier(targets="Linear", scheme=scheme, ignore=["lm_head"]))
                model.save_pretrained(out2, save_compressed=True)
                free, shot = describe(out), describe(out2)
                differ = sorted(k for k in set(free["tensors"]) | set(shot["tensors"]) if free["tensors"].get(k) != shot["tensors"].get(k))
                assert all(signed_zeros_only(os.path.join(out, "model.safetensors"), out2, k) for k in differ), differ
                with open(os.path.join(out2, "recipe.yaml")) as f:
                    recipe = f.read()
                write_reference(f"{name}--{scheme}", shot, recipe)
            print(name, scheme, "done;", len(differ), "FP8 weights differ from model_free_ptq's in the sign of zero codes only")


compressed_inputs = ["llama--W4A16", "llama--W4A16_ASYM", "llama--W8A8", "llama--INT8_ASYM", "llama--ASYM3_CH", "llama--FP8_BLOCK",
                     "llama--FP8_TENSOR_WEIGHTS", "llama--NVFP4A16", "llama--MXFP4A16", "llama--MXFP8A16", "llama_f16--FP8_DYNAMIC",
                     "llama_f16--W4A16_ASYM", "llama_f32--NVFP4A16", "llama_f32--W8A8"]
os.makedirs(os.path.join(root, "Tests/Fixtures/quantized-input/dequantized"), exist_ok=True)
for reference in compressed_inputs:
    model_name = reference.split("--")[0]
    folder = os.path.join(root, "Tests/Fixtures/references", reference)
    with tempfile.TemporaryDirectory() as out, tempfile.TemporaryDirectory() as dequantized:
        model = AutoModelForCausalLM.from_pretrained(os.path.join(root, "Tests/Fixtures/models", model_name), dtype="auto")
        oneshot(model=model, recipe=os.path.join(folder, "recipe.yaml"))
        model.save_pretrained(out, save_compressed=True)
        with open(os.path.join(folder, "manifest.json")) as f:
            assert describe(out)["tensors"] == json.load(f)["tensors"], reference
        files = [f for f in os.listdir(out) if f.endswith(".safetensors")]
        from safetensors.torch import load_file
        tensors = {}
        for f in files:
            tensors.update(load_file(os.path.join(out, f)))
        tensors = CompressedTensorsDequantizer(out, ignore=["model.embed_tokens"]).process(tensors)
        save_file({k: v.contiguous() for k, v in tensors.items()}, os.path.join(dequantized, "model.safetensors"))
        with open(os.path.join(dequantized, "config.json"), "w") as f:
            json.dump({}, f)
        with open(os.path.join(root, "Tests/Fixtures/quantized-input/dequantized", reference + ".json"), "w") as f:
            json.dump(describe(dequantized), f, indent=1, sort_keys=True)
    print(reference, "dequantized")
