"""How long the chain-rule lab takes to answer (python bench/lab.py; needs starlette, httpx, Graphviz).

The page asks /api/lab/graph once per typed expression (with a Graphviz layout) and once
per value change (without: the page writes the new numbers into the drawn picture), and
the playground calls inside_payload when someone looks inside a neuron. Medians, in ms.
"""

import statistics
import time
import warnings

warnings.simplefilter("ignore")  # starlette's TestClient deprecation notice

from starlette.applications import Starlette  # noqa: E402
from starlette.testclient import TestClient  # noqa: E402

from micrograd_mlp.nn import MLP  # noqa: E402
from micrograd_mlp.apps.playground import lab  # noqa: E402


def median_ms(action, repeats):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def main():
    client = TestClient(Starlette(routes=lab.routes))

    def ask(body):
        response = client.post("/api/lab/graph", json=body)
        assert response.status_code == 200, response.text

    neuron = {"expression": "tanh(x1*w1 + x2*w2 + b)", "values": {"x1": 2, "w1": -3, "x2": 0, "w2": 1, "b": 6.88}}
    hub = {"expression": "a" + "*a" * 29, "values": {"a": 1.01}}  # 59 nodes, one leaf with 30 edges
    rows = [
        ("micrograd's neuron, typed (layout)", median_ms(lambda: ask(neuron), 15)),
        ("micrograd's neuron, a slider moved", median_ms(lambda: ask(dict(neuron, draw=False)), 15)),
        ("a*a*...*a (59 nodes, the slowest shape), typed", median_ms(lambda: ask(hub), 3)),
        ("a*a*...*a, a slider moved", median_ms(lambda: ask(dict(hub, draw=False)), 5)),
    ]
    model = MLP(2, [16, 16, 1], seed=0)
    rows.append(("inside_payload, a neuron of MLP(2, [16, 16, 1]) + bce_logits loss",
                 median_ms(lambda: lab.inside_payload(model, 1, 3, [0.5, -0.2], 1.0, "bce_logits"), 5)))  # fmt: skip
    for name, ms in rows:
        print(f"{name:70s} {ms:8.0f} ms")


if __name__ == "__main__":
    main()
