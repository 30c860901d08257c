"""inbound email: received messages, their attachments, linked tickets, message channel

Revision ID: 5a1c0e22d005
Revises: 5a1c0e22d007
Create Date: 2026-12-07 13:00:00.000000

``inbound_emails`` keeps one row per received Message-ID (unique: the dedupe key), the
path of the stored raw MIME and what became of it; ``inbound_attachments`` records every
attachment (stored or refused, with why). Tickets gain ``follows_ticket_id`` (a reply to a
ticket solved long ago opens a new one linked to it), messages the ``channel`` they came by.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5a1c0e22d005'
down_revision = '5a1c0e22d007'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('follows_ticket_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            'fk_tickets_follows_ticket_id', 'tickets', ['follows_ticket_id'], ['id']
        )
    with op.batch_alter_table('ticket_messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('channel', sa.String(length=16), nullable=True))

    op.create_table(
        'inbound_emails',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('message_id', sa.String(length=255), nullable=False),
        sa.Column('raw_path', sa.String(length=400), nullable=False),
        sa.Column('raw_sha256', sa.String(length=64), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('from_email', sa.String(length=254), nullable=False),
        sa.Column('subject', sa.String(length=300), nullable=False),
        sa.Column('source', sa.String(length=16), nullable=False),
        sa.Column('outcome', sa.String(length=16), nullable=False),
        sa.Column('reason', sa.String(length=200), nullable=True),
        sa.Column('ticket_id', sa.Integer(), nullable=True),
        sa.Column('ticket_message_id', sa.Integer(), nullable=True),
        sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id']),
        sa.ForeignKeyConstraint(['ticket_message_id'], ['ticket_messages.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('message_id'),
    )
    op.create_index('ix_inbound_emails_ticket_id', 'inbound_emails', ['ticket_id'])
    op.create_index(
        'ix_inbound_emails_from_received', 'inbound_emails', ['from_email', 'received_at']
    )
    op.create_table(
        'inbound_attachments',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('email_id', sa.Integer(), nullable=False),
        sa.Column('ticket_id', sa.Integer(), nullable=True),
        sa.Column('filename', sa.String(length=200), nullable=False),
        sa.Column('content_type', sa.String(length=120), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('stored', sa.Boolean(), nullable=False),
        sa.Column('refused', sa.String(length=120), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['email_id'], ['inbound_emails.id']),
        sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_inbound_attachments_email_id', 'inbound_attachments', ['email_id'])
    op.create_index('ix_inbound_attachments_ticket_id', 'inbound_attachments', ['ticket_id'])


def downgrade():
    op.drop_index('ix_inbound_attachments_ticket_id', table_name='inbound_attachments')
    op.drop_index('ix_inbound_attachments_email_id', table_name='inbound_attachments')
    op.drop_table('inbound_attachments')
    op.drop_index('ix_inbound_emails_from_received', table_name='inbound_emails')
    op.drop_index('ix_inbound_emails_ticket_id', table_name='inbound_emails')
    op.drop_table('inbound_emails')
    with op.batch_alter_table('ticket_messages', schema=None) as batch_op:
        batch_op.drop_column('channel')
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_constraint('fk_tickets_follows_ticket_id', type_='foreignkey')
        batch_op.drop_column('follows_ticket_id')
