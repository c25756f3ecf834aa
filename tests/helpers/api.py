"""Calling the JSON API as a user: a personal token in the Authorization header, as a script would."""

from matchmaker.extensions import db
from matchmaker.models import User
from matchmaker.services import api_tokens


def bearer(user: User, name: str = "Test script") -> dict:
    """Headers carrying a new personal API token of `user`'s."""
    _, raw = api_tokens.create_token(user, name, None)
    db.session.commit()
    return {"Authorization": f"Bearer {raw}"}
