"""registration 1: sign-ups, the tickets they hold, and the outbox of messages to them."""

import sqlalchemy as sa
from alembic import op

revision = "registration_0001"
down_revision = None
branch_labels = ("registration",)
depends_on = "core_0001"


def upgrade() -> None:
    op.create_table(
        "registration_signups",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("secret", sa.Text, nullable=False, unique=True),
        sa.Column("slot", sa.Text, nullable=False),
        sa.Column("site", sa.Text),
        sa.Column("party", sa.Integer, nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("name", sa.Text),
        sa.Column("phone", sa.Text),
        sa.Column("email", sa.Text),
        sa.Column("audience", sa.Text),
        sa.Column("answers", sa.Text),
        sa.Column("origin", sa.Text),
        sa.Column("created_at", sa.Text, nullable=False),
        sa.Column("confirmed_at", sa.Text),
        sa.Column("waitlisted", sa.Integer, nullable=False, server_default=sa.text("0")),
        sa.Column("cancelled_at", sa.Text),
        sa.Column("cancelled_by", sa.Text),
        sa.Column("cancel_reason", sa.Text),
        sa.CheckConstraint("party >= 1"),
        sa.CheckConstraint("status IN ('confirmed', 'waitlisted', 'cancelled')"),
    )
    op.create_index("registration_signups_slot", "registration_signups", ["slot", "status", "id"])
    op.create_index("registration_signups_phone", "registration_signups", ["phone", "status"])
    op.create_table(
        "registration_tickets",
        sa.Column("number", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("signup", sa.Integer, sa.ForeignKey("registration_signups.id"), nullable=False),
    )
    op.create_index("registration_tickets_signup", "registration_tickets", ["signup"])
    op.create_table(
        "registration_messages",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("signup", sa.Integer, sa.ForeignKey("registration_signups.id"), nullable=False),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("queued_at", sa.Text, nullable=False),
        sa.Column("claimed_at", sa.Text),
        sa.Column("sent_at", sa.Text),
        sa.Column("channels", sa.Text),
        sa.Column("error", sa.Text),
        sa.Column("recipient", sa.Text),
        sa.Column("subject", sa.Text),
        sa.Column("body", sa.Text),
        sa.CheckConstraint(
            "kind IN ('confirmed', 'waitlisted', 'promoted', 'cancelled', 'reminder')"
        ),
        sa.CheckConstraint("status IN ('pending', 'sending', 'sent', 'failed')"),
    )
    op.create_index(
        "registration_one_reminder",
        "registration_messages",
        ["signup"],
        unique=True,
        sqlite_where=sa.text("kind = 'reminder'"),
        postgresql_where=sa.text("kind = 'reminder'"),
    )
