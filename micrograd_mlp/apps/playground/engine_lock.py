"""The one lock every engine user of the playground's process takes (sessions and the lab).

The engine's `no_grad` is one switch for the whole process (micrograd's
simplicity, not thread-local): if one tab predicted under ``no_grad`` in one
thread while another tab's training built its graph in another, that graph
would silently have no parents, and two overlapping ``no_grad`` blocks can even
leave gradients off for good. Pure-Python work gets no speed from threads
anyway (the GIL), so engine users take turns, one call each. Slow work that
does not touch the engine (Graphviz laying out a drawing, JSON) runs outside it.

>>> with ENGINE_LOCK:
...     pass
"""

from __future__ import annotations

import threading

__all__ = ["ENGINE_LOCK"]

ENGINE_LOCK = threading.RLock()
