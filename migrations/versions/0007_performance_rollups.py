"""performance rollups: a program's figures per day and a membership's per month

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 22:54:05.782135

Both tables are kept by crm.performance.rollups whenever performance_days is written; this
migration fills them once from the days already stored.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

SUMS = ("sum(d.clicks), sum(d.conversions), sum(d.revenue_cents), sum(d.commission_cents)")
FIGURES = "clicks, conversions, revenue_cents, commission_cents"
FIRST_OF_MONTH = {"postgresql": "CAST(date_trunc('month', d.day) AS DATE)",
                  "sqlite": "date(d.day, 'start of month')"}


def upgrade():
    op.create_table('performance_client_days',
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('clicks', sa.BigInteger(), nullable=False),
    sa.Column('conversions', sa.BigInteger(), nullable=False),
    sa.Column('revenue_cents', sa.BigInteger(), nullable=False),
    sa.Column('commission_cents', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['client_id'], ['clients.id'], name=op.f('fk_performance_client_days_client_id_clients'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('client_id', 'day', name=op.f('pk_performance_client_days'))
    )
    op.create_table('performance_membership_months',
    sa.Column('membership_id', sa.Integer(), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('clicks', sa.BigInteger(), nullable=False),
    sa.Column('conversions', sa.BigInteger(), nullable=False),
    sa.Column('revenue_cents', sa.BigInteger(), nullable=False),
    sa.Column('commission_cents', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['membership_id'], ['memberships.id'], name=op.f('fk_performance_membership_months_membership_id_memberships'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('membership_id', 'month', name=op.f('pk_performance_membership_months'))
    )
    with op.batch_alter_table('performance_membership_months', schema=None) as batch_op:
        batch_op.create_index('ix_performance_membership_months_month_membership', ['month', 'membership_id'], unique=False)
    _backfill()


def _backfill():
    """Fill both rollups from the stored days: one INSERT … SELECT … GROUP BY each."""
    month = FIRST_OF_MONTH[op.get_bind().dialect.name]
    op.execute(
        f"INSERT INTO performance_client_days (client_id, day, {FIGURES}) "
        f"SELECT m.client_id, d.day, {SUMS} FROM performance_days d "
        "JOIN memberships m ON m.id = d.membership_id GROUP BY m.client_id, d.day")
    op.execute(
        f"INSERT INTO performance_membership_months (membership_id, month, {FIGURES}) "
        f"SELECT d.membership_id, {month}, {SUMS} FROM performance_days d "
        f"GROUP BY d.membership_id, {month}")


def downgrade():
    with op.batch_alter_table('performance_membership_months', schema=None) as batch_op:
        batch_op.drop_index('ix_performance_membership_months_month_membership')

    op.drop_table('performance_membership_months')
    op.drop_table('performance_client_days')
