"""Index documents.published and facts.run_id.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23

`zhfacts export --since/--until` and the report filter documents by publication date,
and provenance questions ("what did run 7 produce?", replacing a run's facts) select
facts by run: both were full table scans.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # if_not_exists: a database created by create_all with these models already has them
    op.create_index("ix_documents_published", "documents", ["published"], if_not_exists=True)
    op.create_index("ix_facts_run_id", "facts", ["run_id"], if_not_exists=True)


def downgrade() -> None:
    op.drop_index("ix_facts_run_id", table_name="facts")
    op.drop_index("ix_documents_published", table_name="documents")
