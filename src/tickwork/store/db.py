"""Engine and session factory, with SQLite tuned for a server and migrations run at start-up.

Every role reaches the database through `Store`, so what happens when the store is in
trouble is decided here, once:

- A connection that died while it sat in the pool is replaced at checkout (pre-ping).
- `transact(work)` and `read(work)` run a unit of work and, when its connection was lost
  before COMMIT, run it again on a fresh one: nothing of the failed attempt was saved, so a
  second attempt cannot double anything. `work` must therefore act on the session only.
- A connection lost *during* COMMIT leaves the outcome unknown to the client. On PostgreSQL
  the transaction's id is read just before COMMIT, and after such a loss a new connection
  asks `pg_xact_status` what became of it: committed counts as success (the caller never
  sees an error), aborted as a failure before commit (retried by `transact`). Only when the
  database cannot be asked at all does the caller hear "outcome unknown".
- A SQLite file deleted or replaced under the running server refuses reads and writes
  instead of writing into an unlinked file (lost at the next start) or a new empty one.
- Whatever still fails is `StorageUnavailable` (HTTP 503 with a message), see `problem`.
"""

from __future__ import annotations

import functools
import logging
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path
from typing import Any, TypeVar

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, create_engine, event, make_url, text
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool

from tickwork.errors import StorageUnavailable
from tickwork.store import observers
from tickwork.store.observers import RunListener

log = logging.getLogger(__name__)
MIGRATIONS = Path(__file__).parent / "migrations"
T = TypeVar("T")

BUSY_TIMEOUT_SECONDS = 30.0
# Attempts of one unit of work; the pauses between them grow 0.05, 0.1, 0.2, 0.4, 0.8 s, so
# a backend killed now and then costs a retry, while an outage answers 503 within ~2 s.
ATTEMPTS = 6
FIRST_PAUSE = 0.05
# How long to keep asking PostgreSQL what became of a transaction whose COMMIT lost its
# connection (the terminated backend may still be finishing it).
OUTCOME_WAIT_SECONDS = 10.0


def make_engine(url: str, busy_timeout: float = BUSY_TIMEOUT_SECONDS) -> Engine:
    if url.startswith("sqlite"):
        # One connection per busy thread (web, scheduler, runs) without waiting on the pool.
        engine = create_engine(
            url,
            connect_args={"timeout": busy_timeout, "check_same_thread": False},
            pool_size=16,
            max_overflow=48,
        )
        event.listen(engine, "connect", functools.partial(_sqlite_pragmas, busy_timeout))
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)


def _sqlite_pragmas(busy_timeout: float, dbapi_conn: Any, _record: Any) -> None:
    dbapi_conn.isolation_level = None  # let the "begin" listener own transactions
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout * 1000)}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _sqlite_begin(conn: Connection) -> None:
    # A deferred transaction that reads and then writes can fail at once with "database is
    # locked" when another writer got in between (the busy timeout does not apply to lock
    # upgrades), so writing transactions take the write lock up front.
    read_only = conn.get_execution_options().get("tickwork_read_only", False)
    conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest revision; safe to call on every start."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def problem(exc: BaseException) -> StorageUnavailable | None:
    """What is wrong with the store, in words for the caller; None when `exc` is no storage
    trouble but a bug (a constraint, bad SQL), which stays a 500."""
    if isinstance(exc, StorageUnavailable):
        return exc
    if not isinstance(exc, OperationalError | InterfaceError) and not (
        isinstance(exc, DBAPIError) and exc.connection_invalidated
    ):
        return None
    detail = _short(exc)
    lowered = detail.lower()
    if "full" in lowered or "no space" in lowered:
        message = "the disk holding the database is full; free some space"
    elif "locked" in lowered or "busy" in lowered:
        message = "the database is locked by another process and stayed locked"
    elif "readonly" in lowered or "read-only" in lowered:
        message = "the database file cannot be written (read-only)"
    elif "i/o error" in lowered:
        message = "the database file could not be read or written (I/O error)"
    else:
        message = f"the database cannot be reached ({detail})"
    return StorageUnavailable(f"storage unavailable: {message}; nothing was saved")


def transient(exc: BaseException) -> bool:
    """Whether another attempt on a fresh connection may succeed: the connection was lost or
    could not be made. SQLite errors are not: its busy timeout has already waited."""
    if not isinstance(exc, DBAPIError):
        return False
    if exc.connection_invalidated:
        return True
    return isinstance(exc, OperationalError) and not _is_sqlite_error(exc)


def _is_sqlite_error(exc: DBAPIError) -> bool:
    return type(exc.orig).__module__.startswith("sqlite3")


class _CommitWitness:
    """Settles a PostgreSQL COMMIT whose connection broke before the answer came back.

    The dialect's own commit is wrapped: SQLAlchemy then sees a commit that the server did
    make as a success, and keeps the session's objects as committed ones.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        # Asked outside the pool: when many connections break at once, each thread asking
        # still holds its broken one, and a full pool would make all of them wait past the end.
        self._asking = create_engine(
            engine.url, poolclass=NullPool, connect_args={"connect_timeout": 3}
        )
        self._expected: dict[int, str] = {}  # id of the pooled connection -> transaction id
        original = engine.dialect.do_commit

        def do_commit(dbapi_connection: Any) -> None:
            xid = self._expected.pop(id(dbapi_connection), None)
            try:
                original(dbapi_connection)
            except Exception as exc:
                if xid is None or not engine.dialect.is_disconnect(
                    exc,  # type: ignore[arg-type]
                    dbapi_connection,
                    None,
                ):
                    raise
                self._settle(xid, dbapi_connection, exc)

        engine.dialect.do_commit = do_commit  # type: ignore[method-assign]

    def expect(self, session: Session) -> int | None:
        """Note the transaction's id before COMMIT; a transaction that wrote nothing has none,
        and losing its COMMIT loses nothing. Returns the key to `forget` it by."""
        xid = session.execute(text("SELECT pg_current_xact_id_if_assigned()::text")).scalar()
        if xid is None:
            return None
        key = id(session.connection().connection)
        self._expected[key] = str(xid)
        return key

    def forget(self, key: int | None) -> None:
        if key is not None:
            self._expected.pop(key, None)

    def _settle(self, xid: str, dbapi_connection: Any, exc: Exception) -> None:
        outcome = self.outcome(xid)
        if outcome == "aborted":
            raise exc  # as if it failed before COMMIT: not saved, safe to try again
        dbapi_connection.invalidate()  # it is dead either way; the pool must not reuse it
        if outcome == "committed":
            log.warning("lost the connection during COMMIT of transaction %s; it committed", xid)
            return
        raise StorageUnavailable(
            "storage unavailable: the connection to the database broke during COMMIT and the "
            "database could not be asked since; whether the change was saved is unknown"
        ) from exc

    def outcome(self, xid: str) -> str | None:
        """'committed' or 'aborted', asked on a new connection; None if it cannot be known."""
        deadline = time.monotonic() + OUTCOME_WAIT_SECONDS
        pause = FIRST_PAUSE
        while time.monotonic() < deadline:
            try:
                with self._asking.connect() as conn:
                    status = conn.execute(
                        text("SELECT pg_xact_status(CAST(:xid AS xid8))"), {"xid": xid}
                    ).scalar()
                if status in ("committed", "aborted"):
                    return str(status)
            except SQLAlchemyError as exc:
                log.info("asking for transaction %s failed: %s", xid, exc.__class__.__name__)
            time.sleep(pause)  # still in progress: the terminated backend is finishing it
            pause = min(pause * 2, 1.0)
        return None


class _BoundedLock:
    """The process's SQLite writers queue here; a writer gives up after the busy timeout like
    SQLite itself would, so that behind another process's lock the k-th writer answers 503 after
    one timeout, not after k of them."""

    def __init__(self, timeout: float) -> None:
        self._lock = threading.RLock()
        self._timeout = timeout

    def __enter__(self) -> None:
        if not self._lock.acquire(timeout=self._timeout):
            raise StorageUnavailable(
                "storage unavailable: the database is locked by another process and stayed "
                "locked; nothing was saved"
            )

    def __exit__(self, *exc: object) -> None:
        self._lock.release()


class Store:
    """The engine plus a session factory; one per process, shared by every role in it."""

    def __init__(self, url: str, busy_timeout: float = BUSY_TIMEOUT_SECONDS) -> None:
        self.url = url
        self.engine = make_engine(url, busy_timeout)
        # Told of each run's start and end after COMMIT (store/observers.py): every write
        # session carries the list, so the lifecycle finds it without its callers' help.
        self.run_listeners: list[RunListener] = []
        self._sessions = sessionmaker(
            self.engine, expire_on_commit=False, info={observers.LISTENERS: self.run_listeners}
        )
        self._write_lock: AbstractContextManager[object] = (
            _BoundedLock(busy_timeout) if self.engine.dialect.name == "sqlite" else nullcontext()
        )
        self._read_sessions = sessionmaker(
            self.engine.execution_options(tickwork_read_only=True), expire_on_commit=False
        )
        self._witness = _CommitWitness(self.engine) if self.is_postgresql else None
        self._file = _sqlite_file(url) if self.is_sqlite else None
        self._file_identity: tuple[int, int] | None = None

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @property
    def is_postgresql(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    def migrate(self) -> None:
        migrate(self.engine)
        if self._file is not None:
            self._file_identity = _identity(self._file)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """One short transaction: committed on success, rolled back on any error.

        On SQLite, writers of this process queue on a lock instead of on the database: SQLite's
        busy handler waits by sleeping in growing steps (up to 100 ms), which made ten
        simultaneous cron fires start up to a second late.
        """
        witness, key = self._witness, None
        try:
            with self._write_lock, self._sessions() as session, session.begin():
                yield session
                session.flush()
                self.check_file()  # last moment before COMMIT: never write into a lost file
                if witness is not None:
                    key = witness.expect(session)
        finally:
            if witness is not None:
                witness.forget(key)  # the COMMIT took it, unless it never came

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A transaction that only reads: on SQLite it never waits for the write lock."""
        self.check_file()
        with self._read_sessions() as session, session.begin():
            yield session

    def transact(self, work: Callable[[Session], T]) -> T:
        """`work(session)` in one write transaction, tried again on a fresh connection when
        the connection was lost before it committed (see the module's docstring)."""
        return self._retrying(self.session, work)

    def read(self, work: Callable[[Session], T]) -> T:
        """`work(session)` in a read transaction, tried again when the connection is lost."""
        return self._retrying(self.reading, work)

    def _retrying(
        self, opener: Callable[[], AbstractContextManager[Session]], work: Callable[[Session], T]
    ) -> T:
        pause = FIRST_PAUSE
        for attempt in range(1, ATTEMPTS + 1):
            try:
                with opener() as session:
                    return work(session)
            except DBAPIError as exc:
                if attempt == ATTEMPTS or not transient(exc):
                    if (trouble := problem(exc)) is not None:
                        raise trouble from exc
                    raise
                log.info("store: %s (attempt %d); trying again", _short(exc), attempt)
            time.sleep(pause)
            pause *= 2
        raise AssertionError("unreachable")

    def check(self) -> None:
        """Raise StorageUnavailable unless the store answers a query (for readiness)."""
        try:
            self.read(lambda session: session.execute(text("SELECT 1")).scalar())
        except SQLAlchemyError as exc:
            raise problem(exc) or StorageUnavailable(f"storage unavailable: {exc}") from exc

    def check_file(self) -> None:
        """On SQLite, refuse to go on when the database file is no longer the one migrated:
        deleted (writes would go to an unlinked file and vanish at the next start) or
        replaced (a fresh file has no tables)."""
        if self._file is None or self._file_identity is None:
            return
        if _identity(self._file) != self._file_identity:
            raise StorageUnavailable(
                f"storage unavailable: the database file {self._file} was deleted or replaced "
                "while tickwork was running; nothing was saved. Restore the file, or restart "
                "tickwork to start a new database"
            )

    def dispose(self) -> None:
        self.engine.dispose()


class Outage:
    """One log line when a periodic task starts failing on the store, one when it works
    again: a poll every 2 s logging a traceback each time buried everything else."""

    def __init__(self, what: str) -> None:
        self.what = what
        self._since: float | None = None

    def failed(self, exc: BaseException) -> None:
        if self._since is not None:
            return
        self._since = time.monotonic()
        trouble = problem(exc)
        if trouble is None:
            log.exception("%s: unexpected error from the store", self.what)
        else:
            log.warning("%s: %s; retrying quietly until it works", self.what, trouble.message)

    def over(self) -> None:
        if self._since is None:
            return
        took = time.monotonic() - self._since
        log.warning("%s: the store works again after %.0f s", self.what, took)
        self._since = None


def _sqlite_file(url: str) -> Path | None:
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database).resolve()


def _identity(path: Path) -> tuple[int, int] | None:
    try:
        stat = os.stat(path)
    except FileNotFoundError:
        return None
    return stat.st_dev, stat.st_ino


def _short(exc: BaseException) -> str:
    return str(getattr(exc, "orig", exc)).strip().splitlines()[0][:200]
