// Chain rule lab: type an expression, move its values, step the backward pass, practise.
// Every number comes from the server (the library's engine); this script only shows them.
// Text from the user or the server is always set with textContent; the only HTML inserted
// is the SVG drawn by the server's draw_dot, which escapes every label.
"use strict";

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);

// ------------------------------------------------------------------ helpers

// Python's f"{x:#.4g}" (what draw_dot writes), near enough: 4 significant digits.
function fmt(x) {
  if (!Number.isFinite(x)) return String(x);
  return Number(x).toPrecision(4);
}

async function post(url, body) {
  return answer(fetch(url, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  }));
}

async function answer(pending) {
  try {
    const response = await pending;
    let data;
    try { data = await response.json(); } catch (e) { data = { error: "the server answered " + response.status }; }
    return { ok: response.ok, data };
  } catch (e) {
    return { ok: false, data: { error: "no answer from the server: " + e.message } };
  }
}

function showError(box, message) {
  box.textContent = message || "";
  box.hidden = !message;
}

// ------------------------------------------------------------------ graph + stepper

// One drawn graph with its backward steps: the picture in `container`, the stepper's
// text in the shared panels. `graph` is the server's JSON (see lab.py graph_payload).
const view = { graph: null, step: 0, player: null, picked: null };

function drawGraph(container, graph) {
  container.textContent = "";
  if (graph.svg) {
    container.innerHTML = graph.svg; // from draw_dot + Graphviz: labels escaped server-side
  } else {
    const note = document.createElement("p");
    note.textContent = graph.svg_error || "no picture";
    container.append(note);
  }
}

function svgGroup(container, id) {
  return id ? container.querySelector("#" + CSS.escape(id)) : null;
}

function showGraph(graph, atStep) {
  view.graph = graph;
  drawGraph($("graph"), graph);
  fillExplainPick(graph);
  showStep(atStep === undefined ? graph.steps.length - 1 : Math.min(atStep, graph.steps.length - 1));
  if (view.picked) explainNode(view.picked);
}

// The picture at step k: the grads after step k, the current node outlined, and in the
// box on each edge to its parents (under its local derivative, on a line draw_dot keeps
// blank for it) the contribution "+= upstream * local", as the offline stepper page.
function showStep(k) {
  const graph = view.graph;
  if (!graph || !graph.steps.length) return;
  view.step = Math.max(0, Math.min(graph.steps.length - 1, k));
  const step = graph.steps[view.step];
  drawBackwardStep($("graph"), graph, step, fmt); // static/backward_step.js
  $("counter").textContent = "step " + view.step + " of " + (graph.steps.length - 1);
  $("step-text").textContent = step.text;
  $("step-words").textContent = step.words;
}

function explainNode(nodeId) {
  const graph = view.graph;
  const node = graph && graph.nodes.find((n) => n.id === nodeId);
  if (!node) return;
  view.picked = nodeId;
  $("explain-node").value = nodeId;
  $("graph").querySelectorAll(".picked").forEach((g) => g.classList.remove("picked"));
  const group = svgGroup($("graph"), node.svg);
  if (group) group.classList.add("picked");
  const lines = [node.name + ": data " + fmt(node.data) + ", grad " + fmt(node.grad), "", node.explain];
  if (node.rule) lines.push("", "local derivative of " + node.op + ": " + node.rule);
  $("explain").textContent = lines.join("\n");
}

// The keyboard's (and a phone's) way to a node's chain rule: the same nodes in a list.
function fillExplainPick(graph) {
  const pick = $("explain-node");
  pick.textContent = "";
  pick.add(new Option("click one in the graph, or pick it here", ""));
  for (const node of graph.nodes) pick.add(new Option(node.name + (node.op ? " (" + node.op + ")" : ""), node.id));
  pick.value = view.picked || "";
}
$("explain-node").addEventListener("change", () => { if ($("explain-node").value) explainNode($("explain-node").value); });

$("graph").addEventListener("click", (event) => {
  const group = event.target.closest("g.node");
  if (!group || !view.graph) return;
  const node = view.graph.nodes.find((n) => n.svg === group.id || n.svg_op === group.id);
  if (node) explainNode(node.id);
});

function stop() {
  if (view.player) clearInterval(view.player);
  view.player = null;
  $("play").textContent = "▶ play";
}

$("first").onclick = () => { stop(); showStep(0); };
$("back").onclick = () => { stop(); showStep(view.step - 1); };
$("next").onclick = () => { stop(); showStep(view.step + 1); };
$("last").onclick = () => { stop(); if (view.graph) showStep(view.graph.steps.length - 1); };
$("play").onclick = () => {
  if (view.player) return stop();
  if (!view.graph) return;
  if (view.step >= view.graph.steps.length - 1) showStep(0);
  $("play").textContent = "❚❚ pause";
  view.player = setInterval(() => {
    if (view.step >= view.graph.steps.length - 1) return stop();
    showStep(view.step + 1);
  }, 1200);
};
document.addEventListener("keydown", (event) => {
  if (event.target.closest("input, select, textarea") || $("view-expression").hidden) return;
  // a graph too wide for the screen (a phone), focused: the arrow keys scroll it
  const box = event.target.closest(".graph");
  if (box && box.scrollWidth > box.clientWidth) return;
  const moves = { ArrowRight: () => view.step + 1, ArrowLeft: () => view.step - 1, Home: () => 0,
                  End: () => (view.graph ? view.graph.steps.length - 1 : 0) };
  if (!moves[event.key]) return;
  stop();
  showStep(moves[event.key]());
  event.preventDefault();
});

// ------------------------------------------------------------------ expression lab

const lab = { values: {}, names: [], request: 0, timer: null, drawn: null };

function readValuesParam(text) {
  const values = {};
  for (const pair of (text || "").split(",")) {
    const [name, value] = pair.split(":");
    if (name && value !== undefined && Number.isFinite(Number(value)) && value.trim() !== "") values[name] = Number(value);
  }
  return values;
}

// The state a teacher hands out: /lab?expr=...&values=a:2,b:-3
function saveUrl() {
  const query = new URLSearchParams();
  query.set("expr", $("expr").value);
  query.set("values", lab.names.map((name) => name + ":" + lab.values[name]).join(","));
  history.replaceState(null, "", "?" + query.toString());
}

function makeSliders(names) {
  const box = $("sliders");
  box.textContent = "";
  for (const name of names) {
    const value = lab.values[name];
    const row = document.createElement("div");
    row.className = "slider";
    const label = document.createElement("label");
    label.textContent = name;
    label.htmlFor = "slider-" + name;
    const range = document.createElement("input");
    Object.assign(range, { type: "range", id: "slider-" + name, step: "0.1", value: String(value) });
    const limit = Math.max(5, Math.ceil(Math.abs(value)));
    range.min = String(-limit);
    range.max = String(limit);
    range.value = String(value);
    const number = document.createElement("input");
    Object.assign(number, { type: "number", id: "box-" + name, step: "any", value: String(value) });
    number.setAttribute("aria-label", name + " value");
    range.addEventListener("input", () => { number.value = range.value; changeValue(name, Number(range.value)); });
    number.addEventListener("input", () => {
      const typed = Number(number.value);
      if (number.value.trim() === "" || !Number.isFinite(typed)) return;
      if (Math.abs(typed) > Number(range.max)) { range.max = String(Math.ceil(Math.abs(typed))); range.min = "-" + range.max; }
      range.value = String(typed);
      changeValue(name, typed);
    });
    row.append(label, range, number);
    box.append(row);
  }
}

function changeValue(name, value) {
  lab.values[name] = value;
  clearTimeout(lab.timer);
  lab.timer = setTimeout(() => recompute(false), 60); // a dragged slider sends a few requests, not hundreds
}

// Ask the server for the graph; a failed request shows its message and keeps the last graph.
// A new value keeps the expression, so the graph keeps its shape: the server skips the
// layout (Graphviz is the slow part) and the page writes the new numbers into the picture.
async function recompute(newExpression) {
  const ticket = ++lab.request;
  const text = $("expr").value;
  const relabel = !newExpression && view.graph && view.graph.svg && text === lab.drawn;
  const { ok, data } = await post("api/lab/graph", { expression: text, values: lab.values, draw: !relabel });
  if (ticket !== lab.request) return; // a newer request is on its way
  const namesChanged = Boolean(data.names) && data.names.join(",") !== lab.names.join(",");
  if (data.names) {
    lab.names = data.names;
    // the server's defaults for new names; a value moved while this request was out wins
    lab.values = Object.assign({}, data.values, lab.values);
  }
  if (!ok) {
    // The previous graph stays; new names still get their sliders (e.g. to move b off 0 in a/b).
    if (namesChanged) makeSliders(lab.names);
    if (data.names) saveUrl();
    return showError($("error"), data.error);
  }
  showError($("error"), "");
  if (namesChanged || newExpression) makeSliders(lab.names);
  if (namesChanged) view.picked = null;
  if (relabel && sameShape(view.graph, data.graph)) {
    relabelGraph(data.graph);
  } else {
    showGraph(data.graph);
    lab.drawn = text;
  }
  saveUrl();
}

function sameShape(old, graph) {
  return old.nodes.length === graph.nodes.length && old.edges.length === graph.edges.length &&
    old.nodes.every((node, i) => node.op === graph.nodes[i].op && node.name === graph.nodes[i].name);
}

// Keep the drawn picture; put the new data and local derivatives on it, then the grads (showStep).
function relabelGraph(graph) {
  const old = view.graph;
  graph.svg = old.svg;
  graph.nodes.forEach((node, i) => { node.svg = old.nodes[i].svg; node.svg_op = old.nodes[i].svg_op; });
  graph.edges.forEach((edge, i) => { edge.svg = old.edges[i].svg; });
  const container = $("graph");
  for (const node of graph.nodes) {
    const group = svgGroup(container, node.svg);
    if (!group) continue;
    for (const text of group.querySelectorAll("text")) {
      if (text.textContent.startsWith("data ")) text.textContent = "data " + fmt(node.data);
    }
  }
  for (const edge of graph.edges) {
    const label = svgGroup(container, edge.svg) && svgGroup(container, edge.svg).querySelector("text:not(.plus)");
    if (label) label.textContent = fmt(edge.local_grad);
  }
  view.graph = graph;
  showStep(view.step === old.steps.length - 1 ? graph.steps.length - 1 : view.step);
  if (view.picked) explainNode(view.picked);
}

$("expr-form").addEventListener("submit", (event) => {
  event.preventDefault();
  stop();
  recompute(true);
});

// ------------------------------------------------------------------ inside a neuron

// Opened from the playground as /lab?session=S&layer=L&neuron=J&point=P.
async function loadInside() {
  $("expr-form").hidden = true;
  $("expr-help").hidden = true;
  const query = new URLSearchParams({ layer: params.get("layer") || "0", neuron: params.get("neuron") || "0",
                                      point: params.get("point") || "0" });
  const url = "api/sessions/" + encodeURIComponent(params.get("session")) + "/inside?" + query.toString();
  const { ok, data } = await answer(fetch(url));
  if (!ok) return showError($("error"), data.error || "could not look inside this neuron");
  $("inside-title").hidden = false;
  $("inside-title").textContent = data.title;
  showGraph(data.graph);
}

// ------------------------------------------------------------------ practice

const drill = { exercise: null };

async function newExercise(seed) {
  const level = Number($("level").value);
  const { ok, data } = await post("api/lab/practice/new", { level, seed: seed === undefined ? null : seed });
  if (!ok) return showError($("practice-error"), data.error);
  showError($("practice-error"), "");
  drill.exercise = data;
  $("exercise").textContent = "Level " + data.level + " (" + data.level_name + "): out = " + data.expression;
  $("forward").textContent = "forward pass:\n" + data.forward.join("\n");
  drawGraph($("practice-graph"), data.graph);
  const boxes = $("answer-boxes");
  boxes.textContent = "";
  for (const name of data.asked) {
    const label = document.createElement("label");
    label.textContent = "dout/d" + name + " = ";
    const input = document.createElement("input");
    Object.assign(input, { id: "answer-" + name, name, inputMode: "decimal", placeholder: "?" });
    label.append(input);
    boxes.append(label);
  }
  $("score").textContent = "";
  $("verdicts").textContent = "";
  $("worked").hidden = $("worked-title").hidden = true;
  history.replaceState(null, "", "?mode=practice&level=" + data.level + "&seed=" + data.seed);
}

async function checkAnswers() {
  const exercise = drill.exercise;
  if (!exercise) return;
  const answers = {};
  for (const name of exercise.asked) answers[name] = $("answer-" + name).value;
  const { ok, data } = await post("api/lab/practice/check", { level: exercise.level, seed: exercise.seed, answers });
  if (!ok) return showError($("practice-error"), data.error);
  showError($("practice-error"), "");
  $("score").textContent = data.right + " of " + data.asked + " right" + (data.all_right ? ": well done!" : "");
  const list = $("verdicts");
  list.textContent = "";
  for (const verdict of data.verdicts) {
    const item = document.createElement("li");
    item.className = verdict.right ? "right" : "wrong";
    item.id = "verdict-" + verdict.name;
    item.textContent = (verdict.right ? "✔ " : "✘ ") + "dout/d" + verdict.name + ": " + verdict.message;
    if (!verdict.right) { // the chain rule for this node, written out by the library's explain()
      const derivation = document.createElement("pre");
      derivation.textContent = data.explanations[verdict.name];
      item.append(derivation);
    }
    list.append(item);
    const input = $("answer-" + verdict.name);
    input.classList.toggle("right", verdict.right);
    input.classList.toggle("wrong", !verdict.right);
  }
  $("worked").textContent = data.steps.join("\n");
  $("worked").hidden = $("worked-title").hidden = false;
  drawGraph($("practice-graph"), data.graph); // the grads revealed
  markWrong($("practice-graph"), data.graph, data.verdicts);
}

// Outline each wrongly answered node in red, and the edges its grad flows in through
// (node -> each node that uses it): the terms of the chain-rule sum to check.
function markWrong(container, graph, verdicts) {
  for (const verdict of verdicts) {
    if (verdict.right) continue;
    const node = graph.nodes.find((n) => n.name === verdict.name);
    if (!node) continue;
    const group = svgGroup(container, node.svg);
    if (group) group.classList.add("wrong");
    for (const edge of graph.edges) {
      const line = edge.parent === node.id && svgGroup(container, edge.svg);
      if (line) line.classList.add("wrong");
    }
  }
}

$("practice-form").addEventListener("submit", (event) => { event.preventDefault(); newExercise(); });
$("answers").addEventListener("submit", (event) => { event.preventDefault(); checkAnswers(); });

// ------------------------------------------------------------------ tabs and start

function showTab(name) {
  const practice = name === "practice";
  $("view-expression").hidden = practice;
  $("view-practice").hidden = !practice;
  $("tab-expression").setAttribute("aria-pressed", String(!practice));
  $("tab-practice").setAttribute("aria-pressed", String(practice));
  if (practice && !drill.exercise) newExercise();
  if (!practice) {
    stop();
    if (params.has("session")) return;
    if (view.graph) saveUrl();
    else recompute(true); // opened on the practice tab: draw the expression now
  }
}
$("tab-expression").onclick = () => showTab("expression");
$("tab-practice").onclick = () => showTab("practice");

if (params.has("expr")) $("expr").value = params.get("expr");
// micrograd's neuron example, unless the link says otherwise
lab.values = params.has("expr") ? readValuesParam(params.get("values")) : { x1: 2, w1: -3, x2: 0, w2: 1, b: 6.8814 };
if (params.has("session")) {
  loadInside();
} else if (params.get("mode") === "practice") {
  const level = Number(params.get("level"));
  if ([1, 2, 3, 4].includes(level)) $("level").value = String(level);
  const seed = Number(params.get("seed"));
  drill.exercise = {}; // so showTab does not ask for a random one first
  showTab("practice");
  newExercise(params.get("seed") !== null && Number.isInteger(seed) && seed >= 0 ? seed : undefined);
} else {
  recompute(true);
}
