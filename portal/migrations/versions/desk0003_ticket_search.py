"""ticket search: the database's own full-text index over subjects, customers and messages

Revision ID: desk0003
Revises: desk0002
Create Date: 2026-12-07 17:00:00.000000

SQLite: one FTS5 document per ticket (``ticket_fts``, rowid = ticket id: subject, email,
name, and the bodies of all its messages), kept in step by triggers and filled from the
existing rows, so every word of a query is matched by FTS5 itself in one lookup. PostgreSQL: GIN indexes over ``to_tsvector('simple', ...)`` expressions
of the same columns, which need no upkeep. The 'simple' configuration (no stemming) treats
Korean and English alike; queries match word prefixes ("환불" finds "환불은").
See :mod:`portal.agent.ticket_search`, which names these expressions once.
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'desk0003'
down_revision = 'desk0002'
branch_labels = None
depends_on = None

SQLITE_UP = [
    "CREATE VIRTUAL TABLE ticket_fts USING fts5(subject, email, name, body, tokenize='unicode61')",
    "INSERT INTO ticket_fts(rowid, subject, email, name, body) "
    "SELECT t.id, t.subject, t.email, t.name, "
    "coalesce((SELECT group_concat(m.body, ' ') FROM ticket_messages m WHERE m.ticket_id = t.id), '') "
    "FROM tickets t",
    """CREATE TRIGGER ticket_fts_insert AFTER INSERT ON tickets BEGIN
         INSERT INTO ticket_fts(rowid, subject, email, name, body)
         VALUES (new.id, new.subject, new.email, new.name, '');
       END""",
    """CREATE TRIGGER ticket_fts_update AFTER UPDATE OF subject, email, name ON tickets BEGIN
         DELETE FROM ticket_fts WHERE rowid = old.id;
         INSERT INTO ticket_fts(rowid, subject, email, name, body)
         VALUES (new.id, new.subject, new.email, new.name, coalesce(
           (SELECT group_concat(m.body, ' ') FROM ticket_messages m WHERE m.ticket_id = new.id), ''));
       END""",
    """CREATE TRIGGER ticket_fts_delete AFTER DELETE ON tickets BEGIN
         DELETE FROM ticket_fts WHERE rowid = old.id;
       END""",
    """CREATE TRIGGER message_fts_insert AFTER INSERT ON ticket_messages BEGIN
         DELETE FROM ticket_fts WHERE rowid = new.ticket_id;
         INSERT INTO ticket_fts(rowid, subject, email, name, body)
         SELECT t.id, t.subject, t.email, t.name, coalesce(
           (SELECT group_concat(m.body, ' ') FROM ticket_messages m WHERE m.ticket_id = t.id), '')
         FROM tickets t WHERE t.id = new.ticket_id;
       END""",
    """CREATE TRIGGER message_fts_update AFTER UPDATE OF body ON ticket_messages BEGIN
         DELETE FROM ticket_fts WHERE rowid = new.ticket_id;
         INSERT INTO ticket_fts(rowid, subject, email, name, body)
         SELECT t.id, t.subject, t.email, t.name, coalesce(
           (SELECT group_concat(m.body, ' ') FROM ticket_messages m WHERE m.ticket_id = t.id), '')
         FROM tickets t WHERE t.id = new.ticket_id;
       END""",
    """CREATE TRIGGER message_fts_delete AFTER DELETE ON ticket_messages BEGIN
         DELETE FROM ticket_fts WHERE rowid = old.ticket_id;
         INSERT INTO ticket_fts(rowid, subject, email, name, body)
         SELECT t.id, t.subject, t.email, t.name, coalesce(
           (SELECT group_concat(m.body, ' ') FROM ticket_messages m WHERE m.ticket_id = t.id), '')
         FROM tickets t WHERE t.id = old.ticket_id;
       END""",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS message_fts_delete",
    "DROP TRIGGER IF EXISTS message_fts_update",
    "DROP TRIGGER IF EXISTS message_fts_insert",
    "DROP TRIGGER IF EXISTS ticket_fts_delete",
    "DROP TRIGGER IF EXISTS ticket_fts_update",
    "DROP TRIGGER IF EXISTS ticket_fts_insert",
    "DROP TABLE IF EXISTS ticket_fts",
]
# Must stay identical to the expressions in portal/agent/ticket_search.py (index use).
POSTGRES_UP = [
    "CREATE INDEX ix_tickets_search ON tickets USING gin ("
    "to_tsvector('simple'::regconfig, subject || ' ' || email || ' ' || name))",
    "CREATE INDEX ix_ticket_messages_search ON ticket_messages USING gin ("
    "to_tsvector('simple'::regconfig, body))",
]
POSTGRES_DOWN = [
    "DROP INDEX IF EXISTS ix_ticket_messages_search",
    "DROP INDEX IF EXISTS ix_tickets_search",
]


def _run(statements):
    for statement in statements:
        op.execute(statement)


def upgrade():
    # A customer's tickets by address (search, "find my requests"): both databases.
    op.create_index('ix_tickets_email', 'tickets', ['email'])
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        _run(SQLITE_UP)
    elif dialect == "postgresql":
        _run(POSTGRES_UP)


def downgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        _run(SQLITE_DOWN)
    elif dialect == "postgresql":
        _run(POSTGRES_DOWN)
    op.drop_index('ix_tickets_email', table_name='tickets')
