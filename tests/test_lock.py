"""The lock file pins every dependency to a registry release, so a fresh clone installs."""

from __future__ import annotations

import re
from pathlib import Path

LOCK = Path(__file__).resolve().parents[1] / "requirements.lock"


def test_every_locked_requirement_is_a_pinned_registry_release() -> None:
    lines = [line.strip() for line in LOCK.read_text().splitlines()]
    requirements = [line for line in lines if line and not line.startswith("#")]
    assert requirements
    unpinned = [line for line in requirements
                if not re.fullmatch(r"[A-Za-z0-9._\-\[\],]+==[A-Za-z0-9.+!\-]+", line)]  # fmt: skip
    assert not unpinned, f"not a plain 'name==version' pin (a local file or URL?): {unpinned}"


def test_every_imported_distribution_is_declared() -> None:
    """What the shipped packages import is a declared dependency, not something another
    package happens to install (``aiolimiter`` came with PTB's extra once)."""
    import ast
    import sys
    import tomllib
    from importlib.metadata import packages_distributions

    root = LOCK.parent
    project = tomllib.loads((root / "pyproject.toml").read_text())["project"]
    requirements = [
        *project["dependencies"],
        *(d for extra in project["optional-dependencies"].values() for d in extra),
    ]
    declared = {re.split(r"[\[<>=!~ ;]", d, maxsplit=1)[0].lower().replace("_", "-")
                for d in requirements}  # fmt: skip
    ours = {"bot", "nlu", "knowledge"}
    imported: set[str] = set()
    for package in ours:
        for path in (root / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.Import):
                    imported |= {alias.name.split(".")[0] for alias in node.names}
                elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                    imported.add(node.module.split(".")[0])
    third_party = imported - ours - set(sys.stdlib_module_names) - {"tests"}
    distributions = packages_distributions()
    undeclared = {}
    for module in sorted(third_party):
        names = {n.lower().replace("_", "-") for n in distributions.get(module, [module])}
        if not names & declared:
            undeclared[module] = sorted(names)
    assert not undeclared, f"imported but not declared in pyproject.toml: {undeclared}"
