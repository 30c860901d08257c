"""user session tokens: signing out and a new password end every copy of a session

Revision ID: 4bf3b49ffcce
Revises: 3f1e9a2b7d40
Create Date: 2026-11-29 05:10:00.000000

flask-login keeps ``User.get_id()`` in the session and the remember cookie; it is now this
random per-user token instead of the numeric id, so replacing the token turns old cookies
away. Existing accounts each get their own fresh token (so everyone signs in once more).
"""
import secrets

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '4bf3b49ffcce'
down_revision = '3f1e9a2b7d40'
branch_labels = None
depends_on = None

users = sa.table('users', sa.column('id', sa.Integer), sa.column('session_token', sa.String))


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_token', sa.String(length=64), nullable=True))

    connection = op.get_bind()
    for (user_id,) in connection.execute(sa.select(users.c.id)).all():
        connection.execute(
            users.update()
            .where(users.c.id == user_id)
            .values(session_token=secrets.token_urlsafe(32))
        )

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.alter_column(
            'session_token', existing_type=sa.String(length=64), nullable=False
        )
        batch_op.create_index(batch_op.f('ix_users_session_token'), ['session_token'], unique=True)


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_users_session_token'))
        batch_op.drop_column('session_token')
