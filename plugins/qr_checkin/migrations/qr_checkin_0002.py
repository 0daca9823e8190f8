"""qr-checkin 2: head counts of every kind (docs/checkin.md, "Counts of every kind").

People going out (``direction``), how a number was obtained (``source``), the entry an undo
takes back (``corrects``: nothing is deleted), the ticket scanned at an exit, a note, and when
an entry made after the fact was typed (``recorded_at``; ``at`` is when it happened).
"""

import sqlalchemy as sa
from alembic import op

revision = "qr_checkin_0002"
down_revision = "qr_checkin_0001"
branch_labels = None
depends_on = None

COLUMNS = (
    "direction TEXT NOT NULL DEFAULT 'in' CHECK (direction IN ('in', 'out'))",
    "source TEXT NOT NULL DEFAULT 'counted'"
    " CHECK (source IN ('counted', 'scanned', 'paper', 'estimate'))",
    "corrects TEXT",
    "ticket INTEGER",
    "note TEXT",
    "recorded_at TEXT",
)


def upgrade() -> None:
    for column in COLUMNS:
        op.execute(f"ALTER TABLE qr_headcounts ADD COLUMN {column}")
    op.create_index(
        "qr_headcounts_corrects",
        "qr_headcounts",
        ["corrects"],
        unique=True,
        sqlite_where=sa.text("corrects IS NOT NULL"),
        postgresql_where=sa.text("corrects IS NOT NULL"),
    )
    op.create_index("qr_headcounts_at", "qr_headcounts", ["at"])
