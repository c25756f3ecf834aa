"""text embeddings for semantic matching

Revision ID: e3b8c1d4f5a6
Revises: e3a91c5d7f20
Create Date: 2026-12-02 14:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e3b8c1d4f5a6'
down_revision = 'e3a91c5d7f20'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('text_embedding',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('need_id', sa.Integer(), nullable=True),
    sa.Column('offer_id', sa.Integer(), nullable=True),
    sa.Column('model', sa.String(length=80), nullable=False),
    sa.Column('text_hash', sa.String(length=64), nullable=False),
    sa.Column('vector', sa.LargeBinary(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('(need_id IS NULL) <> (offer_id IS NULL)', name=op.f('ck_text_embedding_one_owner')),
    sa.ForeignKeyConstraint(['need_id'], ['need.id'], name=op.f('fk_text_embedding_need_id_need'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['offer_id'], ['offer.id'], name=op.f('fk_text_embedding_offer_id_offer'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_text_embedding')),
    sa.UniqueConstraint('need_id', name=op.f('uq_text_embedding_need_id')),
    sa.UniqueConstraint('offer_id', name=op.f('uq_text_embedding_offer_id'))
    )


def downgrade():
    op.drop_table('text_embedding')
