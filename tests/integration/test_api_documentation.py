"""People read the API's documentation on the site itself, built from the OpenAPI document the API serves."""

from tests.helpers.builders import make_user
from tests.helpers.web import sign_in, text_of


def test_every_operation_in_the_openapi_document_is_documented(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    page = client.get("/api-documentation")
    assert page.status_code == 200
    text = text_of(page)
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method in ("get", "post", "patch", "put", "delete"):
                assert f"{method.upper()} {path}" in text
                assert " ".join(operation.get("summary", "").split()) in text
    # The request body's fields, with whether each is required.
    assert "What to send (body: NeedCreate)" in text and "title Body string Yes" in text
    assert "unit Body string (one of hours, people, items, pounds, days, places) No" in text
    assert "<code>needed_by</code>" in page.get_data(as_text=True)
    assert "401 Unauthorized" in text
    assert "cdn" not in page.get_data(as_text=True).lower()  # nothing from elsewhere


def test_the_api_tokens_page_links_to_the_documentation(app, client):
    with app.app_context():
        sign_in(client, make_user().email)
    html = client.get("/account/api-tokens").get_data(as_text=True)
    assert 'href="/api-documentation">API documentation</a>' in html
