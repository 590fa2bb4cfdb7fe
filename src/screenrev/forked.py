"""Work on consecutive slices of a large list in forked processes, with the results of one pass.

The later slices are worked on by forked workers while this process works on the first;
each worker sends its results back through a pipe, packed as plain tuples, and they are
unpacked here in slice order. A worker that fails leaves its slice to this process, so the
results, and any error, are those of a single pass whatever the number of cores.
"""

from __future__ import annotations

import os
import pickle
import signal
import time
import warnings
from collections.abc import Callable, Sequence
from typing import TypeVar

#: Smaller lists are worked on by one process: forking would cost more than it saves.
MIN_ITEMS = 10_000
#: Each process holds its own copy of the memory it touches; more would gain little.
MAX_PROCESSES = 8

Item = TypeVar("Item")
Result = TypeVar("Result")


def processes_for(items: int) -> int:
    """How many processes work on ``items`` items: one per idle core, for large lists.

    Cores that other programs keep busy are left out: workers would only take turns with
    those programs, and sending their results back would be pure cost.
    """
    if items < MIN_ITEMS or not hasattr(os, "fork"):
        return 1
    cores = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else list(range(os.cpu_count() or 1))
    idle = _idle_cores(cores)
    if idle is None:  # no per-core times to read: the load average of the last minute
        idle = len(cores) - (os.getloadavg()[0] if hasattr(os, "getloadavg") else 0.0)
    return max(1, min(MAX_PROCESSES, len(cores), round(idle)))


_SAMPLE_SECONDS = 0.05


def _idle_cores(cores: list[int]) -> float | None:
    """How many of ``cores`` other programs left idle over a short moment (Linux).

    Read now rather than from the load average, which counts this process's own work of
    the last minute (an import just finished) as another program's; what this process's
    threads use meanwhile (a copy being written) is counted as free too.
    """
    def times() -> dict[int, tuple[int, int]]:
        found = {}
        with open("/proc/stat", encoding="ascii") as stat:
            for line in stat:
                name, _, rest = line.partition(" ")
                if name[3:].isdigit() and int(name[3:]) in cores:
                    values = [int(value) for value in rest.split()[:8]]
                    found[int(name[3:])] = (values[3] + values[4], sum(values))  # idle + iowait, all
        return found

    try:
        before, own_before, start = times(), _cpu_seconds(), time.monotonic()
        time.sleep(_SAMPLE_SECONDS)
        after, own_after, stop = times(), _cpu_seconds(), time.monotonic()
    except (OSError, ValueError, IndexError):
        return None
    if not before or before.keys() != after.keys():
        return None
    idle = sum((after[core][0] - before[core][0]) / max(1, after[core][1] - before[core][1]) for core in after)
    return idle + (own_after - own_before) / max(stop - start, 1e-3)


def _cpu_seconds() -> float:
    """CPU time used by this process (all its threads) so far."""
    used = os.times()
    return used.user + used.system


def map_slices(
    work: Callable[[Sequence[Item]], list[Result]],
    items: Sequence[Item],
    *,
    pack: Callable[[list[Result]], object],
    unpack: Callable[[object, Sequence[Item]], list[Result]],
    processes: int | None = None,
) -> list[Result]:
    """``work`` applied to consecutive slices of ``items``, the results joined in order.

    ``pack`` turns a worker's results into plain data that pickles quickly; ``unpack(data,
    slice)`` turns it back. ``processes`` defaults to ``processes_for(len(items))``.
    """
    count = len(items)
    processes = max(1, min(processes_for(count) if processes is None else processes, count))
    bounds = [count * index // processes for index in range(processes + 1)]
    slices = [items[start:stop] for start, stop in zip(bounds, bounds[1:])]
    workers: dict[int, tuple[int, int]] = {}
    try:
        for index in range(1, len(slices)):
            try:
                workers[index] = _fork(work, slices[index], pack)
            except OSError:  # no process to spare: this process works on the slice
                pass
        results = work(slices[0]) if slices else []
        for index in range(1, len(slices)):
            data = _collect(*workers[index]) if index in workers else None
            workers.pop(index, None)
            results += work(slices[index]) if data is None else unpack(data, slices[index])
        return results
    finally:
        for pid, reader in workers.values():
            try:
                os.close(reader)
            except OSError:  # closed while collecting, when the collection was interrupted
                pass
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)


def fork() -> int:
    """``os.fork``, for a worker that leaves by ``os._exit``."""
    with warnings.catch_warnings():
        # Python 3.12 warns about forking a process with threads (a progress display
        # refreshing): the worker uses nothing they hold and leaves by ``os._exit``.
        warnings.simplefilter("ignore", DeprecationWarning)
        return os.fork()


def _fork(work: Callable, part: Sequence, pack: Callable) -> tuple[int, int]:
    reader, writer = os.pipe()
    pid = fork()
    if pid == 0:
        code = 1
        try:
            os.close(reader)
            payload = pickle.dumps(pack(work(part)), protocol=pickle.HIGHEST_PROTOCOL)
            with os.fdopen(writer, "wb") as pipe:
                pipe.write(payload)
            code = 0
        finally:
            # Whatever happened, nothing of the parent's (open files, database connections,
            # exit handlers) may run here.
            os._exit(code)
    os.close(writer)
    return pid, reader


def _collect(pid: int, reader: int) -> object | None:
    """A worker's unpickled results, or None when it failed."""
    with os.fdopen(reader, "rb") as pipe:
        payload = pipe.read()
    status = os.waitpid(pid, 0)[1]
    if os.waitstatus_to_exitcode(status) != 0 or not payload:
        return None
    return pickle.loads(payload)
