"""Runs a C call in a worker thread, so that the GIL is free and Ctrl-C is seen while it works."""

import ctypes
import json
import threading

from . import _library
from .errors import OK, CompressionError


def run(function_name: str, options: dict, on_event=None, arguments: tuple = ()) -> dict:
    """Calls `function_name` (llmc_oneshot, llmc_oneshot_tensors or llmc_perplexity) with
    `options` as JSON and then `arguments`, in a worker thread, and returns its result JSON.

    The calling thread waits in short joins, so a KeyboardInterrupt reaches it: the run's
    cancellation handle is then set, the worker is awaited (the run stops at its next check and
    leaves no output) and the KeyboardInterrupt is raised again. `on_event` gets each progress
    event as a dict, on the worker thread; an exception it raises cancels the run and is raised
    here. A failed call raises CompressionError with the library's message.
    """
    lib = _library.load()
    text = json.dumps(options).encode("utf-8")
    cancel = lib.llmc_cancel_new()
    raised = []

    def deliver(_context, event):
        if on_event is None or raised:
            return
        try:
            on_event(json.loads(event))
        except BaseException as error:  # noqa: BLE001 - handed to the calling thread
            raised.append(error)
            lib.llmc_cancel_set(cancel)

    callback = _library.PROGRESS(deliver)
    result = ctypes.POINTER(ctypes.c_char)()
    status = []

    finished = threading.Event()

    def work():
        try:
            status.append(getattr(lib, function_name)(text, *arguments, callback, None, cancel, ctypes.byref(result)))
        finally:
            finished.set()

    # Waiting on an Event, not Thread.join: a KeyboardInterrupt inside join() can leave CPython
    # (3.11) believing the thread has stopped while it still runs.
    worker = threading.Thread(target=work, name=f"swift-llm-compressor {function_name}", daemon=True)
    interrupted = None
    worker.start()
    while not finished.is_set():
        try:
            finished.wait(0.1)
        except KeyboardInterrupt as interrupt:
            interrupted = interrupted or interrupt
            lib.llmc_cancel_set(cancel)
    lib.llmc_cancel_free(cancel)
    message = _library.take_string(result)
    if interrupted is not None:
        raise interrupted
    if raised:
        raise raised[0]
    if status[0] != OK:
        raise CompressionError(message, status[0])
    return json.loads(message)


def call(function_name: str, options: dict) -> dict:
    """Calls a quick function without progress or cancellation (llmc_verify, llmc_inspect) and
    returns its result JSON; the GIL is released meanwhile."""
    lib = _library.load()
    result = ctypes.POINTER(ctypes.c_char)()
    code = getattr(lib, function_name)(json.dumps(options).encode("utf-8"), ctypes.byref(result))
    message = _library.take_string(result)
    if code != OK:
        raise CompressionError(message, code)
    return json.loads(message)
