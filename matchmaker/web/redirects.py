"""Where to send someone after they sign in: a path on this site, never another site."""

from urllib.parse import urlsplit

from flask import url_for

from matchmaker.models import User


def safe_next(target: str | None) -> str | None:
    """`target` if it is a local path; None for anything that could leave the site ("//evil", "https://...")."""
    if not target:
        return None
    target = target.strip()
    if any(ord(ch) < 32 for ch in target) or "\\" in target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def home_for(user: User) -> str:
    if user.is_officer:
        return url_for("officers.organisations")
    return url_for("account.overview")
