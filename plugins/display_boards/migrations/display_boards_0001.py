"""display-boards 1: quantities of each item handed out or shown, per site and day."""

import sqlalchemy as sa
from alembic import op

revision = "display_boards_0001"
down_revision = None
branch_labels = ("display-boards",)
depends_on = "core_0001"


def upgrade() -> None:
    op.create_table(
        "materials_records",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("item", sa.Text, nullable=False),
        sa.Column("site", sa.Text, nullable=False),
        sa.Column("day", sa.Text, nullable=False),
        sa.Column("quantity", sa.Integer, nullable=False),
        sa.Column("at", sa.Text, nullable=False),
        sa.Column("by", sa.Text, nullable=False),
    )
