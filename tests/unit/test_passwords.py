import pytest

from matchmaker.services.passwords import password_problem


@pytest.mark.parametrize("password", ["kettle river lantern", "Tr0ub4dor&3xx", "a much longer passphrase"])
def test_long_uncommon_passwords_are_accepted(password):
    assert password_problem(password, "someone@example.org") is None


@pytest.mark.parametrize(
    ("password", "problem"),
    [
        ("short", "Password must be 12 characters or more"),
        ("x" * 129, "Password must be 128 characters or fewer"),
        ("password1234", "Password is too easy to guess"),
        ("Matchmaker123", "Password is too easy to guess"),
        ("aaaaaaaaaaaa", "Password is too easy to guess"),
        ("ababababababab", "Password is too easy to guess"),
        ("grace.mensah2026", "Password must not contain your email address"),
    ],
)
def test_weak_passwords_are_refused_with_a_reason(password, problem):
    assert password_problem(password, "grace.mensah@example.org").startswith(problem)


def test_passwords_are_stored_as_scrypt_hashes_by_default():
    from matchmaker.models import User

    user = User(email="a@example.org", full_name="A", session_version=1)
    user.set_password("kettle river lantern")
    assert user.password_hash.startswith("scrypt:") and "kettle" not in user.password_hash
    assert user.check_password("kettle river lantern") and not user.check_password("kettle river lanterns")


@pytest.mark.parametrize("password", ["qwertyuiop123", "!!superman2026!!", "sunshine 2026 !!"])
def test_common_passwords_dressed_up_with_digits_or_symbols_are_still_refused(password):
    from matchmaker.services.passwords import TOO_EASY

    assert password_problem(password) == TOO_EASY


def test_two_common_words_together_make_an_acceptable_passphrase():
    # NCSC's advice favours length: two list words side by side are not on any list.
    assert password_problem("baseball sunshine") is None


def test_the_block_list_is_the_shipped_ten_thousand():
    from matchmaker.services.passwords import common_passwords

    listed = common_passwords()
    assert len(listed) >= 10_000 and {"123456", "password", "iloveyou", "matchmaker"} <= listed


@pytest.mark.parametrize("password", ["abcdefghijk", "elevenchars"])
def test_eleven_characters_are_not_enough(password):
    assert password_problem(password) == "Password must be 12 characters or more"
