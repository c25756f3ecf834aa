"""sign-in locks per (email address, source) instead of per account

Revision ID: e3a9b71c5d40
Revises: 7c3e5f1a9d24
Create Date: 2026-12-02 13:45:00

"""
import sqlalchemy as sa
from alembic import op



# revision identifiers, used by Alembic.
revision = 'e3a9b71c5d40'
down_revision = '7c3e5f1a9d24'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'sign_in_lock',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('email_key', sa.String(length=64), nullable=False),
        sa.Column('source_key', sa.String(length=64), nullable=False),
        sa.Column('failures', sa.Integer(), nullable=False),
        sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_sign_in_lock')),
        sa.UniqueConstraint('email_key', 'source_key', name=op.f('uq_sign_in_lock_email_key')),
    )
    with op.batch_alter_table('sign_in_lock', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sign_in_lock_email_key'), ['email_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_sign_in_lock_updated_at'), ['updated_at'], unique=False)
    # A whole account locked by anyone's wrong passwords let a stranger deny service: the counts move to the
    # table above, per source.
    with op.batch_alter_table('app_user', schema=None) as batch_op:
        batch_op.drop_column('locked_until')
        batch_op.drop_column('failed_sign_ins')


def downgrade():
    with op.batch_alter_table('app_user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('failed_sign_ins', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table('sign_in_lock', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sign_in_lock_updated_at'))
        batch_op.drop_index(batch_op.f('ix_sign_in_lock_email_key'))
    op.drop_table('sign_in_lock')
