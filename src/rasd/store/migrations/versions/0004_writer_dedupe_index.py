"""An index for the writer's deduplication window: stored events by sub-event type, country,
status and date, with the time precision, so the window read skips candidates and rows of the
wrong precision in the index instead of reading their (wide) table rows.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

COLUMNS = ["sub_event_type", "country", "status", "event_date", "time_precision"]


def upgrade() -> None:
    op.create_index("ix_events_dedupe", "events", COLUMNS)


def downgrade() -> None:
    op.drop_index("ix_events_dedupe", table_name="events")
