"""initial schema: articles, events, sources, candidates, rejected, deletions, audit, feeds

Revision ID: 0001
Revises: 
Create Date: 2026-11-25
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('articles',
    sa.Column('id', sa.String(length=512), nullable=False),
    sa.Column('source', sa.String(length=300), nullable=False),
    sa.Column('url', sa.String(length=2048), nullable=True),
    sa.Column('published', sa.Date(), nullable=False),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('origin', sa.Text(), nullable=False),
    sa.Column('events_found', sa.Integer(), nullable=False),
    sa.Column('ingested_at', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('content_hash'),
    sa.UniqueConstraint('url')
    )
    op.create_table('audit_log',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('at', sa.BigInteger(), nullable=False),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('event_id_cnty', sa.String(length=16), nullable=False),
    sa.Column('article_id', sa.String(length=512), nullable=False),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_log_at'), ['at'], unique=False)

    op.create_table('country_sequences',
    sa.Column('iso3', sa.String(length=3), nullable=False),
    sa.Column('last_value', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('iso3')
    )
    op.create_table('deletions',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('event_id_cnty', sa.String(length=16), nullable=False),
    sa.Column('deleted_at', sa.BigInteger(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('merged_into', sa.String(length=16), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('deletions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_deletions_deleted_at'), ['deleted_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_deletions_event_id_cnty'), ['event_id_cnty'], unique=False)

    op.create_table('events',
    sa.Column('event_id_cnty', sa.String(length=16), nullable=False),
    sa.Column('event_date', sa.Date(), nullable=True),
    sa.Column('year', sa.Integer(), nullable=True),
    sa.Column('time_precision', sa.Integer(), nullable=True),
    sa.Column('disorder_type', sa.String(length=60), nullable=False),
    sa.Column('event_type', sa.String(length=60), nullable=False),
    sa.Column('sub_event_type', sa.String(length=60), nullable=False),
    sa.Column('actor1', sa.Text(), nullable=False),
    sa.Column('assoc_actor_1', sa.Text(), nullable=False),
    sa.Column('inter1', sa.String(length=60), nullable=False),
    sa.Column('actor2', sa.Text(), nullable=False),
    sa.Column('assoc_actor_2', sa.Text(), nullable=False),
    sa.Column('inter2', sa.String(length=60), nullable=False),
    sa.Column('interaction', sa.String(length=120), nullable=False),
    sa.Column('civilian_targeting', sa.String(length=40), nullable=False),
    sa.Column('iso', sa.Integer(), nullable=True),
    sa.Column('region', sa.String(length=60), nullable=False),
    sa.Column('country', sa.String(length=80), nullable=False),
    sa.Column('admin1', sa.String(length=200), nullable=False),
    sa.Column('admin2', sa.String(length=200), nullable=False),
    sa.Column('admin3', sa.String(length=200), nullable=False),
    sa.Column('location', sa.String(length=300), nullable=False),
    sa.Column('latitude', sa.Float(), nullable=True),
    sa.Column('longitude', sa.Float(), nullable=True),
    sa.Column('geo_precision', sa.Integer(), nullable=True),
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('source_scale', sa.String(length=120), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('fatalities', sa.Integer(), nullable=False),
    sa.Column('tags', sa.Text(), nullable=False),
    sa.Column('timestamp', sa.BigInteger(), nullable=False),
    sa.Column('doc_id', sa.String(length=512), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('reason', sa.String(length=60), nullable=False),
    sa.Column('where_prec', sa.Integer(), nullable=True),
    sa.Column('date_prec', sa.Integer(), nullable=True),
    sa.Column('fatalities_low', sa.Integer(), nullable=False),
    sa.Column('fatalities_best', sa.Integer(), nullable=False),
    sa.Column('fatalities_high', sa.Integer(), nullable=False),
    sa.Column('location_ar', sa.String(length=300), nullable=False),
    sa.Column('place_id', sa.String(length=120), nullable=False),
    sa.Column('source_sentence', sa.Text(), nullable=False),
    sa.Column('evidence', sa.JSON(), nullable=False),
    sa.Column('explain', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.BigInteger(), nullable=False),
    sa.Column('report_count', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('event_id_cnty')
    )
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.create_index('ix_events_country_date', ['country', 'event_date'], unique=False)
        batch_op.create_index('ix_events_timestamp', ['timestamp'], unique=False)
        batch_op.create_index('ix_events_type_date', ['event_type', 'event_date'], unique=False)

    op.create_table('feeds',
    sa.Column('url', sa.String(length=2048), nullable=False),
    sa.Column('etag', sa.Text(), nullable=False),
    sa.Column('last_modified', sa.Text(), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('next_attempt_ms', sa.BigInteger(), nullable=False),
    sa.Column('last_status', sa.Text(), nullable=False),
    sa.Column('last_checked_at', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('url')
    )
    op.create_table('rejected',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('origin', sa.Text(), nullable=False),
    sa.Column('line', sa.Integer(), nullable=False),
    sa.Column('article_id', sa.String(length=512), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('first_seen', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('key')
    )
    op.create_table('candidates',
    sa.Column('event_id_cnty', sa.String(length=16), nullable=False),
    sa.Column('reason', sa.String(length=60), nullable=False),
    sa.Column('created_at', sa.BigInteger(), nullable=False),
    sa.Column('resolved_at', sa.BigInteger(), nullable=True),
    sa.ForeignKeyConstraint(['event_id_cnty'], ['events.event_id_cnty'], ),
    sa.PrimaryKeyConstraint('event_id_cnty')
    )
    op.create_table('event_sources',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('event_id_cnty', sa.String(length=16), nullable=False),
    sa.Column('article_id', sa.String(length=512), nullable=False),
    sa.Column('event_index', sa.Integer(), nullable=False),
    sa.Column('reported', sa.JSON(), nullable=False),
    sa.Column('added_at', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['article_id'], ['articles.id'], ),
    sa.ForeignKeyConstraint(['event_id_cnty'], ['events.event_id_cnty'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('article_id', 'event_index', name='uq_event_sources_article_event')
    )
    with op.batch_alter_table('event_sources', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_event_sources_article_id'), ['article_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_event_sources_event_id_cnty'), ['event_id_cnty'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('event_sources', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_event_sources_event_id_cnty'))
        batch_op.drop_index(batch_op.f('ix_event_sources_article_id'))

    op.drop_table('event_sources')
    op.drop_table('candidates')
    op.drop_table('rejected')
    op.drop_table('feeds')
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_index('ix_events_type_date')
        batch_op.drop_index('ix_events_timestamp')
        batch_op.drop_index('ix_events_country_date')

    op.drop_table('events')
    with op.batch_alter_table('deletions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_deletions_event_id_cnty'))
        batch_op.drop_index(batch_op.f('ix_deletions_deleted_at'))

    op.drop_table('deletions')
    op.drop_table('country_sequences')
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_log_at'))

    op.drop_table('audit_log')
    op.drop_table('articles')
