"""The README's Layout section names every module of src/kg, and only modules that exist."""

from __future__ import annotations

import re

from kg.config import PROJECT_ROOT

PACKAGE = PROJECT_ROOT / "src" / "kg"


def layout() -> str:
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    return readme.split("\n## Layout\n", 1)[1].split("\n## ", 1)[0]


def test_every_module_has_its_line():
    text = layout()
    commands = next(line for line in text.split("\n- ") if "`commands/`" in line)
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE).as_posix()
        if rel in ("__init__.py", "commands/__init__.py"):
            continue
        if rel.startswith("commands/"):
            assert f"`{path.stem}`" in commands, f"README Layout: no {rel} among the commands"
        else:
            assert f"- `{rel}`:" in text, f"README Layout: no line for src/kg/{rel}"


def test_every_module_named_exists():
    for rel in re.findall(r"^- `([\w/]+\.py)`:", layout(), re.M):
        assert (PACKAGE / rel).is_file(), f"README Layout names src/kg/{rel}, which does not exist"
