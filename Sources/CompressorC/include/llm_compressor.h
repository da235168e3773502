/*
 * llm_compressor.h: the C ABI of swift-llm-compressor (libLLMCompressorC.so).
 *
 * Build:  swift build -c release --product LLMCompressorC
 *         -> .build/release/libLLMCompressorC.so
 *
 * Every call takes its options as one JSON object (UTF-8, NUL-terminated) and hands back one
 * string through `result`: the result as JSON on success, or the error's one-line message
 * (the line `compress` prints after "error: "). Options are named as llm-compressor's keywords;
 * unknown options are refused (LLMC_BAD_OPTIONS), null means "not given". New options and new
 * result fields may be added in later versions; existing ones keep their meaning.
 *
 * Ownership: `*result` is allocated by the library (malloc) and owned by the caller, who frees it
 * with llmc_free(). It is set on every return, success or not (also to an error message), when
 * `result` is not NULL. Option strings and tensor buffers stay owned by the caller and are not
 * kept after the call returns.
 *
 * Threads: calls are synchronous and run on the calling thread (plus worker threads of their own
 * that end before the call returns). Independent calls may run at the same time on different
 * threads, for different output folders (a second run writing the same output fails at once:
 * the output is locked). Progress callbacks are made on the calling thread, between pieces of
 * work; the library does not hold any lock of the caller's while calling them. A cancellation
 * handle may be set from any thread (or a signal handler: setting it is one atomic store).
 *
 * Output safety: oneshot writes into a hidden folder beside output_dir and renames it into place
 * only when complete. A failed or cancelled run leaves no output (the hidden folder is removed).
 */
#ifndef LLM_COMPRESSOR_H
#define LLM_COMPRESSOR_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Status codes: what every call returns. */
#define LLMC_OK 0            /* success: *result is the result JSON */
#define LLMC_FAILED 1        /* bad input or failed run: *result is the one-line message */
#define LLMC_BAD_OPTIONS 64  /* the options JSON is invalid, has an unknown key or a value of the wrong kind */
#define LLMC_CANCELLED 130   /* the cancellation handle was set: *result is "cancelled"; no output is left */

/* The library's ABI version, "MAJOR.MINOR.PATCH": a static string, not to be freed. */
const char *llmc_version(void);

/* Frees a string the library handed back through `result`. NULL is ignored. */
void llmc_free(char *string);

/*
 * Progress: called with the caller's `context` and one event as a JSON object (valid only during
 * the call; copy what you keep). Oneshot sends one event after each input tensor is written:
 *   {"tensors_done", "tensors_total", "bytes_done", "bytes_total", "tensor"}
 * Perplexity sends one after each window: {"windows_done", "windows_total"}.
 */
typedef void (*llmc_progress_fn)(void *context, const char *event_json);

/* Cancellation: an opaque, thread-safe flag. */
typedef struct llmc_cancel llmc_cancel;
/* A new handle, not set. Free it with llmc_cancel_free once no call uses it. */
llmc_cancel *llmc_cancel_new(void);
/* Asks every call running with `handle` to stop at its next check: oneshot checks after every
 * tensor and before each calibration sample runs through a decoder block (and each AWQ grid
 * point); it then fails with LLMC_CANCELLED and leaves no output. Any thread. */
void llmc_cancel_set(llmc_cancel *handle);
/* 1 when the handle was set, else 0. */
int32_t llmc_cancel_is_set(llmc_cancel *handle);
void llmc_cancel_free(llmc_cancel *handle);

/*
 * oneshot: applies an llm-compressor recipe to a checkpoint folder (config.json + safetensors)
 * and writes a compressed-tensors checkpoint: `compress oneshot`.
 * Options:
 *   "model"        string, required: the checkpoint folder
 *   "recipe"       string: a recipe YAML file, or
 *   "recipe_yaml"  string: the recipe's YAML text (exactly one of the two)
 *   "output_dir"   string, required
 *   "dataset"      string: a calibration file (.txt, .jsonl, optionally .zst) as --dataset takes it, or
 *   "calibration_samples"  [[int]]: token ids, the first num_calibration_samples lists in the
 *                  order given, each cut to max_seq_length (read only when the recipe calibrates)
 *   "tokenizer"    string: the folder (or tokenizer.json) that tokenizes "dataset"; default: the model's
 *   "num_calibration_samples" int >= 1 (512), "max_seq_length" int >= 1 (the tokenizer's
 *                  model_max_length, else no limit), "shuffle_calibration_samples" bool (true),
 *   "seed" int >= 0 (42), "text_samples" "lines" or "windows" ("lines"): as compress oneshot's options
 *   "overwrite"    bool (false): replace output_dir if it holds a compressed checkpoint
 *   "threads"      int >= 1 (every core), "max_shard_size" "5GB" or bytes (5GB),
 *   "allow_nonfinite" bool (false)
 *   "moe_calibrate_all_experts" bool (true): calibrate every expert of a mixture on every token
 *                  (false: each on the tokens routed to it)
 *   "calibration_dtype" "auto" or "float32" ("auto"): what calibration multiplies in, as
 *                  compress oneshot --calibration-dtype (auto: bf16 layers in bf16, summed in f32)
 * Result: {"output", "tensors_quantized", "tensors_copied", "bytes_in", "bytes_out", "shards",
 *          "files_copied", "ignore", "seconds", "compression_ratio"}.
 * `progress` and `cancel` may be NULL.
 */
int32_t llmc_oneshot(const char *options_json, llmc_progress_fn progress, void *context,
                     llmc_cancel *cancel, char **result);

/*
 * One tensor held in memory by the caller, for llmc_oneshot_tensors: 48 bytes on 64-bit platforms,
 * six 8-byte fields in this order.
 */
typedef struct llmc_tensor {
    const char *name;      /* NUL-terminated UTF-8, as in a safetensors header ("model.layers.0.mlp.up_proj.weight") */
    const char *dtype;     /* a safetensors dtype name: "BF16", "F16", "F32", "I64", "U8", "F8_E4M3", ... */
    const int64_t *shape;  /* `rank` dimensions */
    int64_t rank;
    const void *data;      /* the tensor's bytes, row-major (contiguous), little-endian */
    int64_t byte_length;   /* must equal the product of the shape times the dtype's size */
} llmc_tensor;

/*
 * oneshot_tensors: llmc_oneshot over tensors in memory (a PyTorch model's state dict, read in
 * place: nothing of it is copied to disk). "model" names a folder holding the model's config.json
 * and the other files to copy into the output (generation_config.json, the tokenizer's files),
 * as save_pretrained writes them, but no weights. The tensors are taken in the order given,
 * which must be the order a safetensors file of them would hold their data (save_pretrained's:
 * by dtype, then by name) for the output to equal that of compressing the saved folder.
 * Options and result as llmc_oneshot. The buffers must stay valid and unchanged until the call
 * returns; the library only reads them.
 */
int32_t llmc_oneshot_tensors(const char *options_json, const llmc_tensor *tensors, int64_t count,
                             llmc_progress_fn progress, void *context, llmc_cancel *cancel, char **result);

/*
 * verify: checks a compressed checkpoint against its quantization_config and, with "against",
 * its original: `compress verify --json`.
 * Options: "path" (string, required), "against" (string), "max_relative_rms" (number, needs
 * "against"; default 1), "max_abs_error" (number, needs "against"), "threads" (int).
 * Returns LLMC_OK with the report whether or not problems were found (its "passed" and
 * "problems" tell); LLMC_FAILED only when a checkpoint cannot be read.
 */
int32_t llmc_verify(const char *options_json, char **result);

/*
 * inspect: what a checkpoint holds, from config.json and the safetensors headers only.
 * Options: "path" (string, required).
 * Result: {"model", "architecture", "model_type", "files", "parameters", "bytes",
 *          "quantization_config", "tensors": [{"name", "dtype", "shape", "bytes", "file"}]}.
 */
int32_t llmc_inspect(const char *options_json, char **result);

/*
 * perplexity: tokenizes "text" with the model's tokenizer.json (no special tokens), cuts it into
 * non-overlapping windows of "context" tokens and scores them: `compress eval --json`.
 * Options: "model" (string, required), "text" (string, required: the text itself),
 * "context" (int >= 2, 512), "windows" (int >= 1, default every whole window), "threads" (int),
 * "scored_tokens" ("all-but-first", the default, or "second-half": the tokens llama.cpp's
 * llama-perplexity counts, from position context/2 + 1 on; context >= 3).
 * Result: {"model", "text_tokens", "context", "windows", "scored", "scored_tokens",
 *          "mean_negative_log_likelihood", "perplexity", "seconds", "tokens_per_second", "threads"}.
 * `cancel` is checked before the model loads and before scoring; the windows then run to the end.
 */
int32_t llmc_perplexity(const char *options_json, llmc_progress_fn progress, void *context,
                        llmc_cancel *cancel, char **result);

#ifdef __cplusplus
}
#endif

#endif /* LLM_COMPRESSOR_H */
