"""The import stage: exports into the review folder, the manifest and the workspace.

Every file is read and checked before anything is written, so a failing file leaves the
review exactly as it was; the copies kept in ``searches/`` are made under hidden names and
put in place once the manifest names them, so that an import killed at any point leaves
nothing a later command trips over (``workspace.place_left_copies`` finishes or undoes it).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InputError, ScreenrevError, SearchConflictError
from ..review.atomic import folder_lock, pending, umask
from ..review.folder import METHODS, SEARCHES_DIR, Review, Search, iso_date
from .formats import registry
from .parse import ParsedFile, bulk, check_start, read_export, sha256_of, sha256_of_file
from .record import slug
from .workspace import Workspace, place_left_copies, split_reading


@dataclass
class ImportResult:
    """What happened to one file."""

    file: str
    search: str
    status: str
    """``imported``, ``replaced`` or ``unchanged``."""
    format: str
    encoding: str
    records: int
    warnings: list[str] = field(default_factory=list)


@dataclass
class _Planned:
    source: Path
    search: Search
    parsed: ParsedFile | None
    status: str
    replaces: Search | None = None


def _search_name(path: Path, name: str | None) -> str:
    return name or slug(path.stem)


# Paused for the whole import, not per stage: when collection resumes between reading and
# storing, it walks every parsed record three times over (young, middle and old generation),
# measured at 0.6-0.8 s for 100,000 records; by the end of the import the records are freed.
@bulk()
def import_files(
    review: Review,
    paths: list[Path],
    *,
    database: str,
    method: str | None = None,
    reporting: dict[str, str] | None = None,
    update_of: str = "",
    interface: str = "",
    searched: str = "",
    name: str | None = None,
    replace: bool = False,
    accept_risks: bool = False,
    encoding: str | None = None,
    format: str | None = None,
    on_file: Callable[[Path], None] | None = None,
    on_stored: Callable[[str, int, int], None] | None = None,
    processes: int | None = None,
) -> list[ImportResult]:
    """Import exports as searches of ``database``; all files are checked before any is written.

    ``on_file(path)`` is called as each file is read, ``on_stored(file, done, total)`` as
    its records are stored; ``processes`` is how many processes store a file (see ``Workspace.store``);
    ``reporting`` holds what PRISMA-S asks of a search (``strategy``, ``strategy_file``,
    ``limits``, ``peer_review``); ``update_of`` names the search this export runs again.
    """
    if name and len(paths) > 1:
        raise ScreenrevError("--name applies to one file; import the files one at a time")
    iso_date(searched, "--searched")
    if update_of:
        earlier = review.search(update_of)
        if earlier is None:
            raise ScreenrevError(f"--update {update_of}: no search has this name (see 'screenrev sources')")
        while earlier.update_of:  # a run of a run is a run of the first search
            update_of, earlier = earlier.update_of, review.search(earlier.update_of)
        if len(paths) > 1:
            raise ScreenrevError("--update runs one search again: import its new export on its own")
        latest = max((s.searched for s in review.searches() if update_of in (s.name, s.update_of)), default="")
        if searched and latest and searched < latest:
            raise ScreenrevError(f"--searched {searched} is before the search's latest run ({latest}): a run "
                                 "again is later than the runs it repeats")
        # the same source, platform and method as the run it repeats
        database, interface, method = database or earlier.database, interface or earlier.interface, earlier.method
        if not name:
            runs = sum(1 for search in review.searches() if search.name == update_of or search.update_of == update_of)
            name = f"{update_of}-run{runs + 1}"
    if method is not None and method not in METHODS:
        raise ScreenrevError(f"--method {method!r}: the methods are {', '.join(METHODS)}")
    place_left_copies(review)
    planned: list[_Planned] = []
    hasher = ThreadPoolExecutor(max_workers=1)
    try:
        existing = {search.name: search for search in review.searches()}
        by_sha = {search.sha256: search for search in existing.values()}
        sizes = _sizes(review, list(existing.values()))
        names_now: set[str] = set()
        for path in paths:
            if on_file:
                on_file(path)
            if path.is_dir():
                raise ScreenrevError(f"{path}: is a folder; name the export files in it")
            if not path.is_file():
                raise ScreenrevError(f"{path}: no such file")
            # (an unknown --format is refused, with the formats there are, when the file is read)
            shown = check_start(path, encoding) if not format else next(
                (module for module in registry() if module.NAME == format), None)
            # A register's export says which register it is: its records are register results.
            register = getattr(shown, "DATABASE", "")
            source = database.strip() or register
            if not source:
                raise ScreenrevError(f"{path}: --database must name the database searched (or, with --method, "
                                     "the source)")
            # Held by this list alone, so that reading can let the bytes go once they are
            # decoded (a million records are 2 GB): a large file is then read in parts by
            # forked workers, for which a smaller process is cheaper.
            held = [path.read_bytes()]
            search_name = _search_name(path, name)
            if search_name in names_now:
                raise ScreenrevError(f"{path}: two files would both be search {search_name!r}; use --name")
            names_now.add(search_name)
            previous = existing.get(search_name)
            if sizes is None or len(held[0]) in sizes:
                hashed = _done(sha256_of(held[0]))
                same = previous if previous is not None and previous.sha256 == hashed.result() else None
                if previous is None and hashed.result() in by_sha and not update_of:
                    # (a search run again may return the very same file: that run is still a
                    # run, with its own date, and its records are found again, not new)
                    same = by_sha[hashed.result()]
                if same is not None:
                    if database.strip() and database.strip() != same.database:
                        raise SearchConflictError(f"{path}: this file is imported already, as search {same.name!r} "
                                                  f"of {same.database!r}, not {database.strip()!r}")
                    planned.append(_Planned(path, same, None, "unchanged"))
                    continue
            else:
                # No file already imported has this size, so this one is new: it is hashed
                # by a thread while it is read (a tenth of a second per 100,000 records).
                hashed = hasher.submit(sha256_of, held[0])
            if previous is not None and not replace:
                raise SearchConflictError(
                    f"{path}: a different file is already imported as search {search_name!r} "
                    f"({previous.file}); pass --replace to replace it, or --name to add a new search"
                )
            parsed = read_export(
                path, held.pop(), encoding=encoding, format=format, accept_risks=accept_risks, sha256="",
                split=split_reading(review, search_name, source, processes),
            )
            parsed.sha256 = sha = hashed.result()
            if update_of and not format and parsed.format != earlier.format:
                # a run's export in another format is often another database's file
                raise ScreenrevError(f"{path}: a {parsed.format} export, where the search {update_of!r} it runs "
                                     f"again is a {earlier.format} export of {earlier.database}; if it is that "
                                     f"search run again, pass --format {parsed.format}")
            target = _target_file(review, path, previous, search_name if update_of else "")
            search = Search(
                name=search_name,
                file=target,
                database=source,
                interface=interface,
                searched=searched,
                sha256=sha,
                format=parsed.format,
                encoding=parsed.encoding,
                records=parsed.count,
                accepted_risks=parsed.risks,
                decode_as=encoding or "",
                method=method or ("register" if register else "database"),
                update_of=update_of,
                **(reporting or {}),
            )
            planned.append(_Planned(path, search, parsed, "replaced" if previous else "imported", previous))

        _check_targets(review, planned)
        folder = review.root / SEARCHES_DIR
        folder.mkdir(exist_ok=True)
        # Imports take turns from their first copy to their last, so that what one finds
        # left in searches/ was left by an import that was killed (``place_left_copies``).
        with folder_lock(folder):
            place_left_copies(review, locked=True)
            copies: dict[str, _Copy] = {}
            try:
                _copy_exports(review, planned, hasher, copies)
                # The copies are not in place yet: the manifest still names the exports being replaced.
                with Workspace.open(review, check_exports=False) as workspace:
                    for plan in planned:
                        if plan.parsed is not None:
                            report = None
                            if on_stored is not None:
                                def report(done: int, plan: _Planned = plan) -> None:
                                    on_stored(plan.search.file, done, plan.search.records)
                            copy = copies.get(plan.search.name)
                            workspace.store(
                                plan.search, plan.parsed, on_stored=report, processes=processes,
                                kept=None if copy is None else lambda copy=copy: _checked(copy),
                            )
                _check_copies(list(copies.values()))
                review.edit_searches(lambda searches: _with_imported(searches, planned))
            except BaseException:
                hasher.shutdown(wait=True)  # no copy is being made while they are removed
                for copy in copies.values():
                    copy.file.unlink(missing_ok=True)
                raise
            _place(list(copies.values()))
        return [
            ImportResult(
                file=plan.search.file,
                search=plan.search.name,
                status=plan.status,
                format=plan.search.format,
                encoding=plan.search.encoding,
                records=plan.search.records,
                warnings=(
                    plan.parsed.warnings + [f"accepted risk: {risk}" for risk in plan.parsed.risks]
                    if plan.parsed
                    else []
                ),
            )
            for plan in planned
        ]
    finally:
        hasher.shutdown(wait=True)
        # Workers still reading a large file end, and their files go, whatever happened.
        for plan in planned:
            if plan.parsed is not None:
                plan.parsed.close()


def _sizes(review: Review, searches: list[Search]) -> set[int] | None:
    """The sizes of the exports already imported; None when one cannot be read."""
    sizes = set()
    for search in searches:
        try:
            sizes.add(review.path_of(search).stat().st_size)
        except OSError:
            return None
    return sizes


def _done(value: str) -> Future[str]:
    done: Future[str] = Future()
    done.set_result(value)
    return done


def _target_file(review: Review, source: Path, previous: Search | None, run: str = "") -> str:
    """Where the export is kept: where it already is inside ``searches/``, else a copy there.

    A search run again (``run``: the new run's search name) is usually downloaded under the
    name of the earlier run's file: its copy is then named after the run (``scopus-run2.ris``).
    """
    searches_dir = (review.root / SEARCHES_DIR).resolve()
    resolved = source.resolve()
    if resolved.parent == searches_dir:
        return f"{SEARCHES_DIR}/{resolved.name}"
    if previous is not None:
        return previous.file
    target = f"{SEARCHES_DIR}/{source.name}"
    if run and any(search.file == target for search in review.searches()):
        target = f"{SEARCHES_DIR}/{run}{''.join(source.suffixes[-1:])}"
    return target


def _with_imported(searches: list[Search], planned: list[_Planned]) -> list[Search]:
    """The manifest's searches as the file holds them now, with the imported ones added or
    replaced; an error when another command changed one of them since it was read."""
    searches = list(searches)
    for plan in planned:
        if plan.parsed is None:
            continue
        now = next((search for search in searches if search.name == plan.search.name), None)
        earlier = plan.replaces.sha256 if plan.replaces is not None else None
        if (now.sha256 if now is not None else None) != earlier or any(
                search.file == plan.search.file and search.name != plan.search.name for search in searches):
            raise SearchConflictError(f"{plan.source}: search {plan.search.name!r} was imported or replaced by "
                                      "another command meanwhile: nothing was imported; see 'screenrev sources', "
                                      "then import again")
        if now is not None:
            searches = [plan.search if search.name == plan.search.name else search for search in searches]
        else:
            searches.append(plan.search)
    return searches


def _check_targets(review: Review, planned: list[_Planned]) -> None:
    claimed = {s.file: s.name for s in review.searches()}
    for plan in planned:
        if plan.parsed is None:
            continue
        owner = claimed.get(plan.search.file)
        if owner is not None and owner != plan.search.name:
            raise SearchConflictError(
                f"{plan.source}: {plan.search.file} already holds search {owner!r}; "
                "rename the file or pass --name"
            )
        target = review.path_of(plan.search)
        if (
            target.exists()
            and target.resolve() != plan.source.resolve()
            and plan.replaces is None
            and owner is None
            and sha256_of(target.read_bytes()) != plan.search.sha256
        ):
            raise SearchConflictError(
                f"{plan.source}: {plan.search.file} exists with other content; rename one of them"
            )


@dataclass(frozen=True)
class _Copy:
    """A copy of an export, made beside its place in ``searches/`` and put there once the
    manifest names it."""

    hashed: Future[str]
    """The copy's sha256, to come."""
    source: Path
    sha256: str
    """The sha256 of the file that was read, which the copy must have."""
    file: Path
    target: Path


def _copy_exports(
    review: Review, planned: list[_Planned], hashing: ThreadPoolExecutor, copies: dict[str, _Copy]
) -> None:
    """Copy new exports into ``searches/``, each under a hidden name beside its place, noted
    in ``copies`` (search → copy) as it is begun.

    Each file is copied by the kernel (six times faster than writing bytes held in memory)
    and hashed, by a thread while the records are stored; ``_check_copies`` waits for it
    and makes sure the copy is the file that was read.
    """
    for plan in planned:
        if plan.parsed is None:  # unchanged: nothing to copy
            continue
        target = review.path_of(plan.search)
        if target.exists() and target.resolve() == plan.source.resolve():
            continue
        file = pending(target)
        copies[plan.search.name] = _Copy(hashing.submit(_copy_and_hash, plan.source, file), plan.source,
                                         plan.search.sha256, file, target)


def _copy_and_hash(source: Path, copy: Path) -> str:
    """Copy ``source`` into ``copy``; the copy's sha256."""
    shutil.copyfile(source, copy)
    # mkstemp makes the file private (0600); the copy is as readable as any file the user writes.
    os.chmod(copy, 0o666 & ~umask())
    return sha256_of_file(copy)


def _place(copies: list[_Copy]) -> None:
    """Put the copies of the exports the manifest now names in place (killed before this
    is done, the next command does it: ``place_left_copies``)."""
    for copy in copies:
        copy.file.replace(copy.target)


def _checked(copy: _Copy) -> Path:
    """The copy of an export, once it is complete and checked (``_check_copies``)."""
    _check_copies([copy])
    return copy.file


def _check_copies(copies: list[_Copy]) -> None:
    """Refuse the import when a copy failed, or is not the file that was read (its source
    changed since)."""
    for copy in copies:
        failed = copy.hashed.exception()
        if isinstance(failed, OSError):
            raise InputError(f"cannot be copied into {SEARCHES_DIR}/ ({failed.strerror or failed})", path=copy.source)
        if failed is not None:
            raise failed
        if copy.hashed.result() != copy.sha256:
            raise InputError("changed while it was being imported (the copy's sha256 differs from what was "
                             "read); import it again once it is complete", path=copy.source)
