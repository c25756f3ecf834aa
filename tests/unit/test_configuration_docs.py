"""docs/configuration.md lists every environment variable the app reads, and the app reads no other.

Settings are read from the environment in one place, config.py; anything else in the package reads
app.config. A new variable therefore needs a line in config.py and a row in the document, or this fails.
"""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "configuration.md"
# A secret typed once at the command line, not a setting of the running app.
READ_OUTSIDE_CONFIG = {"matchmaker/cli.py": {"MATCHMAKER_ADMIN_PASSWORD"}}


def environment_reads(path: Path) -> set[str]:
    """Names passed to os.environ.get / os.environ[...] / os.getenv, or to config.py's helpers (_env_*)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            called = ast.unparse(node.func)
            if called in ("os.environ.get", "os.getenv", "environ.get") or called.startswith("_env_"):
                names.add(node.args[0].value)
        elif (
            isinstance(node, ast.Subscript)
            and ast.unparse(node.value) in ("os.environ", "environ")
            and isinstance(node.slice, ast.Constant)
        ):
            names.add(node.slice.value)
    return names


def documented(section: str) -> set[str]:
    """The variables in the first column of the tables under one `## ` heading of the document."""
    text = DOC.read_text(encoding="utf-8")
    body = text.split(f"## {section}\n", 1)[1].split("\n## ", 1)[0]
    return {m.group(1) for m in re.finditer(r"^\| `([A-Z][A-Z0-9_]*)`", body, re.MULTILINE)}


def test_every_variable_config_reads_is_documented_and_every_documented_one_is_read():
    read = environment_reads(ROOT / "matchmaker" / "config.py")
    listed = documented("Application settings")
    assert read - listed == set(), "read by config.py but missing from docs/configuration.md"
    assert listed - read == set(), "in docs/configuration.md but never read by config.py"


def test_nothing_else_in_the_app_reads_the_environment():
    stray = {}
    for path in sorted((ROOT / "matchmaker").rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        if relative == "matchmaker/config.py":
            continue
        names = environment_reads(path) - READ_OUTSIDE_CONFIG.get(relative, set())
        if names:
            stray[relative] = names
    assert stray == {}, "declare these in config.py and read app.config instead"


def test_variables_read_outside_the_app_are_documented():
    read = environment_reads(ROOT / "gunicorn.conf.py") | set().union(*READ_OUTSIDE_CONFIG.values())
    assert read - documented("Outside the app") - documented("Application settings") == set()


def test_the_reader_finds_every_form_of_reading(tmp_path):
    # The checks above are only as good as this reader: it must see each way the code base reads a variable.
    sample = tmp_path / "sample.py"
    sample.write_text(
        "import os\n"
        "a = os.environ.get('ONE', 'x')\n"
        "b = os.environ['TWO']\n"
        "c = os.getenv('THREE')\n"
        "d = _env_bool('FOUR', True)\n"
        "e = {'KEY': 'NOT_A_VARIABLE'}\n"
    )
    assert environment_reads(sample) == {"ONE", "TWO", "THREE", "FOUR"}
