"""Browsing stays fast as data grows: the number of SQL statements a page runs does not depend on how many
needs there are (no N+1), checked with 60 needs and again with 10,000."""

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event

from matchmaker.extensions import db
from matchmaker.models import Role
from tests.helpers.browsing import member, signed_in_client
from tests.helpers.builders import make_contract, make_need, make_offer
from tests.helpers.bulk import bulk_needs, bulk_organisations

MOST_QUERIES = 12
KILBURN = "E05013503"


@contextmanager
def counting_queries(app) -> Iterator[list[str]]:
    """The SQL statements run inside the block (an executemany counts once)."""
    with app.app_context():
        engine = db.engine
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


def query_counts(app, clients: dict, urls: list[str]) -> dict[tuple[str, str], int]:
    counts = {}
    for persona, client in clients.items():
        for url in urls:
            with counting_queries(app) as statements:
                response = client.get(url)
            assert response.status_code == 200, f"{url} as {persona}"
            counts[(persona, url)] = len(statements)
    return counts


def test_browsing_needs_runs_the_same_few_queries_with_60_or_10000_needs(app):
    with app.app_context():
        organisations = bulk_organisations(20)
        need_id = make_need(
            title="English lessons for adults",
            priorities=("good-jobs",),
            wards=("Kilburn",),
            support_types=("volunteering",),
        ).id
        bulk_needs(59, organisations, seed=1)
        supplier = member(Role.SUPPLIER_MEMBER)
    clients = {"anonymous": app.test_client(), "supplier": signed_in_client(app, supplier)}
    urls = [
        "/needs",
        "/needs?page=2",
        "/needs?q=englsh+lesons",
        f"/needs?priority=good-jobs&ward={KILBURN}&type=volunteering&q=english",
        f"/needs?priority=good-jobs&priority=environment&ward={KILBURN}&type=volunteering&page=2",
        f"/needs/{need_id}",
    ]

    small = query_counts(app, clients, urls)
    assert max(small.values()) <= MOST_QUERIES, small

    with app.app_context():
        bulk_needs(10_000 - 60, organisations, seed=2)
    large = query_counts(app, clients, urls)
    assert large == small, (small, large)


def test_browsing_offers_runs_a_few_queries(app):
    with app.app_context():
        contract = make_contract()
        offer_ids = [
            make_offer(
                contract,
                title=f"Offer {n}",
                priorities=("good-jobs", "environment"),
                wards=("Kilburn", "Roundwood"),
                support_types=("skills", "space"),
            ).id
            for n in range(25)
        ]
        group = member(Role.GROUP_MEMBER)
    client = signed_in_client(app, group)
    counts = query_counts(
        app,
        {"group": client},
        [
            "/offers",
            "/offers?q=offr",
            "/offers?page=2",
            f"/offers?ward={KILBURN}&type=skills",
            f"/offers/{offer_ids[0]}",
        ],
    )
    assert max(counts.values()) <= MOST_QUERIES, counts
