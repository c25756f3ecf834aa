import pytest

from matchmaker.web.redirects import safe_next


@pytest.mark.parametrize("target", ["/account", "/officers/organisations?status=pending", "/account/details#x"])
def test_local_paths_are_kept(target):
    assert safe_next(target) == target


@pytest.mark.parametrize(
    "target",
    [
        None,
        "",
        "https://evil.example/",
        "//evil.example",
        "/\\evil.example",
        "\\\\evil.example",
        "javascript:alert(1)",
        "http:/evil.example",
        "account",
        " //evil.example",
        "/\tevil",
        "/%0d%0aSet-Cookie:x",
    ],
)
def test_anything_that_could_leave_the_site_is_refused(target):
    result = safe_next(target)
    assert result is None or (result.startswith("/") and not result.startswith("//") and "\\" not in result)
    if target and ("evil" in target and "%0d" not in target):
        assert result is None
