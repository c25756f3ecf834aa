"""`matchmaker tune` learns weights from decisions and keeps them only if they rank better on unseen needs."""

import csv
import json

from matchmaker.services.reference_data import SEEDS_DIR

WARDS = [
    "E05013496",
    "E05013497",
    "E05013498",
    "E05013499",
    "E05013500",
    "E05013501",
    "E05013502",
    "E05013503",
    "E05013504",
    "E05013505",
    "E05013506",
    "E05013507",
]
FAR = {"E05013496": "E05013503", "E05013503": "E05013496"}  # Alperton and Kilburn: far apart


def _write(folder, name, rows):
    with (folder / name).open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def _decisions_that_follow_location(folder):
    """Brokers here always chose the offer in the need's own ward, even when another offer's words fit better."""
    needs, offers, labels = [], [], []
    for i, ward in enumerate(WARDS, start=1):
        far_ward = FAR.get(ward, "E05013496" if ward != "E05013496" else "E05013503")
        needs.append(
            {
                "ref": f"N{i}",
                "title": f"Garden volunteers {i}",
                "description": "Weeding the garden beds.",
                "priorities": "environment",
                "wards": ward,
                "support_types": "volunteering",
                "quantity": "",
                "unit": "",
                "needed_by_days": "30",
            }
        )
        offers.append(
            {
                "ref": f"L{i}",
                "title": f"Staff time {i}",
                "description": "Teams for practical jobs.",
                "priorities": "environment",
                "wards": ward,
                "support_types": "volunteering",
                "quantity": "",
                "unit": "",
                "supplier": "A",
            }
        )
        offers.append(
            {
                "ref": f"T{i}",
                "title": f"Garden volunteers {i}",
                "description": "Weeding garden beds.",
                "priorities": "environment",
                "wards": far_ward,
                "support_types": "volunteering",
                "quantity": "",
                "unit": "",
                "supplier": "B",
            }
        )
        labels.append({"need_ref": f"N{i}", "best_offer_ref": f"L{i}", "also_good": ""})
    _write(folder, "needs.csv", needs)
    _write(folder, "offers.csv", offers)
    _write(folder, "labels.csv", labels)


def test_weights_that_rank_better_are_learned_and_saved(app, runner, tmp_path, monkeypatch):
    weights_file = tmp_path / "weights.json"
    monkeypatch.setitem(app.config, "MATCHING_WEIGHTS_FILE", str(weights_file))
    labels = tmp_path / "labels"
    labels.mkdir()
    _decisions_that_follow_location(labels)
    result = runner.invoke(args=["tune", "--labels", str(labels), "--folds", "3"])
    assert result.exit_code == 0, result.output
    assert "Learning from 12 decisions" in result.output
    assert "Saved to" in result.output
    learned = json.loads(weights_file.read_text())
    assert learned["location"] > learned["text"]  # these brokers cared about place more than wording


def test_weights_that_do_not_rank_better_are_not_saved(app, runner, tmp_path, monkeypatch):
    weights_file = tmp_path / "weights.json"
    monkeypatch.setitem(app.config, "MATCHING_WEIGHTS_FILE", str(weights_file))
    result = runner.invoke(args=["tune", "--labels", str(SEEDS_DIR / "eval")])
    assert result.exit_code == 0, result.output
    assert "Not saved: the fitted weights do not rank better than the current ones." in result.output
    assert not weights_file.exists()


def test_tune_says_where_decisions_will_come_from(runner):
    result = runner.invoke(args=["tune"])
    assert result.exit_code == 1 and "at least 10 are needed to learn from" in result.output


def test_officers_decisions_are_the_training_data(app, runner, tmp_path, monkeypatch):
    """Officers approved the nearby offer and rejected the well-worded far one, for twelve needs: tune learns it."""
    from decimal import Decimal

    from matchmaker.extensions import db
    from matchmaker.models import Match, MatchStatus, RejectionReason
    from tests.helpers.builders import make_need, make_offer

    weights_file = tmp_path / "weights.json"
    monkeypatch.setitem(app.config, "MATCHING_WEIGHTS_FILE", str(weights_file))
    near = {
        "text": 0.05,
        "priority": 1.0,
        "location": 1.0,
        "support": 1.0,
        "capacity": 0.9,
        "urgency": 0.3,
        "fairness": 1.0,
    }
    far = {**near, "text": 0.6, "location": 0.05}
    with app.app_context():
        offer_near, offer_far = make_offer(title="Near"), make_offer(title="Far")
        for i in range(12):
            need = make_need(title=f"Need {i}")
            db.session.add_all(
                [
                    Match(
                        need=need,
                        offer=offer_near,
                        quantity=Decimal(1),
                        status=MatchStatus.APPROVED,
                        source="engine",
                        components=near,
                    ),
                    Match(
                        need=need,
                        offer=offer_far,
                        status=MatchStatus.DECLINED,
                        source="engine",
                        components=far,
                        reason=RejectionReason.WRONG_WARD,
                    ),
                ]
            )
        db.session.commit()
    result = runner.invoke(args=["tune", "--folds", "3"])
    assert result.exit_code == 0, result.output
    assert "Learning from officers' decisions on 12 needs" in result.output and "Saved to" in result.output
    learned = json.loads(weights_file.read_text())
    assert learned["location"] > learned["text"]
