"""booking links: managers' availability (also their booking lock), busy times read from
their own calendar, and which calls partners booked themselves

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04 20:07:29.927378

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('availabilities',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('weekly_hours', sa.JSON(), nullable=False),
    sa.Column('call_minutes', sa.Integer(), nullable=False),
    sa.Column('buffer_minutes', sa.Integer(), nullable=False),
    sa.Column('notice_hours', sa.Integer(), nullable=False),
    sa.Column('horizon_days', sa.Integer(), nullable=False),
    sa.Column('max_per_day', sa.Integer(), nullable=False),
    sa.Column('dates_off', sa.JSON(), nullable=False),
    sa.Column('video_url', sa.String(length=500), nullable=False),
    sa.Column('link_version', sa.Integer(), nullable=False),
    sa.Column('lock_serial', sa.Integer(), nullable=False),
    sa.Column('calendar_url', sa.String(length=1000), nullable=False),
    sa.Column('calendar_username', sa.String(length=200), nullable=False),
    sa.Column('calendar_password', sa.String(length=1000), nullable=False),
    sa.Column('calendar_requested_at', sa.DateTime(), nullable=True),
    sa.Column('calendar_read_at', sa.DateTime(), nullable=True),
    sa.Column('calendar_error', sa.String(length=500), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_availabilities_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_availabilities'))
    )
    op.create_table('busy_times',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('starts_at', sa.DateTime(), nullable=False),
    sa.Column('ends_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_busy_times_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_busy_times'))
    )
    with op.batch_alter_table('busy_times', schema=None) as batch_op:
        batch_op.create_index('ix_busy_times_user_start', ['user_id', 'starts_at'], unique=False)

    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('booked_via', sa.String(length=16), server_default='', nullable=False))


def downgrade():
    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.drop_column('booked_via')

    with op.batch_alter_table('busy_times', schema=None) as batch_op:
        batch_op.drop_index('ix_busy_times_user_start')

    op.drop_table('busy_times')
    op.drop_table('availabilities')
