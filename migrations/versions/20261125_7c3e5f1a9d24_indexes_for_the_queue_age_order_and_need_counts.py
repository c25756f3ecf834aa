"""indexes for the queue's oldest-first order and for counting open needs

Revision ID: 7c3e5f1a9d24
Revises: 5a1c9e7d2b40
Create Date: 2026-11-25 04:45:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '7c3e5f1a9d24'
down_revision = '5a1c9e7d2b40'
branch_labels = None
depends_on = None


def upgrade():
    # "Waiting longest first" sorted all 30,000 waiting proposals for each page; the database now walks this index.
    op.create_index('ix_proposal_created_at', 'proposal', ['created_at', 'id'], unique=False)
    # Counting the open needs (the lists' totals, the queue's count) from the index alone, not the wide rows.
    op.create_index('ix_need_status_id', 'need', ['status', 'id'], unique=False)


def downgrade():
    op.drop_index('ix_need_status_id', table_name='need')
    op.drop_index('ix_proposal_created_at', table_name='proposal')
