"""Drawings of graphs too big or labels too long (issue 13): refused early, cut readably."""

import pytest

from micrograd_mlp import Value, draw_dot
from micrograd_mlp.teaching import viz


def test_draw_dot_counts_before_any_other_work(monkeypatch):
    x = Value(1.0)
    for _ in range(3000):
        x = x + 1.0
    long_chain = x
    for _ in range(50_000):
        long_chain = long_chain + 1.0

    def not_now(*args):
        raise AssertionError("named or grouped the nodes of a graph it is going to refuse")

    monkeypatch.setattr(viz, "node_names", not_now)
    monkeypatch.setattr(viz, "neurons", not_now)
    monkeypatch.setattr(viz, "topological_order", not_now)
    with pytest.raises(ValueError, match=r"more than 2000 values, more than max_nodes=2000"):
        draw_dot(x)
    with pytest.raises(ValueError, match=r"more than 100000 values, more than 50 \* max_nodes=100000"):
        draw_dot(long_chain, collapse=True)


def test_long_labels_are_shortened_in_drawings():
    x = Value(1.0, label="x" * 20_000)
    y = x * 2
    y.label = "<&>" * 10_000
    source = draw_dot(y, title="t" * 20_000).source
    assert max(len(line) for line in source.splitlines()) < 16_384
    assert "characters cut" in source
