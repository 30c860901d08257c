"""jobs, mail delivery state, API keys, the shared record of article files

Revision ID: 5a1c0e22d001
Revises: 4bf3b49ffcce
Create Date: 2026-12-07 12:00:00.000000

``jobs`` is the worker's durable queue; ``outbox`` gains what delivery needs (state,
attempts, threading headers, an HTML part); ``api_keys`` holds hashed server-to-server keys;
``article_files`` is the record every node mirrors its articles folder from. Outbox rows
queued before this revision and never sent stay ``queued`` and are delivered once.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5a1c0e22d001'
down_revision = '4bf3b49ffcce'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'jobs',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=64), nullable=False),
        sa.Column('payload', sa.JSON(), nullable=False),
        sa.Column('dedupe_key', sa.String(length=200), nullable=True),
        sa.Column('state', sa.String(length=16), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('max_attempts', sa.Integer(), nullable=False),
        sa.Column('run_after', sa.DateTime(timezone=True), nullable=False),
        sa.Column('locked_by', sa.String(length=120), nullable=True),
        sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True),
        sa.Column('last_error', sa.Text(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('dedupe_key'),
    )
    op.create_index('ix_jobs_state_run_after', 'jobs', ['state', 'run_after'])

    op.create_table(
        'api_keys',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=120), nullable=False),
        sa.Column('prefix', sa.String(length=16), nullable=False),
        sa.Column('key_hash', sa.String(length=64), nullable=False),
        sa.Column('rate_limit', sa.String(length=100), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('key_hash'),
    )
    op.create_index('ix_api_keys_prefix', 'api_keys', ['prefix'])

    op.create_table(
        'article_files',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('path', sa.String(length=400), nullable=False),
        sa.Column('content', sa.Text(), nullable=True),
        sa.Column('content_hash', sa.String(length=64), nullable=True),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('changed_by', sa.String(length=120), nullable=True),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('path'),
    )
    op.create_index('ix_article_files_changed_at', 'article_files', ['changed_at'])

    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('html_body', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('message_id', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('in_reply_to', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('thread_references', sa.Text(), nullable=True))
        batch_op.add_column(
            sa.Column('auto_submitted', sa.Boolean(), nullable=False, server_default=sa.true())
        )
        batch_op.add_column(
            sa.Column('state', sa.String(length=16), nullable=False, server_default='queued')
        )
        batch_op.add_column(
            sa.Column('attempts', sa.Integer(), nullable=False, server_default='0')
        )
        batch_op.add_column(sa.Column('last_error', sa.Text(), nullable=True))
        batch_op.add_column(
            sa.Column('send_started_at', sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.create_unique_constraint('uq_outbox_message_id', ['message_id'])
        batch_op.create_index('ix_outbox_state', ['state'])


def downgrade():
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_state')
        batch_op.drop_constraint('uq_outbox_message_id', type_='unique')
        for column in ('send_started_at', 'last_error', 'attempts', 'state', 'auto_submitted',
                       'thread_references', 'in_reply_to', 'message_id', 'html_body'):
            batch_op.drop_column(column)
    op.drop_index('ix_article_files_changed_at', table_name='article_files')
    op.drop_table('article_files')
    op.drop_index('ix_api_keys_prefix', table_name='api_keys')
    op.drop_table('api_keys')
    op.drop_index('ix_jobs_state_run_after', table_name='jobs')
    op.drop_table('jobs')
