"""Alembic environment: the tables of pipeline.store are the target metadata.

Run through pipeline.migrations (``zhfacts db upgrade``, ``Store(db)``), which hands over
an open connection in ``config.attributes["connection"]``; a plain ``sqlalchemy.url``
works too.
"""

from __future__ import annotations

from alembic import context

from pipeline.store import METADATA, make_engine

config = context.config
target_metadata = METADATA


def _configure(**kwargs: object) -> None:
    # batch mode: SQLite can only change most table definitions by copying the table
    context.configure(target_metadata=target_metadata, render_as_batch=True, **kwargs)  # type: ignore[arg-type]


def run_migrations_offline() -> None:
    _configure(url=config.get_main_option("sqlalchemy.url"), literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection=connection)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = make_engine(config.get_main_option("sqlalchemy.url") or "")
    try:
        with engine.begin() as conn:
            _configure(connection=conn)
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
