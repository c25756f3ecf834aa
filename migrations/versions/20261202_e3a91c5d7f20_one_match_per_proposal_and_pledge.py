"""one match per proposal and per pledge; deliveries' received and verified amounts within what was reported

Revision ID: e3a91c5d7f20
Revises: e3a9b71c5d40
Create Date: 2026-12-02 13:45:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e3a91c5d7f20'
down_revision = 'e3a9b71c5d40'
branch_labels = None
depends_on = None


def _refuse_duplicates(bind) -> None:
    """Before issue 12's fix a double-click could approve a pledge twice: say which, rather than fail obscurely."""
    twice = bind.execute(
        sa.text("SELECT pledge_id FROM match WHERE pledge_id IS NOT NULL GROUP BY pledge_id HAVING COUNT(*) > 1")
    ).scalars().all()
    if twice:
        raise RuntimeError(
            f"Pledges {', '.join(map(str, twice))} each have more than one match. End all but one match of each "
            "(the extra ones were double approvals), then run the upgrade again."
        )


def upgrade():
    bind = op.get_bind()
    _refuse_duplicates(bind)
    if bind.dialect.name == 'sqlite':
        # Proposal ids must never be reused, as a match records the one it decided (PostgreSQL's never are).
        with op.batch_alter_table('proposal', recreate='always', table_kwargs={'sqlite_autoincrement': True}):
            pass
    with op.batch_alter_table('match', schema=None) as batch_op:
        batch_op.add_column(sa.Column('proposal_id', sa.Integer(), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_match_proposal_id'), ['proposal_id'])
        batch_op.create_unique_constraint(batch_op.f('uq_match_pledge_id'), ['pledge_id'])
    with op.batch_alter_table('delivery', schema=None) as batch_op:
        batch_op.create_check_constraint(
            'received_within_reported', 'received_quantity IS NULL OR received_quantity <= quantity'
        )
        batch_op.create_check_constraint(
            'verified_within_received', 'verified_quantity IS NULL OR verified_quantity <= received_quantity'
        )


def downgrade():
    with op.batch_alter_table('delivery', schema=None) as batch_op:
        batch_op.drop_constraint('verified_within_received', type_='check')
        batch_op.drop_constraint('received_within_reported', type_='check')
    with op.batch_alter_table('match', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_match_pledge_id'), type_='unique')
        batch_op.drop_constraint(batch_op.f('uq_match_proposal_id'), type_='unique')
        batch_op.drop_column('proposal_id')
    if op.get_bind().dialect.name == 'sqlite':
        with op.batch_alter_table('proposal', recreate='always', table_kwargs={'sqlite_autoincrement': False}):
            pass
