"""The first released schema: runs, documents, articles, sentences, facts, errors, facts_view.

Revision ID: 0001
Revises:
Create Date: 2026-11-23

A frozen copy of what `Store.create_schema()` made before migrations existed: later
changes to pipeline/store.py go into new revisions, never here.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FACTS_VIEW_0001 = """
SELECT f.id AS fact_id, f.doc_id, d.title, d.published, d.source,
       s.text AS sentence, f.kind, f.surface, f.value, f.value_max, f.unit, f.qualifier,
       f.base_value, f.base_value_max, f.base_unit, f.date, f.date_end, f.measure, f.subject,
       f.change, f.direction, f.basis, f.start, f."end", f.sentence_index, f.run_id
FROM facts f
JOIN documents d ON d.id = f.doc_id
LEFT JOIN sentences s ON s.doc_id = f.doc_id AND s."index" = f.sentence_index
"""


def upgrade() -> None:
    op.create_table(
        "runs",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("started", sa.DateTime(), nullable=False),
        sa.Column("finished", sa.DateTime(), nullable=True),
        sa.Column("version", sa.String(32), nullable=False),
        sa.Column("model", sa.String(200), nullable=False),
        sa.Column("config", sa.JSON(), nullable=False),
        sa.Column("config_hash", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("documents", sa.Integer(), nullable=False),
        sa.Column("skipped", sa.Integer(), nullable=False),
        sa.Column("sentences", sa.Integer(), nullable=False),
        sa.Column("facts", sa.Integer(), nullable=False),
        sa.Column("errors", sa.Integer(), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=True),
    )
    op.create_table(
        "documents",
        sa.Column("id", sa.String(300), primary_key=True),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("published", sa.Date(), nullable=True),
        sa.Column("published_from", sa.String(16), nullable=True),
        sa.Column("encoding", sa.String(32), nullable=False),
        sa.Column("format", sa.String(16), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("n_chars", sa.Integer(), nullable=False),
        sa.Column("raw_text", sa.Text(), nullable=False),
        sa.Column("run_id", sa.Integer(), sa.ForeignKey("runs.id"), nullable=True),
    )
    op.create_table(
        "articles",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("doc_id", sa.String(300), sa.ForeignKey("documents.id", ondelete="CASCADE"), nullable=False),
        sa.Column("index", sa.Integer(), nullable=False),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("start", sa.Integer(), nullable=False),
        sa.Column("end", sa.Integer(), nullable=False),
        sa.UniqueConstraint("doc_id", "index", name="uq_articles_doc_index"),
    )
    op.create_table(
        "sentences",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("doc_id", sa.String(300), sa.ForeignKey("documents.id", ondelete="CASCADE"), nullable=False),
        sa.Column("index", sa.Integer(), nullable=False),
        sa.Column("article", sa.Integer(), nullable=False),
        sa.Column("start", sa.Integer(), nullable=False),
        sa.Column("end", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.UniqueConstraint("doc_id", "index", name="uq_sentences_doc_index"),
    )
    op.create_table(
        "facts",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("doc_id", sa.String(300), sa.ForeignKey("documents.id", ondelete="CASCADE"), nullable=False),
        sa.Column("sentence_index", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), sa.ForeignKey("runs.id"), nullable=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("surface", sa.Text(), nullable=False),
        sa.Column("start", sa.Integer(), nullable=False),
        sa.Column("end", sa.Integer(), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("value_max", sa.Float(), nullable=True),
        sa.Column("unit", sa.String(32), nullable=False),
        sa.Column("qualifier", sa.String(16), nullable=False),
        sa.Column("base_value", sa.Float(), nullable=True),
        sa.Column("base_value_max", sa.Float(), nullable=True),
        sa.Column("base_unit", sa.String(32), nullable=True),
        sa.Column("date", sa.String(32), nullable=True),
        sa.Column("date_end", sa.String(32), nullable=True),
        sa.Column("measure", sa.Text(), nullable=True),
        sa.Column("subject", sa.Text(), nullable=True),
        sa.Column("change", sa.Boolean(), nullable=False),
        sa.Column("direction", sa.String(8), nullable=True),
        sa.Column("basis", sa.String(32), nullable=True),
        sa.UniqueConstraint("doc_id", "start", "end", "kind", name="uq_facts_span"),
    )
    op.create_index("ix_facts_kind", "facts", ["kind"])
    op.create_index("ix_facts_doc_sentence", "facts", ["doc_id", "sentence_index"])
    op.create_table(
        "errors",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("run_id", sa.Integer(), sa.ForeignKey("runs.id"), nullable=True),
        sa.Column("created", sa.DateTime(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("line", sa.Integer(), nullable=True),
        sa.Column("doc_id", sa.String(300), nullable=True),
        sa.Column("stage", sa.String(32), nullable=False),
        sa.Column("severity", sa.String(16), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
    )
    op.execute(f"CREATE VIEW facts_view AS {FACTS_VIEW_0001}")


def downgrade() -> None:
    op.execute("DROP VIEW IF EXISTS facts_view")
    for table in ("errors", "facts", "sentences", "articles", "documents", "runs"):
        op.drop_table(table)
