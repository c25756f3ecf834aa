"""Officers upload a ward-level index; needs in wards with most need rise in the proposals."""

import io

from sqlalchemy import select

from matchmaker.extensions import db
from matchmaker.models import Proposal, Ward
from tests.helpers.builders import make_need, make_offer, make_officer
from tests.helpers.web import csrf_token, sign_in, text_of


def upload(client, content: bytes, direction: str = "more"):
    token = csrf_token(client, "/officers/ward-weights")
    return client.post(
        "/officers/ward-weights",
        data={"csrf_token": token, "direction": direction, "file": (io.BytesIO(content), "wards.csv")},
        content_type="multipart/form-data",
    )


def _weights(app) -> dict[str, float]:
    with app.app_context():
        return {w.name: w.need_weight for w in db.session.scalars(select(Ward)) if w.need_weight is not None}


def _officer(app, client) -> None:
    with app.app_context():
        email = make_officer().email
    sign_in(client, email)


def test_an_index_where_higher_means_more_need_is_rescaled_and_lifts_needs_there(app, client):
    with app.app_context():
        kilburn = make_need(title="Volunteers for our larder", wards=("Kilburn",)).id
        alperton = make_need(title="Volunteers for our larder", wards=("Alperton",)).id
        make_offer(title="Volunteer teams", borough_wide=True)
    _officer(app, client)
    response = upload(client, b"ward,value\nKilburn,80\nAlperton,20\nE05013499,50\n")
    assert response.status_code == 302
    assert _weights(app) == {"Kilburn": 1.0, "Alperton": 0.0, "Cricklewood and Mapesbury": 0.5}
    page = text_of(client.get("/officers/ward-weights"))
    assert "Ward weights saved for 3 wards. Proposals have been refreshed." in page
    with app.app_context():
        score = dict(db.session.execute(select(Proposal.need_id, Proposal.score)).all())
    assert score[kilburn] > score[alperton]


def test_an_index_where_higher_means_less_need_is_turned_round(app, client):
    _officer(app, client)
    assert upload(client, b"Ward,Value\nkilburn,70.5\nCricklewood & Mapesbury,60.5\n", "less").status_code == 302
    assert _weights(app) == {"Kilburn": 0.0, "Cricklewood and Mapesbury": 1.0}


def test_every_bad_row_is_reported_and_nothing_changes(app, client):
    _officer(app, client)
    upload(client, b"ward,value\nKilburn,10\nAlperton,20\n")
    response = upload(client, b"ward,value\nCamden,10\nKilburn,lots\nKilburn,5\n,3\n")
    page = text_of(response)
    assert "The file has 4 problems: no weights were changed" in page
    for message in (
        "row 2, column ward: 'Camden' is not a Brent ward",
        "row 3, column value: 'lots' is not a number",
        "row 4, column ward: Kilburn is in the file twice",
        "row 5, column ward: the ward is missing",
    ):
        assert message in page
    assert _weights(app) == {"Kilburn": 0.0, "Alperton": 1.0}


def test_unreadable_files_get_a_clear_message(app, client):
    _officer(app, client)
    assert "The file is empty" in text_of(upload(client, b""))
    assert "The file is not UTF-8 encoded" in text_of(upload(client, "ward,value\nKilburn,5\n".encode("utf-16")))
    assert "The header must have the columns ward and value" in text_of(upload(client, b"name,score\nKilburn,5\n"))
    assert "Select what higher values mean" in text_of(upload(client, b"ward,value\nKilburn,5\n", direction="up"))


def test_weights_can_be_removed(app, client):
    _officer(app, client)
    upload(client, b"ward,value\nKilburn,10\nAlperton,20\n")
    token = csrf_token(client, "/officers/ward-weights")
    client.post("/officers/ward-weights/clear", data={"csrf_token": token})
    assert _weights(app) == {}
    assert "No ward weights are set" in text_of(client.get("/officers/ward-weights"))
