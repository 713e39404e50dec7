"""The widgets' script and style, read from the files shipped in ``static/`` (no CDN, no network)."""

from __future__ import annotations

from pathlib import Path

__all__ = ["STATIC", "script", "style"]

STATIC = Path(__file__).with_name("static")


def script(name: str) -> str:
    """The ES module of one widget: ``common.js`` (helpers both use), then ``<name>.js``."""
    return (STATIC / "common.js").read_text(encoding="utf-8") + "\n" + (STATIC / f"{name}.js").read_text(encoding="utf-8")


def style(name: str) -> str:
    """The stylesheet of one widget, ``<name>.css``."""
    return (STATIC / f"{name}.css").read_text(encoding="utf-8")
