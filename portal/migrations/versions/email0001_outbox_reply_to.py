"""outbox reply_to: an agent notification's Reply-To (the agent-side token address)

Revision ID: email0001
Revises: csat0001
Create Date: 2026-12-07 16:30:00.000000
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'email0001'
down_revision = 'csat0001'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reply_to', sa.String(length=254), nullable=True))


def downgrade():
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_column('reply_to')
