"""The widgets' script and style, read from the files shipped in ``static/`` (no CDN, no network)."""

from __future__ import annotations

from pathlib import Path

__all__ = ["STATIC", "script", "style"]

STATIC = Path(__file__).with_name("static")


# Scripts of the playground's pages that a widget shares (functions, no page code).
PAGES = Path(__file__).resolve().parent.parent / "playground" / "static"
SHARED = {"stepper": [PAGES / "backward_step.js"]}


def script(name: str) -> str:
    """The ES module of one widget: ``common.js`` (helpers both use), what it shares with
    the playground's pages (the stepper: the lab's drawing of a backward step), then ``<name>.js``."""
    parts = [STATIC / "common.js", *SHARED.get(name, []), STATIC / f"{name}.js"]
    return "\n".join(path.read_text(encoding="utf-8") for path in parts)


def style(name: str) -> str:
    """The stylesheet of one widget, ``<name>.css``."""
    return (STATIC / f"{name}.css").read_text(encoding="utf-8")
