"""qr-checkin 1: tickets, revocations, scans and head counts (the first release's tables)."""

import sqlalchemy as sa
from alembic import op

revision = "qr_checkin_0001"
down_revision = None
branch_labels = ("qr-checkin",)
depends_on = "core_0001"


def upgrade() -> None:
    op.create_table(
        "qr_tickets",
        sa.Column("number", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("code", sa.Text, unique=True),
        sa.Column("site", sa.Text),
        sa.Column("audience", sa.Text),
        sa.Column("name", sa.Text),
        sa.Column("phone", sa.Text),
        sa.Column("batch", sa.Text, nullable=False),
        sa.Column("issued_at", sa.Text, nullable=False),
        sa.Column("issued_by", sa.Text, nullable=False),
    )
    op.create_table(
        "qr_revocations",
        sa.Column("number", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("at", sa.Text, nullable=False),
        sa.Column("by", sa.Text, nullable=False),
        sa.Column("reason", sa.Text),
    )
    op.create_table(
        "qr_scans",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("scan_id", sa.Text, nullable=False, unique=True),
        sa.Column("code", sa.Text, nullable=False),
        sa.Column("ticket", sa.Integer),
        sa.Column("result", sa.Text, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("admit_key", sa.Text),
        sa.Column("gate", sa.Text),
        sa.Column("site", sa.Text),
        sa.Column("at", sa.Text, nullable=False),
        sa.Column("by", sa.Text, nullable=False),
        sa.Column("device", sa.Text, nullable=False),
        sa.Column("received_at", sa.Text, nullable=False),
        sa.Column("response", sa.Text, nullable=False),
        sa.CheckConstraint("result IN ('admitted', 'duplicate', 'rejected')"),
    )
    op.create_index("qr_scans_ticket", "qr_scans", ["ticket", "admit_key", "result", "at"])
    op.create_table(
        "qr_headcounts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("scan_id", sa.Text, unique=True),
        sa.Column("gate", sa.Text),
        sa.Column("site", sa.Text),
        sa.Column("audience", sa.Text, nullable=False),
        sa.Column("delta", sa.Integer, nullable=False),
        sa.Column("at", sa.Text, nullable=False),
        sa.Column("by", sa.Text, nullable=False),
        sa.Column("device", sa.Text, nullable=False),
    )
