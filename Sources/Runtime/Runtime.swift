// The Runtime module: CPU inference for the Llama family on bf16 and compressed checkpoints.
