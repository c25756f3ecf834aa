"""The W3C Nu HTML Checker (npm `vnu-jar`, run with Java), over many pages in one run: starting Java is the slow
part, so pages are collected first and checked together."""

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

VNU = Path(__file__).resolve().parents[2] / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"


def _unavailable(reason: str) -> None:
    message = f"{reason}, so pages cannot be checked for valid HTML. Run `npm ci` (Java must be installed)."
    if os.environ.get("CI") == "true":
        pytest.fail(message + " (CI=true, so this is a failure, not a skip.)", pytrace=False)
    pytest.skip(message)


def html_errors(pages: dict[str, str]) -> list[str]:
    """Every error the checker finds, as "where: line N: message", for pages given as {where: html}."""
    java = shutil.which("java")
    if java is None:
        _unavailable("Java is not installed")
    if not VNU.exists():
        _unavailable(f"{VNU} is missing")
    with tempfile.TemporaryDirectory() as folder:
        names = {}
        for number, (where, html) in enumerate(pages.items()):
            path = Path(folder) / f"page{number}.html"
            path.write_text(html, encoding="utf-8")
            names[path.name] = where
        result = subprocess.run(
            [
                java,
                "-jar",
                str(VNU),
                "--errors-only",
                "--format",
                "json",
                "--exit-zero-always",
                *map(str, sorted(Path(folder).iterdir())),
            ],
            capture_output=True,
            text=True,
            timeout=600,
            check=True,
        )
    messages = json.loads(result.stderr or result.stdout)["messages"]
    return [
        f"{names.get(Path(m.get('url', '')).name, m.get('url'))}: line {m.get('lastLine', '?')}: {m['message']}"
        for m in messages
        if m.get("type") == "error"
    ]
