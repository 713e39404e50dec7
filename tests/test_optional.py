"""The tests' rule for a missing extra (tests/optional.py): skip with the fix here, fail under CI."""

import configparser
import os
import subprocess
import sys
from pathlib import Path

import pytest
from optional import EXTRAS, install_hint

ROOT = Path(__file__).resolve().parents[1]


def test_every_extra_named_in_the_advice_installs_that_module():
    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg")
    extras = config["options.extras_require"]
    for module, (extra, distribution) in EXTRAS.items():
        requirements = [line.split(">")[0].split("=")[0].split("<")[0].strip() for line in extras[extra].split()]
        assert distribution in requirements, f"{module}: setup.cfg's {extra} extra does not install {distribution}"
    assert install_hint("starlette.testclient") == "install the playground extra: pip install -e '.[playground]'"


TEST_MODULE = '''
from optional import require

def test_without_the_extra():
    pass
'''


def run_pytest(tmp_path, test_source, ci):
    """pytest on one test file, with `starlette` unimportable (as without the playground extra)."""
    blocker = tmp_path / "blocker"
    blocker.mkdir(exist_ok=True)
    (blocker / "sitecustomize.py").write_text("import sys\nsys.modules['starlette'] = None\n")
    (tmp_path / "test_needs_starlette.py").write_text(test_source)
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    env["PYTHONPATH"] = os.pathsep.join([str(blocker), str(Path(__file__).parent), str(ROOT)])
    if ci:
        env["CI"] = "true"
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "optional", "-p", "no:cacheprovider", "-rs", "-q", str(tmp_path)],
        capture_output=True, text=True, env=env, cwd=tmp_path,
    )  # fmt: skip


@pytest.mark.parametrize("line", [
    "import starlette",  # a plain import: the collection hook applies the rule
    "require('starlette')",  # the rule, asked for by name
    "def test_inside():\n    require('starlette.testclient')",  # inside one test
])  # fmt: skip
def test_a_missing_extra_is_a_skip_that_names_the_fix_and_a_failure_under_ci(tmp_path, line):
    source = TEST_MODULE + "\n" + line + "\n"
    local = run_pytest(tmp_path, source, ci=False)
    assert local.returncode in (0, 5), local.stdout + local.stderr  # 5: the whole module skipped
    assert "install the playground extra: pip install -e '.[playground]'" in local.stdout
    assert "skipped" in local.stdout
    ci = run_pytest(tmp_path, source, ci=True)
    assert ci.returncode in (1, 2), ci.stdout + ci.stderr  # 1: a test failed, 2: collection failed
    assert "install the playground extra: pip install -e '.[playground]'" in ci.stdout
    assert "skipped" not in ci.stdout


def test_an_import_error_that_is_not_a_missing_extra_stays_a_failure(tmp_path):
    finished = run_pytest(tmp_path, TEST_MODULE + "\nimport no_such_module_anywhere\n", ci=False)
    assert finished.returncode == 2  # an error in collection
    assert "no_such_module_anywhere" in finished.stdout and "skipped" not in finished.stdout
