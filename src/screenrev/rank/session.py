"""Interactive screening, without the terminal: what each key does.

At title/abstract a session shows the most likely relevant record the reviewer has not
decided yet; at full text, the records included at title/abstract in review order. Each
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

from ..decisions.files import (
    FULL_TEXT,
    RIGHTLY_EXCLUDED,
    RULES_AUDIT,
    TITLE_ABSTRACT,
    WRONGLY_EXCLUDED,
    Decision,
    remove_last,
    settle,
)
from ..decisions.stage import DecisionLog, default_file
from ..review.folder import Review
from .pool import RELEVANT, Pool

KEYS = {"i": "include", "e": "exclude", "m": "maybe"}
#: Full text only: the report could not be retrieved.
NOT_RETRIEVED_KEY = "r"
#: The rules audit's keys: the rule was right, or wrong (the record goes back to screening).
AUDIT_KEYS = {"r": RIGHTLY_EXCLUDED, "w": WRONGLY_EXCLUDED}


@dataclass(frozen=True)
class Reply:
    """What a key did, for the screen to show."""

    message: str
    done: bool = False
    """The session is over (quit, or nothing left to screen)."""
    asking_reason: bool = False
    """Waiting for the exclusion reason's number."""
    asking_note: bool = False
    """Waiting for a line of text: the note on the record on screen."""
    asking_retrieval: bool = False
    """Waiting for a line of text: why the report on screen could not be retrieved."""


class Session:
    """One reviewer screening one stage, one record at a time.

    The record on screen is pinned: ``current`` chooses it once, and every key decides that
    record, whatever a background training did to the order meanwhile. The next record is
    chosen after the decision, from the latest order.
    """

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
        stage: str = TITLE_ABSTRACT,
        blinded: bool = False,
    ) -> None:
        self.review = review
        self.pool = pool
        self.log = log
        self.reviewer = reviewer
        self.reasons = reasons
        self.stage = stage
        self.blinded = blinded
        """Only this reviewer's own decisions are labels (and shown) when screening is blinded."""
        self._order_for = order
        self._background = background and stage == TITLE_ABSTRACT
        self._clock = clock or (lambda: datetime.now(timezone.utc))
        self.file = default_file(review, stage, reviewer)
        self.made: list[Decision] = []
        self.report_files: dict[str, list] = {}
        """Full text: primary record → its report files (``decisions.fulltext.report_files``)."""
        self._mine = {d.record for d in log.decisions if d.stage == stage and d.reviewer == reviewer}
        self._lock = threading.Lock()
        self._training: threading.Thread | None = None
        self._wanted: dict[str, int] | None = None
        """Labels to train on next (the latest), or None when the order is up to date."""
        self._training_now = False
        self._asking_reason = False
        self._shown: str | None = None
        """Key of the record on screen: the one every key decides until it is decided."""
        self.note = ""
        """The note typed for the record on screen, saved with its decision."""
        self.order = [key for key in order(dict(pool.labels)) if key not in self._mine]

    # --- what is on screen ----------------------------------------------------------

    @property
    def current(self) -> dict | None:
        """The record on screen, or None when the reviewer has decided every record.

        The first call after a decision chooses the next record from the latest order and
        pins it; later calls return the same record until it is decided.
        """
        with self._lock:
            if self._shown is None or self._shown in self._mine:
                self._shown = next((key for key in self.order if key not in self._mine), None)
                self.note = ""
            if self._shown is None:
                return None
            return self.pool.records[self.pool.index[self._shown]]

    @property
    def remaining(self) -> int:
        """Records this reviewer has not decided yet."""
        return sum(1 for record in self.pool.records if record["key"] not in self._mine)

    @property
    def decided_by_me(self) -> int:
        """Records of the pool this reviewer has decided."""
        return len(self.pool.records) - self.remaining

    def keys_help(self) -> str:
        """Every key of the stage, once."""
        if self.stage == RULES_AUDIT:
            return "[r] rightly excluded  [w] wrongly excluded (back to screening)  [n] note  [u] undo  [q] quit"
        keys = "[i] include  [e] exclude  [m] maybe"
        if self.stage == FULL_TEXT:
            keys += "  [r] not retrieved"
        return keys + "  [n] note  [u] undo  [q] quit"

    # --- keys -------------------------------------------------------------------------

    def handle(self, key: str) -> Reply:
        """Apply one key press: i include, e exclude (then the reason's number), m maybe,
        r not retrieved (full text), n note, u undo, q quit; in the rules audit, r rightly
        and w wrongly excluded."""
        if self._asking_reason:
            return self._reason(key)
        if key == "q":
            return Reply("Stopped; every decision is saved.", done=True)
        if key == "u":
            undone = self.undo()
            return Reply(f"Undid {undone.decision} of {undone.key}." if undone else "Nothing to undo this session.")
        if key == "n":
            return Reply("Note on this record (Enter keeps it, an empty line clears it):", asking_note=True)
        if self.stage == RULES_AUDIT:
            if key in AUDIT_KEYS:
                return self._decided(self.decide(AUDIT_KEYS[key]))
            return Reply(f"The key {key!r} does nothing here: r if the rule was right to exclude the record, "
                         "w if it was wrong.")
        if key in ("i", "m"):
            return self._decided(self.decide(KEYS[key]))
        if key == NOT_RETRIEVED_KEY and self.stage == FULL_TEXT:
            return Reply("Why could the report not be retrieved (e.g. no library access, interlibrary loan not "
                         "answered)? An empty line cancels:", asking_retrieval=True)
        if key == "e":
            if not self.reasons and self.stage != FULL_TEXT:
                return self._decided(self.decide("exclude"))
            if not self.reasons:
                return Reply("A full-text exclusion needs a reason, and the protocol and screenrev.toml give none: "
                             "add [full_text] reasons to screenrev.toml")
            self._asking_reason = True
            return Reply(self._reason_prompt(), asking_reason=True)
        return Reply(f"The key {key!r} does nothing here.")

    def _reason_prompt(self) -> str:
        choices = "  ".join(f"{n}={r}" for n, r in enumerate(self.reasons, 1))
        none = "" if self.stage == FULL_TEXT else "  0=no reason"
        return f"Reason: {choices}{none}  (Esc or c cancels the exclusion)"

    def _reason(self, key: str) -> Reply:
        if key in ("\x1b", "c"):
            self._asking_reason = False
            return Reply("Exclusion cancelled: nothing was saved.")
        if key in ("0", "\r", "\n") and self.stage != FULL_TEXT:
            reason = ""
        elif key.isdigit() and 1 <= int(key) <= len(self.reasons):
            reason = self.reasons[int(key) - 1]
        else:
            zero = "" if self.stage == FULL_TEXT else ", 0 for none"
            return Reply(f"Type the reason's number (1–{len(self.reasons)}){zero}; Esc or c cancels.",
                         asking_reason=True)
        self._asking_reason = False
        return self._decided(self.decide("exclude", reason))

    def not_retrieved(self, reason: str) -> Reply:
        """The report on screen could not be retrieved, for ``reason`` (PRISMA 2020 reports why;
        an empty reason saves nothing)."""
        reason = " ".join(reason.split())
        if not reason:
            return Reply("Not retrieved cancelled: nothing was saved.")
        return self._decided(self.decide("not_retrieved", reason))

    def set_note(self, text: str) -> Reply:
        """Keep a note for the record on screen; it is saved with the record's decision."""
        self.note = " ".join(text.split())
        return Reply(f"Note kept for this record: {self.note}" if self.note else "No note for this record.")

    def _decided(self, decision: Decision | None) -> Reply:
        finished = "Every record of the audit's sample is checked." if self.stage == RULES_AUDIT else \
            "Every record is screened."
        if decision is None:
            return Reply(finished, done=True)
        message = f"Saved: {decision.decision} {decision.key}" + (f" ({decision.reason})" if decision.reason else "")
        done = self.remaining == 0
        return Reply(message + (f". {finished}" if done else ""), done=done)

    # --- decisions --------------------------------------------------------------------

    def decide(self, decision: str, reason: str = "") -> Decision | None:
        """Record a decision on the record on screen (written to the file before returning)."""
        record = self.current
        if record is None:
            return None
        cells = {
            "key": record["key"], "stage": self.stage, "decision": decision, "reason": reason,
            "reviewer": self.reviewer, "timestamp": self._clock().isoformat(timespec="seconds"), "note": self.note,
        }
        (added,) = self.log.append([(cells, None)], file=self.file) or (None,)
        with self._lock:
            self._mine.add(record["key"])
            self.note = ""
        if added is None:  # the same decision was already in the file
            return None
        self.made.append(added)
        self._learn(added.record)
        return added

    def undo(self) -> Decision | None:
        """Take back this session's last decision (removed from the decision file); its record is shown again."""
        if not self.made:
            return None
        last = self.made.pop()
        remove_last(self.file, last)
        self.log = DecisionLog(self.review, self.log.primary_of)
        with self._lock:
            self._mine.discard(last.record)
            self.order = [last.record] + [key for key in self.order if key != last.record]
            self._shown = last.record
            self.note = last.note
        self._learn(last.record)
        return last

    # --- the model ----------------------------------------------------------------------

    def _learn(self, key: str) -> None:
        """Settle the record again from its decisions (its label counts once, however many
        reviewers decided it) and retrain."""
        if self.stage != TITLE_ABSTRACT:
            return
        decisions = [d for d in self.log.decisions if d.record == key and d.stage == TITLE_ABSTRACT
                     and (not self.blinded or d.reviewer == self.reviewer)]
        settled = settle(decisions, TITLE_ABSTRACT, self.log.rules).settled.get(key)
        if settled is None:  # undone, or now in conflict between reviewers: not a label
            self.pool.labels.pop(key, None)
            if key in self.pool.screened:
                self.pool.screened.remove(key)
        else:
            self.pool.labels[key] = int(settled.decision in RELEVANT)
            if key not in self.pool.screened:
                self.pool.screened.append(key)
        self.retrain()

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
