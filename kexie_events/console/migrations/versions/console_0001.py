"""console 1: organisers, the events each may see, one-time login links, sessions.

Tokens and session ids are kept as their SHA-256 only; times are UTC (ISO 8601 text).
"""

import sqlalchemy as sa
from alembic import op

revision = "console_0001"
down_revision = None
branch_labels = ("console",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "console_organisers",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("role", sa.Text, nullable=False),
        sa.Column("lang", sa.Text, nullable=False),
        sa.Column("created_at", sa.Text, nullable=False),
        sa.Column("created_by", sa.Text, nullable=False),
        sa.Column("revoked_at", sa.Text),
        sa.Column("revoked_by", sa.Text),
    )
    # A name is one person while their account is active; a revoked name may be added again.
    op.create_index(
        "console_organisers_active",
        "console_organisers",
        ["name"],
        unique=True,
        sqlite_where=sa.text("revoked_at IS NULL"),
        postgresql_where=sa.text("revoked_at IS NULL"),
    )
    op.create_table(
        "console_organiser_events",
        sa.Column(
            "organiser_id", sa.Integer, sa.ForeignKey("console_organisers.id"), primary_key=True
        ),
        sa.Column("event_id", sa.Text, primary_key=True),
    )
    op.create_table(
        "console_links",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "organiser_id", sa.Integer, sa.ForeignKey("console_organisers.id"), nullable=False
        ),
        sa.Column("token_hash", sa.Text, nullable=False, unique=True),
        sa.Column("created_at", sa.Text, nullable=False),
        sa.Column("created_by", sa.Text, nullable=False),
        sa.Column("expires_at", sa.Text, nullable=False),
        sa.Column("used_at", sa.Text),
        # A newer link for the same organiser, or the account's revocation, withdraws it.
        sa.Column("withdrawn_at", sa.Text),
    )
    op.create_table(
        "console_sessions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "organiser_id", sa.Integer, sa.ForeignKey("console_organisers.id"), nullable=False
        ),
        sa.Column("session_hash", sa.Text, nullable=False, unique=True),
        sa.Column("link_id", sa.Integer, sa.ForeignKey("console_links.id"), nullable=False),
        sa.Column("created_at", sa.Text, nullable=False),
        sa.Column("last_seen_at", sa.Text, nullable=False),
        sa.Column("expires_at", sa.Text, nullable=False),
        sa.Column("ended_at", sa.Text),
        sa.Column("end_reason", sa.Text),
    )
