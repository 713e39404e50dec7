"""Which sessions are alive, on which worker, who is watching them: the server's bookkeeping.

The sessions themselves (data, model, curves) live in `workers`; the store
only knows each one's id, its worker, when it was last used and whether a
tab's WebSocket is open on it. At most ``max_sessions`` live at once; a
session nobody used for ``idle_seconds`` (and no socket watches) is freed;
when the store is full the least recently used unwatched one goes, and if all
are watched a new one is refused (`TooManySessions`, a 503).

>>> store = SessionStore(max_sessions=2, workers=1)
>>> a, _ = store.add()
>>> b, _ = store.add()
>>> c, gone = store.add()            # full: the least recently used one goes
>>> [e.sid for e in gone] == [a.sid], len(store)
(True, 2)
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

from .settings import LIMITS

__all__ = ["SessionStore", "Entry", "TooManySessions"]


class TooManySessions(RuntimeError):
    """Every session slot is taken by a tab with an open connection."""


@dataclass
class Entry:
    """One live session: its id, its worker, and the tab watching it (at most one socket)."""

    sid: str
    worker: int
    last_used: float = field(default_factory=time.monotonic)
    socket: Optional[object] = None  # the open WebSocket that owns it; a second one is refused
    playing: bool = False


class SessionStore:
    """The live sessions by id; not thread-safe: the server uses it from its event loop only."""

    def __init__(self, max_sessions: Optional[int] = None, idle_seconds: Optional[float] = None,
                 workers: int = 1) -> None:  # fmt: skip
        self.max_sessions = max_sessions or LIMITS["max_sessions"]
        self.idle_seconds = idle_seconds or LIMITS["idle_seconds"]
        self.workers = max(1, workers)
        self.entries: Dict[str, Entry] = {}

    def __len__(self) -> int:
        return len(self.entries)

    def add(self) -> Tuple[Entry, List[Entry]]:
        """A new entry on the least busy worker, and the entries it pushed out (free them)."""
        gone = self.expire()
        while len(self.entries) >= self.max_sessions:
            unwatched = [e for e in self.entries.values() if e.socket is None]
            if not unwatched:
                raise TooManySessions(
                    f"{self.max_sessions} tabs are already training here (the limit); close one and reload this page"
                )
            oldest = min(unwatched, key=lambda e: e.last_used)
            del self.entries[oldest.sid]
            gone.append(oldest)
        load = [0] * self.workers
        for entry in self.entries.values():
            load[entry.worker] += 1
        sid = secrets.token_urlsafe(12)
        entry = self.entries[sid] = Entry(sid, load.index(min(load)))
        return entry, gone

    def get(self, sid: str) -> Optional[Entry]:
        """The entry (its clock restarted), or None if there is no such session."""
        entry = self.entries.get(sid)
        if entry is not None:
            entry.last_used = time.monotonic()
        return entry

    def remove(self, sid: str) -> Optional[Entry]:
        return self.entries.pop(sid, None)

    def expire(self) -> List[Entry]:
        """Forget the sessions idle longer than ``idle_seconds`` with no socket; their entries."""
        now = time.monotonic()
        idle = [e for e in self.entries.values() if e.socket is None and now - e.last_used > self.idle_seconds]
        for entry in idle:
            del self.entries[entry.sid]
        return idle
