"""The layering check run by `make lint`: dependencies point one way, moderation -> outcomes
-> community. Nothing in community/ except app.py and cli.py (the composition root) imports
outcomes or moderation; nothing in outcomes/ imports moderation. Imports inside functions,
under TYPE_CHECKING and through importlib.import_module("...") count alike.

Usage: python .ci/layering.py [ROOT]   (exit 1 and one line per violation)
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from pathlib import Path

COMPOSITION_ROOT = frozenset({"community/app.py", "community/cli.py"})
FORBIDDEN = {"community": ("outcomes", "moderation"), "outcomes": ("moderation",)}


def imported_modules(tree: ast.AST) -> Iterator[tuple[int, str]]:
    """(line, module) for every absolute import in a module, wherever it appears."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.lineno, node.module
        elif (isinstance(node, ast.Call) and node.args
              and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)
              and ((isinstance(node.func, ast.Attribute) and node.func.attr == "import_module")
                   or (isinstance(node.func, ast.Name) and node.func.id == "import_module"))):
            yield node.lineno, node.args[0].value


def violations(root: Path) -> list[str]:
    found = []
    for layer, forbidden in FORBIDDEN.items():
        for path in sorted((root / layer).rglob("*.py")):
            relative = path.relative_to(root).as_posix()
            if relative in COMPOSITION_ROOT:
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=relative)
            for line, module in imported_modules(tree):
                top = module.split(".", 1)[0]
                if top in forbidden:
                    found.append(f"{relative}:{line}: {layer} must not import {module}")
    return found


def main(argv: list[str]) -> int:
    root = Path(argv[1]) if len(argv) > 1 else Path(__file__).resolve().parent.parent
    problems = violations(root)
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print(f"layering: {len(problems)} import(s) against moderation -> outcomes -> community",
              file=sys.stderr)
        return 1
    print("layering: moderation -> outcomes -> community holds")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
