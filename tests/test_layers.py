"""The import-linter layers contract in pyproject.toml: the tree keeps it, and it catches breaches.

The breaches are made in a copy of the packages, so the real tree is never touched.
"""

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# The console script sits next to the interpreter of the virtualenv running the tests.
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def root_packages() -> list[str]:
    with (ROOT / "pyproject.toml").open("rb") as f:
        return tomllib.load(f)["tool"]["importlinter"]["root_packages"]


def lint_imports(project: Path) -> subprocess.CompletedProcess:
    """lint-imports on `project`, which alone is on the path (import-linter also adds the cwd)."""
    env = {"PATH": os.environ.get("PATH", os.defpath), "PYTHONPATH": str(project)}
    return subprocess.run(  # noqa: S603 -- the virtualenv's own console script, fixed arguments
        [str(LINT_IMPORTS), "--no-cache", "--no-logo"],
        cwd=project,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        encoding="utf-8",
        timeout=60,
        check=False,
    )


def test_the_layers_contract_holds():
    result = lint_imports(ROOT)

    assert result.returncode == 0, result.stdout
    assert ", 0 broken." in result.stdout


@pytest.mark.parametrize(
    ("module", "breach", "chain"),
    [
        pytest.param(
            "booking/services.py",
            "import api.views  # deliberate upward import\n",
            "booking.services -> api.views",
            id="domain-imports-an-interface",
        ),
        pytest.param(
            "web/views/catalogue.py",
            "import backoffice.views  # deliberate sibling import\n",
            "web.views.catalogue -> backoffice.views",
            id="interface-imports-a-sibling-interface",
        ),
        pytest.param(
            "accounts/models.py",
            "def _deliberate():\n    import booking.services  # deliberate lazy upward import\n",
            "accounts.models -> booking.services",
            id="lazy-import-inside-a-function",
        ),
    ],
)
def test_an_upward_import_fails_the_contract(tmp_path, module, breach, chain):
    for package in root_packages():
        shutil.copytree(
            ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    shutil.copy2(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    with (tmp_path / module).open("a", encoding="utf-8") as f:
        f.write("\n\n" + breach)

    result = lint_imports(tmp_path)

    assert result.returncode != 0, result.stdout
    assert chain in result.stdout
