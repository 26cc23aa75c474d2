"""Run one contestant as a subprocess: wall time and the peak RSS of its process tree."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import psutil

TIMED_OUT = -1000


@dataclass
class Outcome:
    seconds: float
    peak_rss: int  # bytes, the largest sum over the process tree seen
    returncode: int
    stdout: str
    stderr: str


def _tree_rss(root: psutil.Process) -> int:
    total = 0
    try:
        processes = [root, *root.children(recursive=True)]
    except psutil.Error:
        return 0
    for process in processes:
        with contextlib.suppress(psutil.Error):  # a child that just ended
            total += process.memory_info().rss
    return total


class TreeSampler:
    """Samples the tree's summed RSS every 20 ms in a thread."""

    def __init__(self, pid: int) -> None:
        self.root = psutil.Process(pid)
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, _tree_rss(self.root))
            time.sleep(0.02)

    def stop(self) -> int:
        self._stop.set()
        self._thread.join()
        return self.peak


def run(command: list[str], env: dict[str, str], cwd: Path, timeout: float) -> Outcome:
    """Run `command`, output to files (a pipe could stall a chatty tool), sampled all along;
    past `timeout` seconds its whole process group is killed (returncode TIMED_OUT)."""
    out_path, err_path = cwd / "stdout.txt", cwd / "stderr.txt"
    with out_path.open("w") as out, err_path.open("w") as err:
        started = time.perf_counter()
        proc = subprocess.Popen(
            command, env=env, cwd=cwd, stdout=out, stderr=err, start_new_session=True
        )
        sampler = TreeSampler(proc.pid)
        try:
            code = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            code = TIMED_OUT
        seconds = time.perf_counter() - started
        peak = sampler.stop()
    return Outcome(seconds, peak, code, out_path.read_text(), err_path.read_text())
