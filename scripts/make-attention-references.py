#!/usr/bin/env python3
"""References for attention quantization (llm-compressor 0.14.0.1's examples/quantization_attention: a
config group of input activations only whose targets name the attention modules, giving q_scale, k_scale
and v_scale).

  python3 scripts/make-attention-references.py    writes Tests/Fixtures/attention-reference.json

Each recipe runs twice on Tests/Fixtures/models/llama_calib, as scripts/make-activation-forms-references.py
runs its calibrated forms (tiny_fixture.run_calibrated):
- as llm-compressor runs it: its config, tensors, k/v scales and saved recipe are what our output must
  match. Its q_scale is not calibrated: calibration forces eager attention (`use_eager_attention`), which
  replaces compressed-tensors' hooked attention, so the query hook never fires and q_scale keeps the
  uninitialized memory `initialize_qparams` allocated (its values are not kept);
- with the model loaded with eager attention and `use_eager_attention` made a no-op, so that the hooked
  attention (calling Llama's eager attention) runs and the query observer sees the post-RoPE queries: its q_scale
  values ("hooked_query_scales") are what our calibrated q_scale is compared with.

Needs the llm-compressor environment (torch, transformers 5, llmcompressor 0.14.0.1).
"""
import contextlib

from tiny_fixture import quantization_modifier as modifier, run_calibrated, write_json

STATES_TENSOR = "{num_bits: 8, type: float, symmetric: true, strategy: tensor, dynamic: false}"
STATES_HEAD = "{num_bits: 8, type: float, symmetric: true, strategy: attn_head, dynamic: false}"

RECIPES = {
    # examples/quantization_attention/llama3_attention.py: per-head FP8 states on LlamaAttention.
    "attention_fp8_attn_head": modifier(["config_groups:", "  attention:", "    targets: [LlamaAttention]",
                                         "    input_activations: " + STATES_HEAD]),
    # Per tensor, the modules named by pattern, beside FP8 static Linear layers.
    "fp8_with_attention_tensor": modifier(["ignore: [lm_head]", "config_groups:",
                                           "  group_0: {targets: [Linear], weights: {num_bits: 8, type: float, strategy: channel}, "
                                           "input_activations: {num_bits: 8, type: float, strategy: tensor, dynamic: false}}",
                                           "  attention:", "    targets: ['re:.*self_attn$']",
                                           "    input_activations: " + STATES_TENSOR]),
}


@contextlib.contextmanager
def hooked_attention():
    """llm-compressor's calibration with compressed-tensors' hooked attention left in place, calling
    Llama's eager attention (which transformers' registry of attention functions does not hold)."""
    import llmcompressor.utils.helpers as helpers
    from transformers.modeling_utils import ALL_ATTENTION_FUNCTIONS
    from transformers.models.llama.modeling_llama import eager_attention_forward
    ALL_ATTENTION_FUNCTIONS.register("eager", eager_attention_forward)
    original = helpers.use_eager_attention
    helpers.use_eager_attention = lambda model: contextlib.nullcontext()
    try:
        yield
    finally:
        helpers.use_eager_attention = original


if __name__ == "__main__":
    import warnings
    warnings.filterwarnings("ignore")
    entries = run_calibrated(RECIPES)
    with hooked_attention():
        hooked = run_calibrated(RECIPES, attn_implementation="eager")
    for name, entry in entries.items():
        for key, record in entry["tensors"].items():
            if key.endswith(".q_scale"):
                record.pop("values", None)  # uninitialized memory
        entry["hooked_query_scales"] = {key: record["values"] for key, record in hooked[name]["tensors"].items()
                                        if key.endswith(".q_scale")}
        entry["hooked_key_value_scales"] = {key: record["values"] for key, record in hooked[name]["tensors"].items()
                                            if key.endswith((".k_scale", ".v_scale"))}
    write_json({"samples_from": "calibration-reference.json", "recipes": entries}, "Tests/Fixtures/attention-reference.json")
