"""one delivery per report form: a double-clicked report carries one key twice

Revision ID: 7d2e4b6a9c11
Revises: 3f8a2c6d1e57
Create Date: 2026-12-02 15:25:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7d2e4b6a9c11'
down_revision = '3f8a2c6d1e57'
branch_labels = None
depends_on = None


def upgrade():
    # A plain column and a unique index: neither needs SQLite to rebuild the table.
    op.add_column('delivery', sa.Column('submission_key', sa.String(length=64), nullable=True))
    op.create_index(op.f('ix_delivery_submission_key'), 'delivery', ['submission_key'], unique=True)


def downgrade():
    op.drop_index(op.f('ix_delivery_submission_key'), table_name='delivery')
    with op.batch_alter_table('delivery', schema=None) as batch_op:
        batch_op.drop_column('submission_key')
