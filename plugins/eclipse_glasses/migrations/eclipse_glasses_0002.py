"""eclipse-glasses 2: the stock's turn row, so that servers sharing a store hand out in turn."""

import sqlalchemy as sa
from alembic import op

revision = "eclipse_glasses_0002"
down_revision = "eclipse_glasses_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "glasses_turns",
        sa.Column("name", sa.Text, primary_key=True),
        sa.Column("turns", sa.Integer, nullable=False),
    )
