// The backward stepper widget: the lab's graph payload, one chain-rule step at a time.
// At step k: the grads after step k on the picture, the current node outlined, and on each
// edge to its parents what is added to their grad ("+= upstream x local"). Buttons or arrow keys.

// As the lab page writes numbers (4 significant digits, as draw_dot does); "inf"/"nan" as sent.
function fmt(x) {
  if (typeof x === "string") return x;
  return Number.isFinite(x) ? Number(x).toPrecision(4) : String(x);
}

function render({ model, el }) {
  const root = make("div", "mgs");
  const bar = make("div", "mgs-bar");
  const buttons = [["mgs-first", "|<", () => 0], ["mgs-prev", "<", (k) => k - 1], ["mgs-next", ">", (k) => k + 1],
                   ["mgs-last", ">|", () => Infinity]].map(([cls, label, to]) => {
    const b = make("button", cls, label);
    b.addEventListener("click", () => go(to(model.get("step"))));
    return b;
  });
  const counter = make("span", "mgs-counter");
  bar.append(...buttons, counter);
  if (model.get("title")) root.append(make("h4", "mgs-title", model.get("title")));
  const picture = make("div", "mgs-graph");
  picture.tabIndex = 0;
  const text = make("pre", "mgs-text");
  const words = make("p", "mgs-words");
  const explain = make("pre", "mgs-explain");
  root.append(bar, picture, text, words, explain);
  el.append(root);

  const graph = model.get("graph");
  if (graph.svg) picture.innerHTML = graph.svg; // Graphviz's SVG, made by the kernel
  else picture.append(make("p", "mgs-note", graph.svg_error || "no picture"));

  function go(k) {
    const last = graph.steps.length - 1;
    model.set("step", Math.max(0, Math.min(last, k)));
    model.save_changes();
  }

  function show() {
    const k = model.get("step"), step = graph.steps[k];
    if (!step) return;
    root.dataset.step = k;
    drawBackwardStep(picture, graph, step, fmt); // the lab page's own drawing of a step
    counter.textContent = "step " + k + " of " + (graph.steps.length - 1);
    text.textContent = step.text;
    words.textContent = step.words;
    buttons[0].disabled = buttons[1].disabled = k === 0;
    buttons[2].disabled = buttons[3].disabled = k === graph.steps.length - 1;
  }

  picture.addEventListener("click", (event) => {
    const g = event.target.closest("g.node");
    const node = g && graph.nodes.find((n) => n.svg === g.id || n.svg_op === g.id);
    if (!node) return;
    const lines = [node.name + ": data " + fmt(node.data) + ", grad " + fmt(node.grad), "", node.explain];
    if (node.rule) lines.push("", "local derivative of " + node.op + ": " + node.rule);
    explain.textContent = lines.join("\n");
  });
  root.addEventListener("keydown", (event) => {
    if (event.key === "ArrowRight") go(model.get("step") + 1);
    else if (event.key === "ArrowLeft") go(model.get("step") - 1);
    else return;
    event.preventDefault();
  });
  model.on("change:step", show);
  show();
  return () => root.remove();
}

export default { render };
