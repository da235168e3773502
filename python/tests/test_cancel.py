"""Ctrl-C (KeyboardInterrupt) cancels a run: it stops at the next tensor or sample and leaves nothing."""

import os
import signal
import threading

import pytest

from conftest import CALIBRATION_MODEL, CALIBRATION_RECIPE, RECIPES, TINY_LLAMA
from swift_llm_compressor import _library, oneshot


def test_ctrl_c_in_the_waiting_thread_cancels_the_run_after_the_tensor_and_leaves_no_output(folder, monkeypatch):
    main = threading.main_thread().ident
    seen = []
    lib = _library.load()
    cancel_set = lib.llmc_cancel_set
    cancelled = threading.Event()

    def set_and_tell(handle):
        cancel_set(handle)
        cancelled.set()

    monkeypatch.setattr(lib, "llmc_cancel_set", set_and_tell)

    def interrupt_once(event):
        seen.append(event)
        if len(seen) == 1:
            signal.pthread_kill(main, signal.SIGINT)  # Ctrl-C, seen by the main thread, which waits on the run
            # The run is held here, the GIL free, until the main thread has turned Ctrl-C into a
            # cancellation, however long a loaded machine takes to schedule it.
            assert cancelled.wait(60)

    with pytest.raises(KeyboardInterrupt):
        oneshot(model=TINY_LLAMA, recipe=RECIPES / "w4a16.yaml", output_dir=folder / "out", progress=interrupt_once)
    assert len(seen) == 1
    assert os.listdir(folder) == []


def test_an_exception_in_the_progress_callback_cancels_a_calibrating_run(folder):
    class Stop(Exception):
        pass

    def stop(event):
        raise Stop()

    with pytest.raises(Stop):
        oneshot(model=CALIBRATION_MODEL, recipe=CALIBRATION_RECIPE, output_dir=folder / "out",
                dataset=[[1, 2, 3, 4, 5, 6]] * 4, progress=stop)
    assert os.listdir(folder) == []


def test_the_next_run_after_a_cancelled_one_succeeds(folder):
    def interrupt(event):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        oneshot(model=TINY_LLAMA, recipe=RECIPES / "fp8_dynamic.yaml", output_dir=folder / "out", progress=interrupt)
    summary = oneshot(model=TINY_LLAMA, recipe=RECIPES / "fp8_dynamic.yaml", output_dir=folder / "out", progress=False)
    assert summary.tensors_quantized == 14
    assert sorted(os.listdir(folder)) == ["out"]
