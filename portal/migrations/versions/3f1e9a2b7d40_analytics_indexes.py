"""analytics indexes: period (and locale) range scans for the self-service dashboard

Revision ID: 3f1e9a2b7d40
Revises: 7c82bd771da6
Create Date: 2026-11-28 10:00:00.000000

Each dashboard aggregate filters one table on ``created_at`` in [start, end) and, optionally,
on a locale. These composite indexes serve that range scan and, where the aggregate reads
only a few small columns, cover it (no table lookups). They are mirrored as ``sa.Index``
declarations at the end of ``portal/models.py`` so ``db.create_all`` agrees.
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '3f1e9a2b7d40'
down_revision = '7c82bd771da6'
branch_labels = None
depends_on = None

INDEXES = (
    ('search_log', 'ix_search_log_created_locale_results', ['created_at', 'locale', 'result_count']),
    ('tickets', 'ix_tickets_created_locale', ['created_at', 'locale']),
    ('deflections', 'ix_deflections_created_locale', ['created_at', 'locale']),
    ('article_votes', 'ix_article_votes_created_locale_helpful', ['created_at', 'locale', 'helpful']),
    ('article_links', 'ix_article_links_created_locale', ['created_at', 'locale']),
    ('translation_requests', 'ix_translation_requests_created_wanted', ['created_at', 'wanted_locale']),
)


def upgrade():
    for table, name, columns in INDEXES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_index(name, columns, unique=False)


def downgrade():
    for table, name, _columns in reversed(INDEXES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(name)
