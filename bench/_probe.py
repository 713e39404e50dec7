import sys, time, statistics, importlib.util
spec = importlib.util.spec_from_file_location("w", "bench/widths.py"); W = importlib.util.module_from_spec(spec); spec.loader.exec_module(W)
import torch, jax, jax.numpy as jnp
jax.config.update("jax_enable_x64", True)
torch.set_num_threads(1)
from micrograd_mlp import MLP, SGD, fit
from micrograd_mlp.train import Trainer
X, y, labels = W.data(100)
model = MLP(2, [256,256,1], seed=0, fused=True)
fit(model, X, y, loss="hinge", l2=W.ALPHA, lr=W.LR, epochs=1, batch_size=None, shuffle=False, batched=True, verbose=False)
opt = SGD(model.parameters(), lr=W.LR)
ours = lambda: fit(model, X, y, loss="hinge", optimizer=opt, l2=W.ALPHA, epochs=100, batch_size=None, shuffle=False, batched=True, verbose=False)
percall = lambda: fit(model, X, y, loss="hinge", optimizer=opt, l2=W.ALPHA, epochs=1, batch_size=None, shuffle=False, batched=True, verbose=False)
tm = MLP(2, [256,256,1], seed=0, fused=True)
tr = Trainer(tm, X, y, loss="hinge", l2=W.ALPHA, lr=W.LR, batch_size=None, shuffle=False, batched=True)
cols = {"percall": percall, "trainer": tr.step, "hand": W.numpy_runner(model, X, labels),
        "pt64": W.torch_runner(torch, model, X, labels, torch.float64), "pt32": W.torch_runner(torch, model, X, labels, torch.float32),
        "jax": W.jax_runner(jax, jnp, model, X, labels)}
use = sys.argv[1].split(",") if len(sys.argv) > 1 else list(cols)
res = {"ours": [], "pt64": []}
for r in range(5):
    t = time.perf_counter(); ours(); ours(); res["ours"].append((time.perf_counter()-t)/200*1e3)
    for c in use:
        t = time.perf_counter()
        for _ in range(10): cols[c]()
        if c == "pt64": res["pt64"].append((time.perf_counter()-t)/10*1e3)
print(use, {k: round(statistics.median(v), 3) for k, v in res.items() if v})
