"""Start-up stays light: creating the app (what every CLI command and gunicorn worker does first) imports none of
the heavy libraries. They load where they are used; benchmarks/startup_speed.py has the timings."""

import json
import subprocess
import sys

HEAVY = ("numpy", "scipy", "sklearn", "weasyprint", "holidays", "rapidfuzz")


def test_creating_the_app_and_listing_the_commands_imports_no_heavy_library(tmp_path):
    script = (
        "import json, sys\n"
        "from matchmaker.cli import main\n"
        "sys.argv = ['matchmaker', '--help']\n"
        "try:\n"
        "    main()\n"
        "except SystemExit:\n"
        "    pass\n"
        f"print(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}} & set({list(HEAVY)!r}))))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        env={"DATABASE_URL": f"sqlite:///{tmp_path}/empty.db", "MATCHMAKER_ENV": "development", "PATH": ""},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )
    assert "propose" in result.stdout  # the commands were listed, so the app was created
    assert json.loads(result.stdout.splitlines()[-1]) == []
