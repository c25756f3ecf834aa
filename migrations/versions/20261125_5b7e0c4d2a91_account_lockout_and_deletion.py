"""account lockout after failed sign-ins, deleted (anonymised) accounts, and indexes for the browse order

Revision ID: 5b7e0c4d2a91
Revises: b4d1e9a7c2f6
Create Date: 2026-11-25 02:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5b7e0c4d2a91'
down_revision = 'b4d1e9a7c2f6'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('app_user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('failed_sign_ins', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True))
    # Found by the load test: with 10,000 needs the browse pages sorted every open need for each page.
    op.create_index('ix_need_needed_by', 'need', ['needed_by'], unique=False)
    op.create_index('ix_offer_available_until', 'offer', ['available_until'], unique=False)
    op.create_index('ix_proposal_rank_pair', 'proposal', ['rank', 'need_id', 'offer_id'], unique=False)


def downgrade():
    op.drop_index('ix_proposal_rank_pair', table_name='proposal')
    op.drop_index('ix_offer_available_until', table_name='offer')
    op.drop_index('ix_need_needed_by', table_name='need')
    with op.batch_alter_table('app_user', schema=None) as batch_op:
        batch_op.drop_column('deleted_at')
        batch_op.drop_column('locked_until')
        batch_op.drop_column('failed_sign_ins')
