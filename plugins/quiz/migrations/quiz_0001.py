"""quiz 1: the papers as drawn, and the marks imported for them."""

import sqlalchemy as sa
from alembic import op

revision = "quiz_0001"
down_revision = None
branch_labels = ("quiz",)
depends_on = "core_0001"


def upgrade() -> None:
    op.create_table(
        "quiz_papers",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("session", sa.Text, nullable=False),
        sa.Column("variant", sa.Text, nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("question", sa.Text, nullable=False),
        sa.Column("drawn_at", sa.Text, nullable=False),
        sa.UniqueConstraint("session", "variant", "position"),
        sa.CheckConstraint("position > 0"),
    )
    op.create_table(
        "quiz_results",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("session", sa.Text, nullable=False),
        sa.Column("variant", sa.Text, nullable=False),
        sa.Column("audience", sa.Text),
        sa.Column("name", sa.Text),
        sa.Column("papers", sa.Integer, nullable=False),
        sa.Column("passed", sa.Integer),
        sa.Column("correct", sa.Text, nullable=False),
        sa.Column("answers", sa.Text),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("line", sa.Integer, nullable=False),
        sa.Column("imported_at", sa.Text, nullable=False),
        sa.Column("by", sa.Text, nullable=False),
        sa.CheckConstraint("papers > 0"),
        sa.CheckConstraint("passed IS NULL OR (passed >= 0 AND passed <= papers)"),
    )
    op.create_index("quiz_results_session", "quiz_results", ["session"])
