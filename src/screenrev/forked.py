"""Work on a large list in forked processes, with the results of one pass.

The list is cut into chunks that this process and forked workers take in turn, whoever
is free first, so that none waits for another: a worker is slower than this process
(copying the memory it touches, packing its results) and this process has the workers'
results to unpack. A worker writes its results, packed as plain tuples, to a temporary
file, from which this process unpacks them between chunks of its own. A chunk a worker
does not deliver is worked on here, in list order, so the results, and any error, are
those of a single pass whatever the number of cores.
"""

from __future__ import annotations

import os
import pickle
import signal
import struct
import tempfile
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
    return 1 if items < MIN_ITEMS else idle_processes()


def idle_processes() -> int:
    """One process per idle core (at least one; one where processes cannot be forked)."""
    if not hasattr(os, "fork"):
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


#: Items per chunk: small enough that the last chunks even out, large enough that taking
#: one costs nothing (a lock, a counter).
CHUNK = 1024
_FRAME = struct.Struct("<qq")  # chunk number, length of the pickle that follows


def map_chunks(
    work: Callable[[Sequence[Item]], list[Result]],
    items: Sequence[Item],
    *,
    pack: Callable[[list[Result]], list],
    unpack: Callable[[list, Sequence[Item]], list[Result]],
    processes: int | None = None,
) -> list[Result]:
    """``work`` applied to ``items`` chunk by chunk, the results joined in order.

    ``work`` must give one result per item, whatever the chunk it is given. ``pack`` turns
    results into a list of plain data that pickles quickly; ``unpack(data, items)`` turns
    it back. ``processes`` defaults to ``processes_for(len(items))``.
    """
    count = len(items)
    processes = max(1, min(processes_for(count) if processes is None else processes, -(-count // CHUNK)))
    if processes == 1:
        return work(items)
    chunks = [items[start:start + CHUNK] for start in range(0, count, CHUNK)]
    done: list[list[Result] | None] = [None] * len(chunks)
    import multiprocessing  # only here: it takes a while to import

    taken = multiprocessing.get_context("fork").Value("q", 0)
    workers: list[_Worker] = []
    try:
        for _ in range(processes - 1):
            try:
                workers.append(_Worker(work, chunks, pack, taken))
            except OSError:  # no process to spare
                break
        while (number := _take(taken, len(chunks))) is not None:
            try:
                done[number] = work(chunks[number])
            except Exception:
                # A single pass raises the error of the first item that fails: chunks before
                # this one not delivered yet are worked on here first, and may raise theirs.
                for worker in workers:
                    worker.stop()
                    worker.deliver(done, chunks, unpack)
                for earlier in range(number):
                    if done[earlier] is None:
                        done[earlier] = work(chunks[earlier])
                raise
            for worker in workers:
                worker.deliver(done, chunks, unpack)
        for worker in workers:
            worker.finish()
            worker.deliver(done, chunks, unpack)
        results: list[Result] = []
        for number, result in enumerate(done):
            results += work(chunks[number]) if result is None else result
        return results
    finally:
        for worker in workers:
            worker.stop()
            worker.output.close()


def _take(taken, chunks: int) -> int | None:
    """The number of the next chunk nobody has taken, taking it; None when all are taken."""
    with taken.get_lock():
        number = taken.value
        if number >= chunks:
            return None
        taken.value = number + 1
        return number


class _Worker:
    """A forked worker taking chunks until none is left, writing each chunk's packed
    results to a temporary file as a frame: chunk number, length, pickle."""

    def __init__(self, work: Callable, chunks: list, pack: Callable, taken) -> None:
        self.output = tempfile.TemporaryFile()
        self.read = 0
        self.pid = fork()
        if self.pid == 0:
            code = 1
            try:
                fd = self.output.fileno()
                while (number := _take(taken, len(chunks))) is not None:
                    payload = pickle.dumps(pack(work(chunks[number])), protocol=pickle.HIGHEST_PROTOCOL)
                    _write_all(fd, _FRAME.pack(number, len(payload)) + payload)
                code = 0
            finally:
                # Whatever happened, nothing of the parent's (open files, database
                # connections, exit handlers) may run here.
                os._exit(code)

    def deliver(self, done: list, chunks: list, unpack: Callable) -> None:
        """Unpack the chunks the worker has written since the last call into ``done``."""
        if self.output.closed:
            return
        fd = self.output.fileno()
        size = os.fstat(fd).st_size
        while size - self.read >= _FRAME.size:
            number, length = _FRAME.unpack(os.pread(fd, _FRAME.size, self.read))
            start = self.read + _FRAME.size
            if size - start < length:  # still being written
                break
            done[number] = unpack(pickle.loads(os.pread(fd, length, start)), chunks[number])
            self.read = start + length

    def finish(self) -> None:
        """Wait until the worker has ended (its delivered chunks stay readable)."""
        if self.pid:
            os.waitpid(self.pid, 0)
            self.pid = 0

    def stop(self) -> None:
        """End the worker if it is still running."""
        end(self.pid)
        self.pid = 0


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def fork() -> int:
    """``os.fork``, for a worker that leaves by ``os._exit``."""
    with warnings.catch_warnings():
        # Python 3.12 warns about forking a process with threads (a progress display
        # refreshing): the worker uses nothing they hold and leaves by ``os._exit``.
        warnings.simplefilter("ignore", DeprecationWarning)
        return os.fork()


def end(pid: int) -> None:
    """End a forked worker at once and reap it (nothing when ``pid`` is 0: none, or reaped)."""
    if pid:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
