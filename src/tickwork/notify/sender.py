"""The sender: one thread that works through the outbox, off every run's path.

Each turn (`tick`) takes the rows that are due, channel by channel:

- a row is claimed (its due time moves a lease ahead, so no other sender takes it, and a
  sender that dies mid-send leaves it to be tried again), rendered, sent with apprise, and
  recorded: `sent`, or tried again after 30 s × 2^(n−1) up to an hour, or `failed` after the
  last attempt, its (scrubbed) error kept on the row;
- past the rate limit (more than `notify_rate_limit` attempts on one channel within the
  window) the rest are merged into the channel's digest, one message sent at the window's
  end; a digest is the limit's outlet, never held by it;
- a row whose channel is gone is dropped.

Sending happens outside every transaction, so a slow receiver holds no lock. Time comes from
the injected clock (tests drive it with a fake one and call `drain()` instead of waiting);
the thread wakes when a transaction that enqueued rows commits, and polls every
POLL_SECONDS for rows that became due (a backoff, a digest's window).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from tickwork.clock import SYSTEM, Clock
from tickwork.config import Settings
from tickwork.notify import delivery, message
from tickwork.notify.delivery import Delivery
from tickwork.store import channels, outbox
from tickwork.store.db import Outage, Store, problem
from tickwork.store.tables import OutboxRow

log = logging.getLogger(__name__)
POLL_SECONDS = 2.0
BATCH = 100
# A claimed row is not taken again for this long: longer than any send may take.
LEASE_SECONDS = 600.0
Deliver = Callable[[str, str, str, float], Delivery]


class Sender:
    def __init__(
        self,
        settings: Settings,
        store: Store,
        clock: Clock = SYSTEM,
        deliver: Deliver = delivery.send,
    ) -> None:
        self.settings = settings
        self.store = store
        self.clock = clock
        self.deliver = deliver
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._turn = threading.Lock()  # one turn at a time: the thread's, or a drain's
        self._thread: threading.Thread | None = None
        self._outage = Outage("sending notifications")
        outbox.listen(store.engine, self._wake)

    # -- the thread ---------------------------------------------------------------------------

    def start(self) -> None:
        if self._thread is not None:
            return
        self._thread = threading.Thread(target=self._loop, name="tickwork-notify", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop after the send under way (rows not sent stay pending for the next start)."""
        self._stopping.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def wake(self) -> None:
        self._wake.set()

    def _loop(self) -> None:
        while not self._stopping.is_set():
            self._wake.clear()  # before the turn: a commit during it wakes the next one
            busy = False
            try:
                busy = self.tick() >= BATCH
                self._outage.over()
            except Exception as exc:
                if problem(exc) is None:
                    log.exception("sending notifications failed")
                else:
                    self._outage.failed(exc)
            if not busy:
                self._wake.wait(POLL_SECONDS)

    # -- one turn -------------------------------------------------------------------------------

    def drain(self) -> int:
        """Turn until nothing is due now; how many rows were acted on."""
        total = 0
        while acted := self.tick():
            total += acted
        return total

    def tick(self) -> int:
        """Work through the rows due now; how many were acted on (sent, tried, merged or
        dropped). Nothing is sent while notifications are switched off."""
        if not self.settings.notifications_enabled:
            return 0
        with self._turn:
            now = self.clock.now()
            rows = self.store.read(lambda session: _due(session, now))
            if not rows:
                return 0
            ids = sorted({row.channel_id for row in rows})
            found = self.store.read(lambda session: channels.targets(session, ids))
            acted = 0
            for channel_id in ids:
                mine = [row for row in rows if row.channel_id == channel_id]
                target = found.get(channel_id)
                if target is None:
                    acted += self._drop(mine, now)
                else:
                    acted += self._channel(channel_id, target, mine, now)
            return acted

    def _channel(
        self, channel_id: str, target: tuple[str, str], rows: Sequence[OutboxRow], now: datetime
    ) -> int:
        window = timedelta(seconds=self.settings.notify_rate_window_seconds)
        singles = [row for row in rows if row.event != outbox.DIGEST]
        acted = 0
        if singles:
            recent = self._attempts(channel_id, now - window)
            room = max(0, self.settings.notify_rate_limit - len(recent))
            for row in singles[:room]:
                acted += self._send(row, target)
            held = singles[room:]
            if held:
                acted += self._fold(channel_id, held, now, window)
        for row in rows:
            if row.event == outbox.DIGEST:
                acted += self._send(row, target)
        return acted

    def _attempts(self, channel_id: str, since: datetime) -> list[datetime]:
        return self.store.read(lambda s: outbox.attempts_since(s, channel_id, since))

    def _fold(
        self, channel_id: str, held: Sequence[OutboxRow], now: datetime, window: timedelta
    ) -> int:
        """Merge `held` into the channel's digest, due when the window's oldest attempt ages
        out of it (the limit then has room again)."""
        recent = self._attempts(channel_id, now - window)
        due_at = (recent[0] + window) if recent else now
        ids = [row.id for row in held]
        digest_id = self.store.transact(
            lambda s: outbox.fold(s, channel_id, ids, due_at, self.clock.now())
        )
        if digest_id is not None:
            log.info(
                "channel %s: %d notification(s) over the rate limit merged into digest %s, due %s",
                channel_id,
                len(ids),
                digest_id,
                due_at.isoformat(),
            )
        return len(ids)

    def _drop(self, rows: Sequence[OutboxRow], now: datetime) -> int:
        ids = [row.id for row in rows]
        self.store.transact(lambda s: outbox.drop(s, ids, "its channel was deleted", now))
        return len(ids)

    def _send(self, row: OutboxRow, target: tuple[str, str]) -> int:
        name, url = target
        now = self.clock.now()
        lease = now + timedelta(seconds=LEASE_SECONDS)
        if not self.store.transact(lambda s: outbox.claim(s, row.id, row.attempts, now, lease)):
            return 0  # another sender has it
        title, body = self._render(row, name)
        result = self.deliver(url, title, body, self.settings.notify_timeout_seconds)
        self._record(row, name, result)
        return 1

    def _render(self, row: OutboxRow, channel_name: str) -> tuple[str, str]:
        page = self.settings.page_url
        if row.event != outbox.DIGEST:
            return message.render(_note(row), page)
        merged = self.store.read(lambda s: outbox.merged_into(s, row.id))
        window = self.settings.notify_rate_window_seconds
        return message.digest([_note(r) for r in merged], channel_name, window, page)

    def _record(self, row: OutboxRow, channel_name: str, result: Delivery) -> None:
        at = self.clock.now()
        what = f"notification {row.id} ({row.event}, run {row.run_id}) to {channel_name!r}"
        if result.ok:
            self.store.transact(lambda s: outbox.sent(s, row.id, at))
            log.info("%s sent", what)
            return
        attempt = row.attempts + 1
        error = result.error or "not delivered"
        retry_at = None
        if attempt < self.settings.notify_max_attempts:
            retry_at = at + timedelta(seconds=self.backoff(attempt))
        self.store.transact(lambda s: outbox.missed(s, row.id, at, error, retry_at))
        if retry_at is None:
            log.warning("%s failed for good after %d attempts: %s", what, attempt, error)
        else:
            log.warning(
                "%s failed (attempt %d): %s; trying again at %s",
                what,
                attempt,
                error,
                retry_at.isoformat(),
            )

    def backoff(self, attempt: int) -> float:
        """Seconds before the attempt after the `attempt`-th failed one."""
        grown = self.settings.notify_retry_seconds * 2 ** (attempt - 1)
        return float(min(grown, self.settings.notify_retry_max_seconds))

    def send_now(self, channel_name: str, url: str) -> Delivery:
        """A test message to `url`, sent at once in the caller's thread (not through the
        outbox: the person who asked is waiting for the answer)."""
        if not self.settings.notifications_enabled:
            return Delivery(False, "sending is switched off (setting notifications_enabled)")
        title, body = message.probe(channel_name, self.settings.page_url)
        result = self.deliver(url, title, body, self.settings.notify_timeout_seconds)
        outcome = "sent" if result.ok else f"failed: {result.error}"
        log.info("test message to %r %s", channel_name, outcome)
        return result


def _due(session: Session, now: datetime) -> list[OutboxRow]:
    """The rows due now; and the run path's snapshot of the channels kept fresh on the way
    (while there is no channel, there can be no row)."""
    if not outbox.channels(session, max_age=0):
        return []
    return outbox.due(session, now, BATCH)


def _note(row: OutboxRow) -> message.Note:
    return message.Note(row.event, row.run_id, dict(row.body or {}))
