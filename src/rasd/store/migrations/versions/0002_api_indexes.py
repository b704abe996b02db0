"""Indexes for the analysts' API: newest-first pages under the usual filters.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

INDEXES = {
    "ix_events_date": ["event_date", "event_id_cnty"],
    "ix_events_admin1_date": ["admin1", "event_date"],
    "ix_events_sub_date": ["sub_event_type", "event_date"],
    "ix_events_iso_date": ["iso", "event_date"],
}


def upgrade() -> None:
    for name, columns in INDEXES.items():
        op.create_index(name, "events", columns)


def downgrade() -> None:
    for name in INDEXES:
        op.drop_index(name, table_name="events")
