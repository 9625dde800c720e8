"""Running one measured process: wall time, exit status, rusage, and the process
tree's memory sampled with psutil while it runs."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from contextlib import suppress
from dataclasses import dataclass

try:
    import psutil
except ImportError:  # the bench's one dependency beyond kzkb: say how to get it
    raise SystemExit(
        "bench: psutil is missing; install the bench extra: pip install -e '.[bench]'"
    ) from None

SAMPLE_INTERVAL = 0.01  # seconds between samples of the process tree's memory


@dataclass(slots=True)
class Run:
    argv: list[str]
    seconds: float  # wall clock, process start to exit
    returncode: int
    stdout: str
    stderr: str
    maxrss_kib: int  # wait4: the largest single process of the tree (it and waited-for children)
    tree_pss_kib: int = 0  # sampled: peak of the summed PSS of the whole tree (0: not sampled)
    tree_rss_kib: int = 0  # sampled: peak of the summed RSS of the whole tree
    tree_processes: int = 0  # sampled: the most processes in the tree at once
    timed_out: bool = False
    cpu_seconds: float = 0.0  # wait4: user + system time of it and its waited-for children

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and not self.timed_out

    def failure(self) -> str:
        """One line on why the run failed, in the program's own words."""
        if self.timed_out:
            return f"timed out: killed after {self.seconds:.2f} s (see --timeout)"
        lines = []
        for raw in self.stderr.splitlines():
            line = raw.strip(" \t│┃╭╮╰╯─━|")
            if line and line != "Error" and not line.startswith(("Usage:", "Try '")):
                lines.append(line)
        pattern = re.compile(r"No such option|No such command|error:|Error:|Exception|Errno")
        reason = next((ln for ln in lines if pattern.search(ln)), lines[-1] if lines else "")
        reason = re.sub(r"\s+", " ", reason)[:300] or "no message on stderr"
        if self.returncode < 0:
            return f"killed by signal {-self.returncode}: {reason}"
        return f"exit {self.returncode}: {reason}"


class TreeSampler(threading.Thread):
    """Samples the summed PSS and RSS of a process and all its descendants.

    PSS (proportional set size) shares each page among the processes mapping
    it, so forked pool workers are not charged twice for the parent's pages;
    the sum over the tree is what the command costs the machine. Where psutil
    has no PSS (not Linux), RSS stands in for it.
    """

    def __init__(self, pid: int, interval: float = SAMPLE_INTERVAL) -> None:
        super().__init__(daemon=True)
        self.root = psutil.Process(pid)
        self.interval = interval
        self.peak_pss = 0  # KiB
        self.peak_rss = 0  # KiB
        self.processes = 0  # the most processes seen at once
        self._stop_event = threading.Event()

    def sample(self) -> None:
        try:
            tree = [self.root, *self.root.children(recursive=True)]
        except psutil.Error:  # the root has exited
            return
        pss = rss = alive = 0
        for proc in tree:
            try:
                memory = proc.memory_full_info()
            except psutil.Error:  # gone, or a zombie, between listing and reading
                continue
            alive += 1
            rss += memory.rss
            pss += getattr(memory, "pss", memory.rss)
        self.peak_pss = max(self.peak_pss, pss // 1024)
        self.peak_rss = max(self.peak_rss, rss // 1024)
        self.processes = max(self.processes, alive)

    def run(self) -> None:
        while not self._stop_event.is_set():
            self.sample()
            self._stop_event.wait(self.interval)

    def stop(self) -> None:
        self._stop_event.set()
        self.join()


def run_process(
    argv: Sequence[str], env: dict[str, str], timeout: float, sample: bool = False
) -> Run:
    """Run argv to completion; time it from start to exit; collect its rusage.

    The child leads a new session, so a timeout kills the whole tree it made.
    Exit status, ru_maxrss and CPU times come from wait4(): exact, and taken as
    the process is reaped, when psutil can no longer read it.
    """
    argv = [str(a) for a in argv]
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        try:
            proc = subprocess.Popen(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=err,
                env=env,
                start_new_session=True,
            )
        except OSError as exc:
            return Run(argv, 0.0, 127, "", f"cannot run {argv[0]}: {exc}", 0)
        sampler = None
        if sample:
            with suppress(psutil.Error):  # it may be gone already
                sampler = TreeSampler(proc.pid)
                sampler.start()
        timed_out = threading.Event()

        def kill() -> None:
            timed_out.set()
            with suppress(OSError):  # it may have exited meanwhile
                os.killpg(proc.pid, signal.SIGKILL)

        timer = threading.Timer(timeout, kill)
        timer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
            seconds = time.perf_counter() - started
        except BaseException:  # Ctrl-C reaches only us: the child has its own session
            kill()
            with suppress(ChildProcessError):
                os.waitpid(proc.pid, 0)
            proc.returncode = -signal.SIGKILL
            raise
        finally:
            timer.cancel()
            if sampler is not None:
                sampler.stop()
        proc.returncode = os.waitstatus_to_exitcode(status)  # Popen must not reap it again
        out.seek(0)
        err.seek(0)
        maxrss = usage.ru_maxrss // 1024 if sys.platform == "darwin" else usage.ru_maxrss
        return Run(
            argv,
            seconds,
            proc.returncode,
            out.read().decode("utf-8", "replace"),
            err.read().decode("utf-8", "replace"),
            maxrss,
            sampler.peak_pss if sampler else 0,
            sampler.peak_rss if sampler else 0,
            sampler.processes if sampler else 0,
            timed_out.is_set(),
            usage.ru_utime + usage.ru_stime,
        )
