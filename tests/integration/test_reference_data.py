"""Brent's reference data as `matchmaker setup` loads it."""

import csv

from sqlalchemy import func, select

from matchmaker.extensions import db
from matchmaker.models import Priority, SupportType, Ward, WardAdjacency
from matchmaker.services.reference_data import SEEDS_DIR, load_reference_data


def test_all_22_wards_with_codes_names_centroids_populations_and_boundaries(ctx):
    wards = db.session.scalars(select(Ward).order_by(Ward.ons_code)).all()
    assert [w.ons_code for w in wards] == [f"E050{n}" for n in range(13496, 13518)]
    assert sum(w.population for w in wards) == 339_815  # 2021 Census usual residents
    by_name = {w.name: w for w in wards}
    assert by_name["Cricklewood and Mapesbury"].ons_name == "Cricklewood & Mapesbury"
    for ward in wards:
        assert 51.5 < ward.latitude < 51.6 and -0.35 < ward.longitude < -0.18, ward.name
        assert ward.boundary["type"] in ("Polygon", "MultiPolygon"), ward.name


def test_neighbours_are_symmetric_and_match_the_source(ctx):
    assert db.session.scalar(select(func.count()).select_from(WardAdjacency)) == 96  # 48 pairs, both ways
    alperton = db.session.scalar(select(Ward).where(Ward.name == "Alperton"))
    assert [w.name for w in alperton.neighbours] == ["Stonebridge", "Sudbury", "Tokyngton", "Wembley Central"]
    with (SEEDS_DIR / "wards.csv").open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            ward = db.session.scalar(select(Ward).where(Ward.ons_code == row["ons_code"]))
            assert sorted(n.ons_name for n in ward.neighbours) == sorted(row["neighbours"].split("|")), ward.name


def test_priorities_use_the_policy_wording_and_agreed_slugs(ctx):
    priorities = db.session.scalars(select(Priority).order_by(Priority.number)).all()
    assert [p.slug for p in priorities] == [
        "good-jobs",
        "inclusive-economy",
        "reducing-inequalities",
        "environment",
        "vcse-capacity",
    ]
    assert priorities[0].title == "Good jobs and fair work"
    assert priorities[2].title == (
        "Reducing inequalities and strengthening community wellbeing, resilience, and participation"
    )
    assert priorities[4].title == "Building community and voluntary sector capacity"


def test_support_types(ctx):
    slugs = db.session.scalars(select(SupportType.slug).order_by(SupportType.position)).all()
    assert slugs == ["volunteering", "skills", "in-kind", "donation", "employment", "space"]


def test_loading_again_changes_nothing_and_duplicates_nothing(ctx):
    before = {
        model: db.session.scalar(select(func.count()).select_from(model))
        for model in (Ward, WardAdjacency, Priority, SupportType)
    }
    summary = load_reference_data()
    db.session.commit()
    after = {model: db.session.scalar(select(func.count()).select_from(model)) for model in before}
    assert before == after
    assert str(summary) == "22 wards, 48 neighbouring pairs, 5 priorities, 6 support types"


def test_a_corrected_seed_file_updates_rows_in_place(ctx, tmp_path):
    for name in ("wards.csv", "ward_adjacency.csv", "ward_boundaries.geojson", "priorities.csv", "support_types.csv"):
        (tmp_path / name).write_bytes((SEEDS_DIR / name).read_bytes())
    priorities = (tmp_path / "priorities.csv").read_text(encoding="utf-8")
    (tmp_path / "priorities.csv").write_text(
        priorities.replace("Good jobs and fair work", "Good jobs and fair work!"), encoding="utf-8"
    )
    load_reference_data(tmp_path)
    assert db.session.scalar(select(Priority.title).where(Priority.slug == "good-jobs")) == "Good jobs and fair work!"
    assert db.session.scalar(select(func.count()).select_from(Priority)) == 5
    db.session.rollback()
