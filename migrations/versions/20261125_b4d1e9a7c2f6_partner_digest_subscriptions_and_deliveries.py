"""partner digest: subscriptions, and one delivery record per (person, period)

Revision ID: b4d1e9a7c2f6
Revises: b4e1a7c90d21
Create Date: 2026-11-25 01:50:00.000000

The new organisation kind ("partner") and role ("partner_member") need no schema change: both columns are
checked VARCHARs without a database constraint (see str_enum).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b4d1e9a7c2f6'
down_revision = 'b4e1a7c90d21'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('digest_subscription',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('frequency', sa.Enum('monthly', 'weekly', 'none', name='digestfrequency', native_enum=False, length=30), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], name=op.f('fk_digest_subscription_user_id_app_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_digest_subscription')),
    sa.UniqueConstraint('user_id', name=op.f('uq_digest_subscription_user_id'))
    )
    op.create_table('digest_subscription_priority',
    sa.Column('subscription_id', sa.Integer(), nullable=False),
    sa.Column('priority_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['priority_id'], ['priority.id'], name=op.f('fk_digest_subscription_priority_priority_id_priority'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['subscription_id'], ['digest_subscription.id'], name=op.f('fk_digest_subscription_priority_subscription_id_digest_subscription'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('subscription_id', 'priority_id', name=op.f('pk_digest_subscription_priority'))
    )
    op.create_table('digest_subscription_ward',
    sa.Column('subscription_id', sa.Integer(), nullable=False),
    sa.Column('ward_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['subscription_id'], ['digest_subscription.id'], name=op.f('fk_digest_subscription_ward_subscription_id_digest_subscription'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['ward_id'], ['ward.id'], name=op.f('fk_digest_subscription_ward_ward_id_ward'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('subscription_id', 'ward_id', name=op.f('pk_digest_subscription_ward'))
    )
    op.create_table('digest_delivery',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('period', sa.String(length=10), nullable=False),
    sa.Column('status', sa.Enum('sending', 'sent', 'skipped_empty', 'retry', 'failed', name='digeststatus', native_enum=False, length=30), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('error', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], name=op.f('fk_digest_delivery_user_id_app_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_digest_delivery')),
    sa.UniqueConstraint('user_id', 'period', name='uq_digest_delivery_user_period')
    )
    with op.batch_alter_table('digest_delivery', schema=None) as batch_op:
        batch_op.create_index('ix_digest_delivery_period_status', ['period', 'status'], unique=False)


def downgrade():
    with op.batch_alter_table('digest_delivery', schema=None) as batch_op:
        batch_op.drop_index('ix_digest_delivery_period_status')
    op.drop_table('digest_delivery')
    op.drop_table('digest_subscription_ward')
    op.drop_table('digest_subscription_priority')
    op.drop_table('digest_subscription')
