"""The tests' one rule for something optional that is missing: skip here, fail under CI.

A test that needs an optional extra (matplotlib, torch, starlette, ...) or a program
(Graphviz's dot, Debian's chromium) asks for it with `require` or `require_program`.
Without it, the test is skipped and the reason says what to install; under CI
(environment ``CI=true``) the same test fails instead, because CI installs
everything (`.ci/run`) and a silent skip there would hide a broken setup.

    from optional import require
    torch = require("torch")                # at the top of a test module, or inside a test

A test module (or a doctest module of the package) that does a plain
``import starlette`` follows the same rule: `pytest_make_collect_report` below turns
its collection error into the skip (or, under CI, adds the fix to the failure).
"""

import importlib
import os
import shutil

import pytest

# Top-level module -> (the extra in setup.cfg that installs it, the distribution's name).
# tests/test_optional.py checks every row against setup.cfg, so the advice stays true.
EXTRAS = {
    "matplotlib": ("demos", "matplotlib"),
    "PIL": ("demos", "pillow"),
    "torch": ("torch", "torch"),
    "sklearn": ("digits", "scikit-learn"),
    "starlette": ("playground", "starlette"),
    "uvicorn": ("playground", "uvicorn"),
    "websockets": ("playground", "websockets"),
    "httpx": ("dev", "httpx"),
    "playwright": ("dev", "playwright"),
    "nbclient": ("dev", "nbclient"),
    "nbformat": ("dev", "nbformat"),
    "ipykernel": ("dev", "ipykernel"),
    "hypothesis": ("dev", "hypothesis"),
    "micrograd": ("bench", "micrograd"),  # Karpathy's, to compare against
}


def under_ci() -> bool:
    """Is this run CI's (``CI=true``, as CI services set it)?"""
    return os.environ.get("CI", "").strip().lower() in ("true", "1", "yes")


def missing(what: str, fix: str):
    """Skip the calling test (or test module) because `what` is not installed; under CI, fail.

    >>> import pytest
    >>> try:
    ...     missing("frobnicate", "pip install frobnicate")
    ... except (pytest.skip.Exception, pytest.fail.Exception) as stopped:
    ...     print(stopped.msg.startswith("frobnicate is not installed: pip install frobnicate"))
    True
    """
    message = f"{what} is not installed: {fix}"
    if under_ci():
        pytest.fail(f"{message} (CI must run this test: install it in .ci/run or the dev extra)", pytrace=False)
    pytest.skip(message, allow_module_level=True)


def install_hint(module: str, extra: str = None) -> str:
    """How to install `module`: its extra's pip command (from EXTRAS unless `extra` is given)."""
    extra = extra or EXTRAS.get(module.partition(".")[0], ("dev", None))[0]
    return f"install the {extra} extra: pip install -e '.[{extra}]'"


def require(module: str, extra: str = None):
    """Import and return `module`; without it, `missing` names the extra that brings it."""
    try:
        return importlib.import_module(module)
    except ImportError:
        missing(module.partition(".")[0], install_hint(module, extra))


def require_program(program: str, fix: str, path: str = None) -> str:
    """The full path of `program` (a name on PATH, or an absolute path); without it, `missing`."""
    found = shutil.which(program, path=path)
    if found:
        return found
    missing(program, fix)


def _missing_module(error):
    """The top-level module an ImportError (or an error caused by one) could not find, or None."""
    seen = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        if isinstance(error, ImportError) and error.name:
            return error.name.partition(".")[0]
        error = error.__cause__ or error.__context__
    return None


@pytest.hookimpl(wrapper=True)
def pytest_make_collect_report(collector):
    """A module whose import fails only for want of an optional extra follows the rule above."""
    report = yield
    call = getattr(report, "call", None)
    if not report.failed or call is None or call.excinfo is None:
        return report
    module = _missing_module(call.excinfo.value)
    if module not in EXTRAS:
        return report  # a real import error: leave it as the failure it is
    message = f"{module} is not installed: {install_hint(module)}"
    if under_ci():
        report.sections.append(("missing extra", message + " (CI must run these tests)"))
        return report
    report.outcome = "skipped"
    report.longrepr = (str(collector.path), 0, f"Skipped: {message}")
    return report
