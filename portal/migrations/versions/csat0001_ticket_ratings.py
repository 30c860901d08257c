"""ticket ratings (customer satisfaction) and the reopen count of tickets

Revision ID: csat0001
Revises: 5a1c0e22d005
Create Date: 2026-12-07 16:40:00.000000
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'csat0001'
down_revision = '5a1c0e22d005'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('reopen_count', sa.Integer(), nullable=False, server_default='0')
        )
    op.create_table(
        'ticket_ratings',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('ticket_id', sa.Integer(), nullable=False),
        sa.Column('score', sa.String(length=8), nullable=False),
        sa.Column('comment', sa.Text(), nullable=True),
        sa.Column('agent_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id']),
        sa.ForeignKeyConstraint(['agent_id'], ['users.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('ticket_id'),
    )
    with op.batch_alter_table('ticket_ratings', schema=None) as batch_op:
        batch_op.create_index('ix_ticket_ratings_created_at', ['created_at'], unique=False)


def downgrade():
    with op.batch_alter_table('ticket_ratings', schema=None) as batch_op:
        batch_op.drop_index('ix_ticket_ratings_created_at')
    op.drop_table('ticket_ratings')
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_column('reopen_count')
