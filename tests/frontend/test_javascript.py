"""The browser modules' unit tests (frontend/static/frontend/*.test.mjs), by node --test."""

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_the_browser_modules_pass_their_unit_tests():
    node = shutil.which("node")
    if node is None:
        pytest.skip("Node.js is not installed (CI installs it)")
    result = subprocess.run(
        [node, "--test", "frontend/static/frontend/"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "# fail 0" in result.stdout
