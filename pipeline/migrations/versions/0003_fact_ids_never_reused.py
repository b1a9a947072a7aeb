"""Fact ids are never reused (SQLite AUTOINCREMENT on facts.id).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23

`--force` deletes a document's facts and writes new ones. Without AUTOINCREMENT SQLite
hands the freed ids out again, so a fact id kept in an export or a review link could
silently name a different fact later. PostgreSQL sequences never reuse ids: no-op there.
"""

from __future__ import annotations

from collections.abc import Sequence

import importlib

from alembic import op

# the view as 0001 defined it (frozen: later view changes come with their own revisions)
FACTS_VIEW_0001: str = importlib.import_module("pipeline.migrations.versions.0001_initial").FACTS_VIEW_0001

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _rebuild_facts(autoincrement: bool) -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    # the table is rebuilt (copy, drop, rename); the view over it goes and comes back
    op.execute("DROP VIEW IF EXISTS facts_view")
    with op.batch_alter_table("facts", recreate="always", table_kwargs={"sqlite_autoincrement": autoincrement}):
        pass
    op.execute(f"CREATE VIEW facts_view AS {FACTS_VIEW_0001}")


def upgrade() -> None:
    _rebuild_facts(True)


def downgrade() -> None:
    _rebuild_facts(False)
