"""Password rules in line with NCSC advice: length and a block-list, no composition rules, no expiry.

NCSC ("Password administration for system owners", "Three random words"): length beats forced symbols;
block the most common passwords; never force regular changes. So: at least 12 characters, at most 128, not
a common password (nor one with digits or symbols stuck on either end, or spaces in the middle), not built
from the service's name or the user's own email. Passwords never expire.

The block-list is the 10,000 commonest passwords in `seeds/common_passwords.txt` (see `seeds/README.md`),
plus a few local guesses below.
"""

import re
from functools import cache

from matchmaker import PROJECT_ROOT

MIN_LENGTH = 12
MAX_LENGTH = 128
BLOCK_LIST_FILE = PROJECT_ROOT / "seeds" / "common_passwords.txt"

# Obvious local guesses that no general list has.
LOCAL_GUESSES = frozenset(
    {
        "administrator",
        "matchmaker",
        "brentcouncil",
        "brent",
        "socialvalue",
        "wembley",
        "kilburn",
        "harlesden",
        "brentmatchmaker",
        "socialvaluematchmaker",
        "london",
        "council",
    }
)

TOO_EASY = "Password is too easy to guess. Try three random words, like ‘kettle river lantern’"
_EDGES = re.compile(r"^[\d\W_]+|[\d\W_]+$")


@cache
def common_passwords() -> frozenset[str]:
    with BLOCK_LIST_FILE.open(encoding="utf-8") as lines:
        return frozenset(line.strip().lower() for line in lines if line.strip()) | LOCAL_GUESSES


def _guessable_forms(password: str) -> set[str]:
    """The password as a guesser tries it: as typed, without spaces, and without digits or symbols at the ends."""
    lowered = password.lower()
    squashed = re.sub(r"\s+", "", lowered)
    return {lowered, squashed, _EDGES.sub("", lowered), _EDGES.sub("", squashed)}


def password_problem(password: str, email: str = "") -> str | None:
    """Return what is wrong with a new password in GOV.UK wording, or None if it is acceptable."""
    if len(password) < MIN_LENGTH:
        return f"Password must be {MIN_LENGTH} characters or more"
    if len(password) > MAX_LENGTH:
        return f"Password must be {MAX_LENGTH} characters or fewer"
    lowered = password.lower()
    if _guessable_forms(password) & common_passwords() or len(set(lowered)) <= 2:
        return TOO_EASY
    local_part = email.split("@", 1)[0].lower()
    if len(local_part) >= 4 and local_part in lowered:
        return "Password must not contain your email address"
    return None
