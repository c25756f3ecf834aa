"""Password rules in line with NCSC advice: length and a deny-list, no composition rules, no expiry.

NCSC: "Three random words" beats forced symbols; block the most common passwords; don't force regular
changes. So: at least 10 characters, at most 128, not a common password, not built from the service's name
or the user's own email.
"""

MIN_LENGTH = 10
MAX_LENGTH = 128

# The commonest passwords of 10+ characters from public breach lists, plus obvious local guesses.
COMMON_PASSWORDS = frozenset({
    "1234567890", "0123456789", "1q2w3e4r5t", "qwertyuiop", "password1!", "password12", "password123",
    "password1234", "passw0rd123", "iloveyou12", "qwerty1234", "qwerty12345", "abcdefghij", "abc1234567",
    "1111111111", "0000000000", "aaaaaaaaaa", "letmein123", "welcome123", "welcome1234", "football123",
    "monkey1234", "dragon1234", "sunshine12", "princess12", "trustno1234", "baseball12", "changeme123",
    "administrator", "admin12345", "adminadmin", "london1234", "london2024", "london2025", "london2026",
    "matchmaker", "matchmaker1", "matchmaker123", "brentcouncil", "brentcouncil1", "brent12345",
    "socialvalue", "socialvalue1", "wembley123", "wembley1234", "password!!", "p@ssw0rd123",
})


def password_problem(password: str, email: str = "") -> str | None:
    """Return what is wrong with a new password in GOV.UK wording, or None if it is acceptable."""
    if len(password) < MIN_LENGTH:
        return f"Password must be {MIN_LENGTH} characters or more"
    if len(password) > MAX_LENGTH:
        return f"Password must be {MAX_LENGTH} characters or fewer"
    lowered = password.lower()
    if lowered in COMMON_PASSWORDS or len(set(lowered)) <= 2:
        return "Password is too easy to guess. Try three random words, like ‘kettle river lantern’"
    local_part = email.split("@", 1)[0].lower()
    if len(local_part) >= 4 and local_part in lowered:
        return "Password must not contain your email address"
    return None
