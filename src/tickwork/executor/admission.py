"""Which queued runs start now: run slots, priority, `not_before`, overlap, starting deadlines.

Pure logic behind one lock, no IO: the executor offers it tickets (queued runs with all they
need to start), tells it when a run ended, and asks it what to do at a given time. It answers
with a `Decision`: the tickets to start now, and those to record `skipped` with a reason. The
executor does the spawning and the writing; this module only decides, so every rule tests on a
fake clock in microseconds.

The order among waiting tickets: higher priority first, then the earlier queue time, then the
lower run id (the order runs were queued in). A ticket waits for
- `not_before`: a retry's delay; it does not hold a slot meanwhile, so a lower one may start;
- overlap: `buffer_one` and `buffer_all` runs wait while a run of their schedule runs (at most
  one waits under `buffer_one`: a newer one is skipped); `forbid`, `allow` and `replace` never
  wait here (forbid's skip and replace's cancel happen when the fire is claimed);
- a free slot.
A ticket still waiting at `scheduled_for + starting_deadline_seconds` is skipped.

An armed ticket is a cron fire claimed ahead of its instant (Settings.fire_lead_seconds): it
waits for the instant as for a `not_before`, and under `forbid` the overlap is decided when it
is due, here, not when it was claimed: a run of its schedule still going then skips it.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal

BUFFERED = ("buffer_one", "buffer_all")
BUFFER_ONE_SKIP = "a run is already waiting (buffer_one)"

Wait = Literal["slots", "not_before", "overlap"]


@dataclass(frozen=True)
class Ticket:
    """A queued run with everything needed to start it, so starting reads nothing."""

    run_id: int
    schedule_id: str
    command: list[str]
    workflow_type: str
    timeout_seconds: float
    priority: int
    scheduled_for: datetime
    queued_at: datetime
    not_before: datetime | None = None
    concurrency_policy: str = "allow"
    starting_deadline_seconds: int | None = None
    armed: bool = False  # a cron fire claimed ahead of its instant (`not_before` is that)

    @property
    def order(self) -> tuple[int, datetime, int]:
        return (-self.priority, self.queued_at, self.run_id)

    @property
    def deadline(self) -> datetime | None:
        if self.starting_deadline_seconds is None:
            return None
        return self.scheduled_for + timedelta(seconds=self.starting_deadline_seconds)


@dataclass
class Decision:
    """What to do now: start these, record those as skipped with the reason."""

    start: list[Ticket] = field(default_factory=list)
    skip: list[tuple[Ticket, str]] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.start or self.skip)


@dataclass(frozen=True)
class Waiting:
    """One waiting ticket as the queue shows it, in start order."""

    ticket: Ticket
    wait: Wait
    reason: str


class Admission:
    """The waiting tickets and the runs holding slots; thread-safe."""

    def __init__(self, slots: int) -> None:
        self.slots = slots
        self._lock = threading.Lock()
        self._waiting: dict[int, Ticket] = {}
        self._running: dict[int, Ticket] = {}

    def offer(self, tickets: list[Ticket]) -> Decision:
        """Hold `tickets` until they may start; a `buffer_one` ticket that finds one of its
        schedule waiting already is skipped at once (the decision says so)."""
        decision = Decision()
        with self._lock:
            for ticket in sorted(tickets, key=lambda t: t.run_id):
                if ticket.run_id in self._waiting or ticket.run_id in self._running:
                    continue  # handed over twice (a follow-up and a restart): once is enough
                if ticket.concurrency_policy == "buffer_one" and self._buffered(ticket):
                    decision.skip.append((ticket, BUFFER_ONE_SKIP))
                    continue
                self._waiting[ticket.run_id] = ticket
        return decision

    def take(self, now: datetime) -> Decision:
        """Move what may start now to running and return it, with the tickets whose
        starting deadline passed (removed)."""
        decision = Decision()
        with self._lock:
            for ticket in self._ordered():
                if ticket.deadline is not None and now >= ticket.deadline:
                    del self._waiting[ticket.run_id]
                    decision.skip.append((ticket, _late(ticket)))
                    continue
                if (forbidden := self._forbidden(ticket, now)) is not None:
                    del self._waiting[ticket.run_id]
                    decision.skip.append((ticket, forbidden))
                    continue
                if self._blocked(ticket, now) is None:
                    del self._waiting[ticket.run_id]
                    self._running[ticket.run_id] = ticket
                    decision.start.append(ticket)
        return decision

    def ended(self, run_id: int) -> None:
        """The run's process is gone (or never came): its slot and its schedule are free."""
        with self._lock:
            self._running.pop(run_id, None)

    def withdraw_armed(self, schedule_id: str | None, now: datetime) -> list[Ticket]:
        """Forget the armed tickets of `schedule_id` (of every schedule: None) whose instant
        has not come; the ones forgotten."""
        with self._lock:
            gone = [
                t
                for t in self._waiting.values()
                if t.armed
                and (schedule_id is None or t.schedule_id == schedule_id)
                and t.not_before is not None
                and t.not_before > now
            ]
            for ticket in gone:
                del self._waiting[ticket.run_id]
        return gone

    def withdraw(self, run_id: int) -> Ticket | None:
        """Forget a waiting ticket (its run was cancelled); None when it is not waiting."""
        with self._lock:
            return self._waiting.pop(run_id, None)

    def next_wake(self, now: datetime) -> datetime | None:
        """When `take` could next decide something without a new offer or end: the earliest
        future `not_before` or starting deadline of a waiting ticket."""
        with self._lock:
            times = [t.not_before for t in self._waiting.values() if t.not_before]
            times += [t.deadline for t in self._waiting.values() if t.deadline]
        future = [t for t in times if t > now]
        return min(future) if future else None

    @property
    def busy(self) -> int:
        with self._lock:
            return len(self._running)

    def running(self) -> list[int]:
        with self._lock:
            return sorted(self._running)

    def waiting(self, now: datetime) -> list[Waiting]:
        """The waiting tickets in the order they would start, each with why it waits."""
        out: list[Waiting] = []
        with self._lock:
            free = self.slots - len(self._running)
            chosen: set[str] = set()
            for ticket in self._ordered():
                blocked = self._blocked(ticket, now, free, chosen)
                if blocked is None:
                    # It starts at the next turn; until then it waits for that turn's slot.
                    free -= 1
                    chosen.add(ticket.schedule_id)
                    out.append(Waiting(ticket, "slots", "starting now"))
                else:
                    out.append(Waiting(ticket, *blocked))
        return out

    # -- under the lock ---------------------------------------------------------------------

    def _ordered(self) -> list[Ticket]:
        return sorted(self._waiting.values(), key=lambda t: t.order)

    def _buffered(self, ticket: Ticket) -> bool:
        """Whether `ticket`'s schedule already has one run going and one waiting."""
        mine = [t for t in self._waiting.values() if t.schedule_id == ticket.schedule_id]
        going = [t for t in self._running.values() if t.schedule_id == ticket.schedule_id]
        return len(mine) + len(going) >= 2 and bool(mine)

    def _forbidden(self, ticket: Ticket, now: datetime) -> str | None:
        """Forbid's skip for an armed ticket that is due while a run of its schedule runs."""
        if not ticket.armed or ticket.concurrency_policy != "forbid":
            return None
        if ticket.not_before is not None and now < ticket.not_before:
            return None
        mine = ticket.schedule_id
        going = sorted(r.run_id for r in self._running.values() if r.schedule_id == mine)
        if not going:
            return None
        return "previous run " + ", ".join(f"#{i}" for i in going) + " still going"

    def _blocked(
        self,
        ticket: Ticket,
        now: datetime,
        free: int | None = None,
        chosen: set[str] | None = None,
    ) -> tuple[Wait, str] | None:
        """Why `ticket` cannot start now, or None when it may."""
        if ticket.not_before is not None and now < ticket.not_before:
            return "not_before", f"not before {_iso(ticket.not_before)}"
        if ticket.concurrency_policy in BUFFERED:
            going = [r for r in self._running.values() if r.schedule_id == ticket.schedule_id]
            if going:
                ids = ", ".join(f"#{r.run_id}" for r in sorted(going, key=lambda r: r.run_id))
                return (
                    "overlap",
                    f"waits for run {ids} of its schedule ({ticket.concurrency_policy})",
                )
            if chosen is not None and ticket.schedule_id in chosen:
                return "overlap", f"waits for the run before it ({ticket.concurrency_policy})"
        slots_free = self.slots - len(self._running) if free is None else free
        if slots_free <= 0:
            return "slots", f"all {self.slots} run slot(s) are busy"
        return None


def _late(ticket: Ticket) -> str:
    return f"could not start within {ticket.starting_deadline_seconds} s of its instant"


def _iso(at: datetime) -> str:
    return at.isoformat().replace("+00:00", "Z")
