"""Interactive title/abstract screening, without the terminal: what each key does.

A session shows the most likely relevant record the reviewer has not decided yet. Each
decision is appended to the reviewer's decision file at once, atomically, so that
killing the process loses nothing; undo removes the reviewer's last decision of the
session from that file. The model is retrained after every decision, in a background
thread, so the screener never waits for it: the next record comes from the latest order
available. Decisions made while a training runs are trained on together as soon as it
ends (a training takes a few hundredths of a second, so the order on screen is at most
one training behind).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone

from ..decisions.files import TITLE_ABSTRACT, Decision, remove_last, settle
from ..decisions.stage import DecisionLog, default_file
from ..review.folder import Review
from .pool import Pool

KEYS = {"i": "include", "e": "exclude", "m": "maybe"}


@dataclass(frozen=True)
class Reply:
    """What a key did, for the screen to show."""

    message: str
    done: bool = False
    """The session is over (quit, or nothing left to screen)."""
    asking_reason: bool = False
    """Waiting for the exclusion reason's number."""


class Session:
    """One reviewer screening titles and abstracts, most likely relevant first."""

    def __init__(
        self,
        review: Review,
        pool: Pool,
        log: DecisionLog,
        *,
        reviewer: str,
        reasons: list[str],
        order: Callable[[dict[str, int]], list[str]],
        background: bool = True,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.review = review
        self.pool = pool
        self.log = log
        self.reviewer = reviewer
        self.reasons = reasons
        self._order_for = order
        self._background = background
        self._clock = clock or (lambda: datetime.now(timezone.utc))
        self.file = default_file(review, TITLE_ABSTRACT, reviewer)
        self.made: list[Decision] = []
        self._mine = {d.record for d in log.decisions if d.stage == TITLE_ABSTRACT and d.reviewer == reviewer}
        self._lock = threading.Lock()
        self._training: threading.Thread | None = None
        self._wanted: dict[str, int] | None = None
        """Labels to train on next (the latest), or None when the order is up to date."""
        self._training_now = False
        self._asking_reason = False
        self.order = [key for key in order(dict(pool.labels)) if key not in self._mine]

    # --- what is on screen ----------------------------------------------------------

    @property
    def current(self) -> dict | None:
        """The record to decide now, or None when the reviewer has decided every record."""
        with self._lock:
            for key in self.order:
                if key not in self._mine:
                    return self.pool.records[self.pool.index[key]]
        return None

    @property
    def remaining(self) -> int:
        """Records this reviewer has not decided yet."""
        return sum(1 for record in self.pool.records if record["key"] not in self._mine)

    # --- keys -------------------------------------------------------------------------

    def handle(self, key: str) -> Reply:
        """Apply one key press: i include, e exclude (then the reason's number), m maybe, u undo, q quit."""
        if self._asking_reason:
            return self._reason(key)
        if key == "q":
            return Reply("Stopped; every decision is saved.", done=True)
        if key == "u":
            undone = self.undo()
            return Reply(f"Undid {undone.decision} of {undone.key}." if undone else "Nothing to undo this session.")
        if key in ("i", "m"):
            return self._decided(self.decide(KEYS[key]))
        if key == "e":
            if not self.reasons:
                return self._decided(self.decide("exclude"))
            self._asking_reason = True
            return Reply("Reason: " + "  ".join(f"{n}={r}" for n, r in enumerate(self.reasons, 1))
                         + "  0=no reason", asking_reason=True)
        return Reply("Keys: i include, e exclude, m maybe, u undo, q quit.")

    def _reason(self, key: str) -> Reply:
        if key in ("\x1b", "c"):
            self._asking_reason = False
            return Reply("Exclusion cancelled.")
        if key in ("0", "\r", "\n"):
            reason = ""
        elif key.isdigit() and 1 <= int(key) <= len(self.reasons):
            reason = self.reasons[int(key) - 1]
        else:
            return Reply(f"Type the reason's number (1–{len(self.reasons)}), 0 for none, c to cancel.",
                         asking_reason=True)
        self._asking_reason = False
        return self._decided(self.decide("exclude", reason))

    def _decided(self, decision: Decision | None) -> Reply:
        if decision is None:
            return Reply("Every record is screened.", done=True)
        left = self.current
        message = f"Saved: {decision.decision} {decision.key}" + (f" ({decision.reason})" if decision.reason else "")
        return Reply(message, done=left is None)

    # --- decisions --------------------------------------------------------------------

    def decide(self, decision: str, reason: str = "") -> Decision | None:
        """Record a decision on the current record (written to the file before returning)."""
        record = self.current
        if record is None:
            return None
        cells = {
            "key": record["key"], "stage": TITLE_ABSTRACT, "decision": decision, "reason": reason,
            "reviewer": self.reviewer, "timestamp": self._clock().isoformat(timespec="seconds"), "note": "",
        }
        (added,) = self.log.append([(cells, None)], file=self.file) or (None,)
        if added is None:  # the same decision was already in the file
            self._mine.add(record["key"])
            return None
        self._mine.add(added.record)
        self.made.append(added)
        self._learn(added.record, decision)
        return added

    def undo(self) -> Decision | None:
        """Take back this session's last decision (removed from the decision file)."""
        if not self.made:
            return None
        last = self.made.pop()
        remove_last(self.file, last)
        self.log = DecisionLog(self.review, self.log.primary_of)
        self._mine.discard(last.record)
        with self._lock:
            self.order = [last.record] + [key for key in self.order if key != last.record]
        self._forget(last.record)
        return last

    # --- the model ----------------------------------------------------------------------

    def _learn(self, key: str, decision: str) -> None:
        # Only this record's decisions can have changed how it is settled.
        mine = [d for d in self.log.decisions if d.record == key]
        settled = settle(mine, TITLE_ABSTRACT, self.log.rules).settled.get(key)
        if settled is not None:
            self.pool.labels[key] = int(settled.decision in ("include", "maybe"))
            self.pool.screened.append(key)
        self.retrain()

    def _forget(self, key: str) -> None:
        self.pool.labels.pop(key, None)
        if key in self.pool.screened:
            self.pool.screened.remove(key)

    def retrain(self) -> None:
        """Order the records again from the labels so far (in the background when enabled)."""
        with self._lock:
            self._wanted = dict(self.pool.labels)
            if self._training_now:
                return  # the training under way takes these labels when it ends
            self._training_now = True
        if not self._background:
            self._train_while_wanted()
            return
        self._training = threading.Thread(target=self._train_while_wanted, daemon=True)
        self._training.start()

    def _train_while_wanted(self) -> None:
        """Train on the latest labels wanted until no newer ones are waiting."""
        try:
            while True:
                with self._lock:
                    labels, self._wanted = self._wanted, None
                    if labels is None:
                        self._training_now = False
                        return
                order = self._order_for(labels)
                with self._lock:
                    self.order = order
        except BaseException:
            with self._lock:
                self._training_now = False
            raise

    def wait(self) -> None:
        """Wait for a retraining in progress (before quitting, or in tests)."""
        if self._training is not None:
            self._training.join()
