"""contest 1: entries with their codes, the judges' scores, and the entries sent on."""

import sqlalchemy as sa
from alembic import op

revision = "contest_0001"
down_revision = None
branch_labels = ("contest",)
depends_on = "core_0001"


def upgrade() -> None:
    op.create_table(
        "contest_entries",
        sa.Column("code", sa.Text, primary_key=True),
        sa.Column("number", sa.Integer, nullable=False, unique=True),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("category", sa.Text, nullable=False),
        sa.Column("school", sa.Text, nullable=False),
        sa.Column("pupils", sa.Text, nullable=False),
        sa.Column("teacher", sa.Text, nullable=False),
        sa.Column("withdrawn", sa.Integer, nullable=False, server_default="0"),
        sa.Column("at", sa.Text, nullable=False),
        sa.Column("by", sa.Text, nullable=False),
    )
    op.create_table(
        "contest_scores",
        sa.Column("judge", sa.Text, primary_key=True),
        sa.Column("code", sa.Text, primary_key=True),
        # Tenths of a point: a score is kept exactly as the judge wrote it.
        sa.Column("tenths", sa.Integer, nullable=False),
        sa.Column("at", sa.Text, nullable=False),
        sa.Column("by", sa.Text, nullable=False),
    )
    op.create_table(
        "contest_sent",
        sa.Column("code", sa.Text, primary_key=True),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("at", sa.Text, nullable=False),
        sa.Column("by", sa.Text, nullable=False),
    )
