"""agent notifications: each agent chooses which ticket events email them

Revision ID: 5a1c0e22d007
Revises: 5a1c0e22d006
Create Date: 2026-12-07 12:25:00.000000
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5a1c0e22d007'
down_revision = '5a1c0e22d006'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('notify_new_tickets', sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(
            sa.Column('notify_replies', sa.Boolean(), nullable=False, server_default=sa.true())
        )


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('notify_replies')
        batch_op.drop_column('notify_new_tickets')
