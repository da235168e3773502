"""Progress of a run: a tqdm bar when tqdm is installed, or the caller's callback."""


class Progress:
    """Receives the C ABI's progress events (dicts) on the worker thread.

    `progress` is True (a tqdm bar if tqdm can be imported, else nothing), False (nothing), or a
    callable that gets every event dict: oneshot's {"tensors_done", "tensors_total", "bytes_done",
    "bytes_total", "tensor"}, perplexity's {"windows_done", "windows_total"}.
    """

    def __init__(self, progress, description: str, unit: str):
        self._callback = progress if callable(progress) else None
        self._tqdm = None
        self._bar = None
        self._description = description
        self._unit = unit
        if progress is True:
            try:
                from tqdm.auto import tqdm
                self._tqdm = tqdm
            except ImportError:
                pass

    def __call__(self, event: dict) -> None:
        if self._callback is not None:
            self._callback(event)
        if self._tqdm is None:
            return
        done, total = (event["bytes_done"], event["bytes_total"]) if "bytes_done" in event else (event["windows_done"], event["windows_total"])
        if self._bar is None:
            scaled = self._unit == "B"
            self._bar = self._tqdm(total=total, desc=self._description, unit=self._unit, unit_scale=scaled, unit_divisor=1024 if scaled else 1000)
        self._bar.update(done - self._bar.n)
        if "tensor" in event:
            self._bar.set_postfix_str(event["tensor"], refresh=False)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None
