"""registration 2: what several servers sharing one store must agree on.

- ``registration_turns``: a row that every change of seats updates first, so that sign-ups and
  cancellations made through different servers take turns and never count the same free seats.
- ``registration_rate_hits``: requests per client, kind and minute, for the per-address limit.
- ``registration_challenges``: the challenge tokens already used, until they expire.
"""

import sqlalchemy as sa
from alembic import op

revision = "registration_0002"
down_revision = "registration_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "registration_turns",
        sa.Column("name", sa.Text, primary_key=True),
        sa.Column("turns", sa.Integer, nullable=False),
    )
    op.create_table(
        "registration_rate_hits",
        sa.Column("kind", sa.Text, primary_key=True),
        sa.Column("client", sa.Text, primary_key=True),
        sa.Column("minute", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("hits", sa.Integer, nullable=False),
    )
    op.create_index("registration_rate_hits_minute", "registration_rate_hits", ["minute"])
    op.create_table(
        "registration_challenges",
        sa.Column("nonce", sa.Text, primary_key=True),
        sa.Column("expires", sa.BigInteger, nullable=False),  # seconds since 1970: past 2038
    )
    op.create_index("registration_challenges_expires", "registration_challenges", ["expires"])
