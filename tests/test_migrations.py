"""The migrations build exactly the schema the models describe, on both databases."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from tickwork.config import Settings
from tickwork.store.db import Store
from tickwork.store.tables import Base


def test_migrations_match_the_models(settings: Settings) -> None:
    settings.data_dir.mkdir(parents=True)
    store = Store(settings.db_url)
    store.migrate()
    store.migrate()  # a second start finds nothing to do
    with store.engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
    store.dispose()
