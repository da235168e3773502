#!/usr/bin/env python3
"""Builds the calibration test model and llm-compressor 0.14's calibrated outputs for it.

  python3 scripts/make-calibration-reference.py model     writes Tests/Fixtures/models/llama_calib
  python3 scripts/make-calibration-reference.py run OUT   runs every recipe below into OUT/NAME and
                                                          writes Tests/Fixtures/calibration-reference.json
  python3 scripts/make-calibration-reference.py run OUT NAME...   runs only the recipes named and
                                                          replaces their entries in that file

The model is a random 2-layer Llama (bf16) whose vocabulary is the byte-level BPE tokenizer fixture's.
The calibration samples are fixed token ids (windows of Tests/Fixtures/text/GPL-3), given to
llm-compressor pre-tokenized and unshuffled so that both tools see the same batches in the same order.
llm-compressor runs the model in float32 (weights are the bf16 values widened), as our runtime does.
The JSON keeps, per recipe, the values our tests compare with a tolerance: static input scales,
k/v scales, and summary statistics of quantized weights.
"""
import json, os, shutil, sys

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
model_dir = os.path.join(root, "Tests/Fixtures/models/llama_calib")
tokenizer_dir = os.path.join(root, "Tests/Fixtures/tokenizers/byte-level-bpe")

RECIPES = {
    "fp8_static_kv": """
quant_stage:
  quant_modifiers:
    QuantizationModifier:
      ignore: [lm_head]
      scheme: FP8
      kv_cache_scheme: {num_bits: 8, type: float, strategy: tensor, dynamic: false, symmetric: true}
""",
    "w8a8_smoothquant_gptq": """
quant_stage:
  quant_modifiers:
    SmoothQuantModifier: {smoothing_strength: 0.8}
    GPTQModifier: {ignore: [lm_head], scheme: W8A8, targets: [Linear]}
""",
    "w4a16_gptq_g32": """
quant_stage:
  quant_modifiers:
    GPTQModifier:
      ignore: [lm_head]
      config_groups:
        group_0:
          targets: [Linear]
          weights: {num_bits: 4, type: int, symmetric: true, strategy: group, group_size: 32}
""",
    "w4a16_rtn_g32": """
quant_stage:
  quant_modifiers:
    QuantizationModifier:
      ignore: [lm_head]
      config_groups:
        group_0:
          targets: [Linear]
          weights: {num_bits: 4, type: int, symmetric: true, strategy: group, group_size: 32}
""",
    "w4a16_awq": """
quant_stage:
  quant_modifiers:
    AWQModifier: {duo_scaling: true}
    QuantizationModifier:
      ignore: [lm_head]
      config_groups:
        group_0:
          targets: [Linear]
          weights: {num_bits: 4, type: int, symmetric: false, strategy: group, group_size: 32}
""",
    "nvfp4a16_awq": """
quant_stage:
  quant_modifiers:
    AWQModifier: {duo_scaling: true}
    QuantizationModifier: {ignore: [lm_head], scheme: NVFP4A16, targets: [Linear]}
""",
    "nvfp4a16_gptq": """
quant_stage:
  quant_modifiers:
    GPTQModifier: {ignore: [lm_head], scheme: NVFP4A16, targets: [Linear]}
""",
}


def samples():
    sys.path.insert(0, "")
    from tokenizers import Tokenizer
    tok = Tokenizer.from_file(os.path.join(tokenizer_dir, "tokenizer.json"))
    text = open(os.path.join(root, "Tests/Fixtures/text/GPL-3"), encoding="utf-8").read()
    ids = tok.encode(text, add_special_tokens=False).ids
    return [ids[i * 48 + 5000:(i + 1) * 48 + 5000] for i in range(8)]


def make_model():
    import torch, transformers
    from tokenizers import Tokenizer
    vocab = Tokenizer.from_file(os.path.join(tokenizer_dir, "tokenizer.json")).get_vocab_size()
    torch.manual_seed(7)
    config = transformers.LlamaConfig(vocab_size=vocab, hidden_size=128, intermediate_size=256, num_hidden_layers=2,
                                      num_attention_heads=4, num_key_value_heads=2, head_dim=32,
                                      max_position_embeddings=256, bos_token_id=None, eos_token_id=None,
                                      tie_word_embeddings=False)
    model = transformers.LlamaForCausalLM(config).to(torch.bfloat16)
    os.makedirs(model_dir, exist_ok=True)
    model.save_pretrained(model_dir)
    shutil.copy(os.path.join(tokenizer_dir, "tokenizer.json"), model_dir)
    with open(os.path.join(model_dir, "tokenizer_config.json"), "w") as f:
        json.dump({"tokenizer_class": "PreTrainedTokenizerFast", "model_max_length": 256}, f, indent=2)


def run(out_root, names):
    import torch
    from tiny_fixture import oneshot_tensors
    # AWQ pins cached activations, which needs CUDA; on a CPU-only machine pinning is a no-op.
    torch.Tensor.pin_memory = lambda self, *args, **kwargs: self
    ids = samples()
    path = os.path.join(root, "Tests/Fixtures/calibration-reference.json")
    result = json.load(open(path)) if names else {"samples": ids, "recipes": {}}
    for name, recipe in RECIPES.items():
        if names and name not in names:
            continue
        out = os.path.join(out_root, name)
        shutil.rmtree(out, ignore_errors=True)
        tensors = oneshot_tensors(recipe, ids, out)
        entry = {"recipe": recipe, "tensors": {}}
        for key, value in sorted(tensors.items()):
            v = value.float()
            record = {"dtype": str(value.dtype).replace("torch.", ""), "shape": list(value.shape)}
            if v.numel() <= 4:
                record["values"] = v.flatten().tolist()
            else:
                record["mean_abs"] = v.abs().mean().item()
                record["max_abs"] = v.abs().max().item()
            entry["tensors"][key] = record
        entry["quantization_config"] = json.load(open(os.path.join(out, "config.json")))["quantization_config"]
        result["recipes"][name] = entry
    with open(path, "w") as f:
        json.dump(result, f, indent=1)


if __name__ == "__main__":
    if sys.argv[1] == "model":
        make_model()
    else:
        run(sys.argv[2], sys.argv[3:])
