"""Work on chunks of a list in forked processes gives the results of one pass."""

from __future__ import annotations

import os

import pytest

from screenrev import forked


@pytest.fixture(autouse=True)
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(forked, "CHUNK", 7)


def _square(part: list[int]) -> list[tuple[int, int]]:
    return [(n, n * n) for n in part]


def _pack(results: list[tuple[int, int]]) -> list[int]:
    return [square for _n, square in results]


def _unpack(data: list[int], part: list[int]) -> list[tuple[int, int]]:
    return list(zip(part, data))


@pytest.mark.parametrize("processes", [1, 2, 3, 7])
def test_results_come_back_in_order_whatever_the_processes(processes: int) -> None:
    items = list(range(1000))
    assert forked.map_chunks(_square, items, pack=_pack, unpack=_unpack, processes=processes) == _square(items)


def test_a_failing_worker_leaves_its_chunks_to_this_process() -> None:
    parent = os.getpid()

    def work(part: list[int]) -> list[tuple[int, int]]:
        if os.getpid() != parent:
            raise RuntimeError("a worker fails")
        return _square(part)

    items = list(range(100))
    assert forked.map_chunks(work, items, pack=_pack, unpack=_unpack, processes=3) == _square(items)


@pytest.mark.parametrize("processes", [2, 4])
def test_an_error_is_the_one_a_single_pass_raises(processes: int) -> None:
    def work(part: list[int]) -> list[tuple[int, int]]:
        for failing in (30, 70):
            if failing in part:
                raise ValueError(f"item {failing}")
        return _square(part)

    for _ in range(5):  # whoever takes the chunks, the first failing item's error
        with pytest.raises(ValueError, match="item 30"):
            forked.map_chunks(work, list(range(100)), pack=_pack, unpack=_unpack, processes=processes)


def test_workers_are_only_forked_for_large_lists() -> None:
    assert forked.processes_for(forked.MIN_ITEMS - 1) == 1
    assert 1 <= forked.processes_for(10 * forked.MIN_ITEMS) <= forked.MAX_PROCESSES
