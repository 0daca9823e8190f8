"""core 1: phase changes and the generic journal."""

import sqlalchemy as sa
from alembic import op

revision = "core_0001"
down_revision = None
branch_labels = ("core",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "phase_changes",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("from_phase", sa.Text, nullable=False),
        sa.Column("to_phase", sa.Text, nullable=False),
        sa.Column("by", sa.Text, nullable=False),
        sa.Column("at", sa.Text, nullable=False),
        sa.Column("forced", sa.Integer, nullable=False, server_default="0"),
        sa.Column("reason", sa.Text),
    )
    op.create_table(
        "journal",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("at", sa.Text, nullable=False),
        sa.Column("by", sa.Text, nullable=False),
        sa.Column("site", sa.Text),
        sa.Column("gate", sa.Text),
        sa.Column("data", sa.Text, nullable=False, server_default="{}"),
    )
    op.create_index("journal_kind", "journal", ["kind", "at"])
