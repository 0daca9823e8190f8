"""console 2: the events' folders, for a ROOT kept in PostgreSQL (``kexie serve URL``).

Each event's folder is a row of ``console_event_folders`` and its files are rows of
``console_event_files`` (path relative to the folder, with ``/``; the content itself). A folder's
``revision`` goes up by one at every change; a file remembers the revision that wrote it.
"""

import sqlalchemy as sa
from alembic import op

revision = "console_0002"
down_revision = "console_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "console_event_folders",
        sa.Column("event_id", sa.Text, primary_key=True),
        sa.Column("revision", sa.Integer, nullable=False),
        sa.Column("created_at", sa.Text, nullable=False),
        sa.Column("created_by", sa.Text, nullable=False),
        sa.Column("updated_at", sa.Text, nullable=False),
        sa.Column("updated_by", sa.Text, nullable=False),
    )
    op.create_table(
        "console_event_files",
        sa.Column(
            "event_id",
            sa.Text,
            sa.ForeignKey("console_event_folders.event_id"),
            primary_key=True,
        ),
        sa.Column("path", sa.Text, primary_key=True),
        sa.Column("sha256", sa.Text, nullable=False),
        sa.Column("mode", sa.Integer, nullable=False),
        sa.Column("content", sa.LargeBinary, nullable=False),
        sa.Column("revision", sa.Integer, nullable=False),
    )
