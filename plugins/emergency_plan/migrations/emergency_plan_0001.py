"""emergency-plan 1: checklist ticks (and unticks) and the incident log."""

import sqlalchemy as sa
from alembic import op

revision = "emergency_plan_0001"
down_revision = None
branch_labels = ("emergency-plan",)
depends_on = "core_0001"


def upgrade() -> None:
    op.create_table(
        "emergency_ticks",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("item", sa.Text, nullable=False),
        sa.Column("ticked", sa.Integer, nullable=False),
        sa.Column("at", sa.Text, nullable=False),
        sa.Column("by", sa.Text, nullable=False),
        sa.Column("note", sa.Text),
    )
    op.create_table(
        "emergency_incidents",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("at", sa.Text, nullable=False),
        sa.Column("site", sa.Text),
        sa.Column("gate", sa.Text),
        sa.Column("type", sa.Text, nullable=False),
        sa.Column("what", sa.Text, nullable=False),
        sa.Column("done", sa.Text, nullable=False),
        sa.Column("by", sa.Text, nullable=False),
    )
