"""eclipse-glasses 1: pairs handed out at a gate or collected by a unit."""

import sqlalchemy as sa
from alembic import op

revision = "eclipse_glasses_0001"
down_revision = None
branch_labels = ("eclipse-glasses",)
depends_on = "core_0001"


def upgrade() -> None:
    op.create_table(
        "glasses_handouts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("unit", sa.Text),
        sa.Column("gate", sa.Text),
        sa.Column("site", sa.Text),
        sa.Column("pairs", sa.Integer, nullable=False),
        sa.Column("at", sa.Text, nullable=False),
        sa.Column("by", sa.Text, nullable=False),
        sa.Column("note", sa.Text),
        sa.CheckConstraint("pairs > 0"),
        sa.CheckConstraint("(unit IS NULL) <> (gate IS NULL)"),
    )
