"""ownership: groups and members, ticket group and priority, tags, read markers

Revision ID: desk0001
Revises: journey0001
Create Date: 2026-12-07 16:40:00.000000

``groups`` are teams of agents (``group_members``); a ticket gains ``group_id`` and a
``priority`` (low/normal/high/urgent, existing tickets "normal"); ``ticket_tags`` holds
normalized tags; ``ticket_reads`` the last message each agent saw of a ticket (the queue's
"new customer message" marker). The status "on_hold" needs no schema change.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'desk0001'
down_revision = 'journey0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'groups',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=80), nullable=False),
        sa.Column('description', sa.String(length=300), nullable=False, server_default=''),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('name'),
    )
    op.create_table(
        'group_members',
        sa.Column('group_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['group_id'], ['groups.id']),
        sa.ForeignKeyConstraint(['user_id'], ['users.id']),
        sa.PrimaryKeyConstraint('group_id', 'user_id'),
    )
    op.create_index('ix_group_members_user_id', 'group_members', ['user_id'])
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('group_id', sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column('priority', sa.String(length=16), nullable=False, server_default='normal')
        )
        batch_op.create_foreign_key('fk_tickets_group_id', 'groups', ['group_id'], ['id'])
        batch_op.create_index('ix_tickets_group_id', ['group_id'])
        batch_op.create_index('ix_tickets_priority', ['priority'])
    op.create_table(
        'ticket_tags',
        sa.Column('ticket_id', sa.Integer(), nullable=False),
        sa.Column('tag', sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id']),
        sa.PrimaryKeyConstraint('ticket_id', 'tag'),
    )
    op.create_index('ix_ticket_tags_tag', 'ticket_tags', ['tag'])
    op.create_table(
        'ticket_reads',
        sa.Column('ticket_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('message_id', sa.Integer(), nullable=False),
        sa.Column('seen_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id']),
        sa.ForeignKeyConstraint(['user_id'], ['users.id']),
        sa.PrimaryKeyConstraint('ticket_id', 'user_id'),
    )


def downgrade():
    op.drop_table('ticket_reads')
    op.drop_index('ix_ticket_tags_tag', table_name='ticket_tags')
    op.drop_table('ticket_tags')
    # Statuses the old code does not know go back to the nearest one it does.
    op.execute("UPDATE tickets SET status = 'open' WHERE status = 'on_hold'")
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_index('ix_tickets_priority')
        batch_op.drop_index('ix_tickets_group_id')
        batch_op.drop_constraint('fk_tickets_group_id', type_='foreignkey')
        batch_op.drop_column('priority')
        batch_op.drop_column('group_id')
    op.drop_index('ix_group_members_user_id', table_name='group_members')
    op.drop_table('group_members')
    op.drop_table('groups')
