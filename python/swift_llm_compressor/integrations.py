"""Hugging Face Trainer integration: every checkpoint the Trainer saves, compressed beside it.

    from swift_llm_compressor.integrations import CompressCheckpointCallback
    trainer = Trainer(..., callbacks=[CompressCheckpointCallback("recipes/fp8_dynamic.yaml")])

`output_dir/checkpoint-500` gets a sibling `output_dir/checkpoint-500-FP8_DYNAMIC`. Compression
runs in a background worker (one checkpoint at a time, in save order), so training goes on
meanwhile; the worker is awaited when training ends. A failure is logged and kept in
`failures`, never raised into the training loop.
"""

import logging
import os
import queue
import threading
from typing import List, Optional, Tuple

from ._api import oneshot
from .errors import CompressionError

try:
    from transformers import TrainerCallback
except ImportError:  # the callback is usable (and testable) without transformers installed
    TrainerCallback = object

logger = logging.getLogger(__name__)


class CompressCheckpointCallback(TrainerCallback):
    """Compresses each checkpoint the Trainer saves into `<checkpoint><suffix>`.

    recipe, dataset and any other `oneshot` keyword (num_calibration_samples, threads, ...) are
    passed to `oneshot` for every checkpoint. With background=False each checkpoint is compressed
    before training goes on.
    """

    def __init__(self, recipe, suffix: str = "-FP8_DYNAMIC", dataset=None, background: bool = True, **oneshot_options):
        self.recipe = recipe
        self.suffix = suffix
        self.dataset = dataset
        self.background = background
        self.oneshot_options = dict(oneshot_options, progress=oneshot_options.get("progress", False))
        #: (checkpoint folder, the error's message) of every checkpoint that failed.
        self.failures: List[Tuple[str, str]] = []
        #: The compressed folders written, in order, and the seconds their compression took in all.
        self.compressed: List[str] = []
        self.seconds = 0.0
        self._queue: "queue.Queue[Optional[str]]" = queue.Queue()
        self._worker: Optional[threading.Thread] = None

    # TrainerCallback events

    def on_save(self, args, state, control, **kwargs):
        if getattr(state, "is_world_process_zero", True):
            self.submit(os.path.join(args.output_dir, f"checkpoint-{state.global_step}"))
        return control

    def on_train_end(self, args, state, control, **kwargs):
        self.wait()
        return control

    # Work

    def submit(self, checkpoint: str) -> None:
        """Compresses `checkpoint` now (background=False) or queues it for the worker."""
        if not self.background:
            self._compress(checkpoint)
            return
        if self._worker is None or not self._worker.is_alive():
            self._worker = threading.Thread(target=self._work, name="CompressCheckpointCallback", daemon=True)
            self._worker.start()
        self._queue.put(checkpoint)

    def wait(self) -> None:
        """Returns once every queued checkpoint is compressed (or failed)."""
        if self._worker is not None and self._worker.is_alive():
            self._queue.put(None)
            self._worker.join()
        self._worker = None

    def _work(self) -> None:
        while True:
            checkpoint = self._queue.get()
            if checkpoint is None:
                return
            self._compress(checkpoint)

    def _compress(self, checkpoint: str) -> None:
        output = checkpoint.rstrip(os.sep) + self.suffix
        try:
            summary = oneshot(model=checkpoint, recipe=self.recipe, output_dir=output, dataset=self.dataset,
                              **self.oneshot_options)
        except (CompressionError, OSError, ValueError, TypeError) as error:
            message = getattr(error, "message", str(error))
            self.failures.append((checkpoint, message))
            logger.warning("CompressCheckpointCallback: %s was not compressed: %s", checkpoint, message)
            return
        self.compressed.append(summary.output_dir)
        self.seconds += summary.seconds
        logger.info("CompressCheckpointCallback: wrote %s (%.2fx) in %.1f s", summary.output_dir,
                    summary.compression_ratio, summary.seconds)
