"""access links: "find my requests" emails a short-lived, single-use link

Revision ID: 5a1c0e22d006
Revises: 5a1c0e22d001
Create Date: 2026-12-07 12:20:00.000000
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5a1c0e22d006'
down_revision = '5a1c0e22d001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'access_links',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('email', sa.String(length=254), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('token_hash'),
    )
    op.create_index('ix_access_links_email', 'access_links', ['email'])


def downgrade():
    op.drop_index('ix_access_links_email', table_name='access_links')
    op.drop_table('access_links')
