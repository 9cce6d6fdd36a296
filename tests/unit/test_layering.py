"""The layering check `make lint` runs: it passes on the code as it is and catches each kind
of import against moderation -> outcomes -> community."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
SCRIPT = REPO_ROOT / ".ci" / "layering.py"


def load_checker() -> ModuleType:
    spec = importlib.util.spec_from_file_location("layering", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def tree(root: Path, files: dict[str, str]) -> Path:
    for name, source in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source, encoding="utf-8")
    return root


def test_the_code_as_it_is_keeps_the_layers() -> None:
    result = subprocess.run([sys.executable, str(SCRIPT)], capture_output=True, text=True,
                            check=False)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(("name", "source"), [
    ("community/posting.py", "from moderation.queue.services import can_post\n"),
    ("community/profiles/routes.py", "import outcomes.reports\n"),
    ("community/web.py", "def f():\n    from outcomes.treatments import models\n"),
    ("community/x.py", "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
                       "    from moderation.notices import notice_context\n"),
    ("community/y.py", "import importlib\nimportlib.import_module('moderation.queue')\n"),
    ("outcomes/reports/services.py", "from moderation.screening import PipelineScreener\n"),
])
def test_an_import_against_the_layers_fails(tmp_path: Path, name: str, source: str) -> None:
    root = tree(tmp_path, {name: source, "community/app.py": "import moderation\n"})
    found = load_checker().violations(root)
    assert len(found) == 1 and found[0].startswith(name), found
    result = subprocess.run([sys.executable, str(SCRIPT), str(root)], capture_output=True,
                            text=True, check=False)
    assert result.returncode == 1 and name in result.stderr


def test_the_composition_root_and_downward_imports_are_allowed(tmp_path: Path) -> None:
    root = tree(tmp_path, {
        "community/app.py": "from moderation.screening import PipelineScreener\n",
        "community/cli.py": "from outcomes.research.worker import run_pending_jobs\n",
        "outcomes/reports/services.py": "from community.db import Base\n",
        "moderation/queue/services.py": "from outcomes.treatments import services\n",
        "community/communities/services.py": "from community.outcomes_like import x\n",
    })
    assert load_checker().violations(root) == []
