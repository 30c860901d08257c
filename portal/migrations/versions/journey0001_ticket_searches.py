"""tickets remember the customer's search that led to them (search-log ids)

Revision ID: journey0001
Revises: email0001
Create Date: 2026-12-07 17:10:00.000000
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'journey0001'
down_revision = 'email0001'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('search_log_ids', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_column('search_log_ids')
