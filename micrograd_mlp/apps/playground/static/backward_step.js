// One step of the backward pass drawn on Graphviz's SVG of its graph, as the lab page and the
// notebook's Stepper widget both show it: the grads after the step in every node, the node the
// chain rule is applied at outlined, and in each edge's local-derivative box what is added to its
// parent's grad ("+= upstream x local", in the box's blank second line, so it never overlaps).
// `graph` and `step` are the lab's graph payload and one of its steps.
function drawBackwardStep(container, graph, step, fmt) {
  const group = (id) => (id ? container.querySelector("#" + CSS.escape(id)) : null);
  container.querySelectorAll(".current, .active").forEach((g) => g.classList.remove("current", "active"));
  container.querySelectorAll("text.plus").forEach((t) => { t.textContent = ""; t.classList.remove("plus"); });
  graph.nodes.forEach((node, i) => {
    const g = group(node.svg);
    if (!g) return;
    for (const text of g.querySelectorAll("text")) {
      if (text.textContent.startsWith("grad ")) text.textContent = "grad " + fmt(step.grads[i]);
    }
  });
  if (step.index === 0) return; // the start: only dL/dL = 1
  const node = graph.nodes.find((n) => n.id === step.node);
  [node.svg, node.svg_op].forEach((id) => { const g = group(id); if (g) g.classList.add("current"); });
  for (const update of step.updates) {
    const edge = graph.edges.find((e) => e.id === update.edge);
    const g = group(edge && edge.svg);
    if (!g) continue;
    g.classList.add("active");
    const plus = g.querySelectorAll("text")[1]; // the blank second line of the box
    if (plus) {
      plus.classList.add("plus");
      plus.textContent = "+= " + fmt(update.contribution);
    }
  }
}
