"""macros: saved replies with one text per locale and ticket actions

Revision ID: desk0002
Revises: desk0001
Create Date: 2026-12-07 16:50:00.000000
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'desk0002'
down_revision = 'desk0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'macros',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=120), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False, server_default=sa.true()),
        sa.Column('set_status', sa.String(length=16), nullable=True),
        sa.Column('set_priority', sa.String(length=16), nullable=True),
        sa.Column('add_tags', sa.JSON(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('name'),
    )
    op.create_table(
        'macro_texts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('macro_id', sa.Integer(), nullable=False),
        sa.Column('locale', sa.String(length=16), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['macro_id'], ['macros.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('macro_id', 'locale'),
    )
    op.create_index('ix_macro_texts_macro_id', 'macro_texts', ['macro_id'])


def downgrade():
    op.drop_index('ix_macro_texts_macro_id', table_name='macro_texts')
    op.drop_table('macro_texts')
    op.drop_table('macros')
