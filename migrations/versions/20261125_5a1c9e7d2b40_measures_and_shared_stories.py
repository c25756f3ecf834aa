"""measures (the council's own list), measure tags on offers and deliveries, groups' shared stories

Revision ID: 5a1c9e7d2b40
Revises: 56b8a382d27d
Create Date: 2026-11-25 01:50:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5a1c9e7d2b40'
down_revision = '56b8a382d27d'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('measure',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=30), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('unit', sa.Enum('hours', 'people', 'items', 'pounds', 'days', 'places', name='unit',
                              native_enum=False, length=30), nullable=False),
    sa.Column('priority_id', sa.Integer(), nullable=False),
    sa.Column('proxy_value', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('proxy_value IS NULL OR proxy_value >= 0', name=op.f('ck_measure_proxy_not_negative')),
    sa.ForeignKeyConstraint(['priority_id'], ['priority.id'], name=op.f('fk_measure_priority_id_priority'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_measure')),
    sa.UniqueConstraint('code', name=op.f('uq_measure_code'))
    )
    with op.batch_alter_table('measure', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_measure_priority_id'), ['priority_id'], unique=False)

    with op.batch_alter_table('offer', schema=None) as batch_op:
        batch_op.add_column(sa.Column('measure_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_offer_measure_id'), ['measure_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_offer_measure_id_measure'), 'measure', ['measure_id'], ['id'], ondelete='SET NULL')

    with op.batch_alter_table('delivery', schema=None) as batch_op:
        batch_op.add_column(sa.Column('measure_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('story', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('story_shared', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.create_index(batch_op.f('ix_delivery_measure_id'), ['measure_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_delivery_measure_id_measure'), 'measure', ['measure_id'], ['id'], ondelete='SET NULL')
    # Reports date delivered help by when it happened.
    op.create_index('ix_delivery_delivered_on', 'delivery', ['delivered_on'], unique=False)


def downgrade():
    op.drop_index('ix_delivery_delivered_on', table_name='delivery')
    with op.batch_alter_table('delivery', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_delivery_measure_id_measure'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_delivery_measure_id'))
        batch_op.drop_column('story_shared')
        batch_op.drop_column('story')
        batch_op.drop_column('measure_id')

    with op.batch_alter_table('offer', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_offer_measure_id_measure'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_offer_measure_id'))
        batch_op.drop_column('measure_id')

    with op.batch_alter_table('measure', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_measure_priority_id'))

    op.drop_table('measure')
