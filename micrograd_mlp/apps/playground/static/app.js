// The playground page. The server trains (micrograd_mlp's own engine); this
// file only sends the controls and draws the frames it gets back. Every URL is
// relative to the page, so it works under any path prefix (JupyterHub's proxy):
//   POST api/sessions             -> a session of our own (one per tab)
//   POST api/sessions/ID/settings, /step, /reset; GET .../neuron
//   WebSocket ws/ID               -> {"action": "play" | "pause" | "step"}; frames come back
"use strict";

// The library's one colour scheme (plots.py, viz.py): blue > 0, red < 0, for weights, outputs
// and the class an output votes for; curves take colours that are neither a sign's blue nor red.
const BLUE = [33, 102, 172], RED = [178, 24, 43];      // class 1 / class 0, weight > 0 / < 0
const TRAIN = [123, 50, 148], TEST = [224, 130, 20];   // curves (and the fitted curve): purple, orange
const $ = (id) => document.getElementById(id);
const FIELDS = ["dataset", "points", "noise", "test_fraction", "seed", "activation", "loss",
                "optimizer", "lr", "batch_size", "l2"];

let sid = null;          // this tab's session id
let socket = null;
let frame = null;        // the last frame drawn
let playing = false;
let selected = null;     // {layer, neuron} shown in the neuron panel
let nodes = [];          // where the network drawing put each neuron (for clicks)
let limits = null;

// ------------------------------------------------------------ messages
function showError(text) {
  const box = $("message");
  box.textContent = text;
  box.hidden = !text;
}

// A warning (the loss is exploding) while training goes on: shown until the rate changes.
function showWarning(text) {
  const box = $("warning");
  box.textContent = text ? "Warning: " + text : "";
  box.hidden = !text;
}

// Every request goes through here: a 4xx answer's {"error": ...} is shown on the page.
async function api(method, path, body) {
  const options = {method, headers: {"Content-Type": "application/json"}};
  if (body !== undefined) options.body = JSON.stringify(body);
  let response;
  try {
    response = await fetch(path, options);
  } catch (err) {
    showError("The server does not answer (was it stopped?). Restart it and reload the page.");
    throw err;
  }
  const data = await response.json().catch(() => ({error: "unreadable answer from the server"}));
  if (!response.ok) {
    showError(data.error || ("error " + response.status));
    throw new Error(data.error);
  }
  return data;
}

// ------------------------------------------------------------ session and socket
async function start() {
  limits = await api("GET", "api/limits");
  const L = limits.limits;
  $("limits").textContent =
    `Limits: up to ${L.max_layers} hidden layers of at most ${L.max_neurons} neurons; ` +
    `${L.min_points} to ${L.max_points} points; learning rate up to ${L.max_lr}; ` +
    `L2 up to ${L.max_l2}; boundary grid ${L.min_grid} to ${L.max_grid}; ` +
    `at most ${L.max_frames_per_second} frames per second.`;
  const created = await api("POST", "api/sessions", {});
  sid = created.session;
  draw(created.frame);
  openSocket();
}

function openSocket() {
  // Relative to the page, so the playground works under any path prefix
  // (JupyterHub serves it at /user/NAME/playground/): http(s) -> ws(s).
  const url = new URL("ws/" + encodeURIComponent(sid), location.href);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  url.search = url.hash = "";
  socket = new WebSocket(url.href);
  socket.onopen = () => {
    for (const action of waiting) socket.send(JSON.stringify({action}));
    waiting = [];
  };
  socket.onmessage = (event) => {
    const message = JSON.parse(event.data);
    if (message.epoch === undefined) {          // {"error": ...} alone
      showError(message.error);
      setPlaying(false);
      return;
    }
    draw(message);
  };
  socket.onclose = () => {
    setPlaying(false);
    showError("The connection to the server closed. Reload the page to start a new session.");
  };
}

let waiting = [];         // actions pressed before the socket was open

function send(action) {
  if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify({action}));
  else waiting.push(action);
}

function setPlaying(on) {
  playing = on;
  $("play").innerHTML = on ? "&#10074;&#10074; Pause" : "&#9654; Play";
}

// ------------------------------------------------------------ controls
function fillControls(settings) {
  for (const name of FIELDS) {
    const value = settings[name];
    $(name).value = (name === "batch_size" && value === null) ? "all" : value;
  }
  const box = $("layers");
  box.innerHTML = "";
  settings.hidden.forEach((count, i) => {
    const row = document.createElement("div");
    row.className = "layer";
    row.innerHTML = `<span>layer ${i + 1}</span>` +
      `<button type="button" aria-label="one neuron fewer in layer ${i + 1}">&minus;</button>` +
      `<b aria-label="${count} neurons">${count}</b>` +
      `<button type="button" aria-label="one neuron more in layer ${i + 1}">+</button>`;
    const [less, more] = row.querySelectorAll("button");
    less.onclick = () => changeNeurons(i, -1);
    more.onclick = () => changeNeurons(i, +1);
    box.appendChild(row);
  });
  if (!settings.hidden.length) box.innerHTML = "<span class='small'>no hidden layer: a linear model</span>";
}

// The value typed in a control, as JSON; the server validates it (and says what is wrong).
function readControl(name) {
  const text = $(name).value.trim();
  if (["dataset", "activation", "loss", "optimizer"].includes(name)) return text;
  if (name === "batch_size" && (text === "all" || text === "")) return null;
  const number = Number(text);
  return (text === "" || Number.isNaN(number)) ? text : number;   // "abc" reaches the server as text
}

async function change(settings) {
  try {
    const next = await api("POST", `api/sessions/${sid}/settings`, settings);
    showError("");
    draw(next);
    fillControls(next.settings);   // e.g. the cubic switches the loss to mse
    if (selected) openNeuron(selected.layer, selected.neuron);
  } catch (err) {
    if (frame) fillControls(frame.settings);   // back to what the server really uses
  }
}

function changeNeurons(i, delta) {
  const hidden = frame.settings.hidden.slice();
  hidden[i] += delta;
  if (hidden[i] < 1) hidden.splice(i, 1);      // the last neuron gone: the layer goes
  change({hidden});
}

for (const name of FIELDS) $(name).addEventListener("change", () => change({[name]: readControl(name)}));
$("add-layer").onclick = () => {
  const hidden = frame.settings.hidden.slice();
  hidden.push(hidden.length ? hidden[hidden.length - 1] : 4);
  change({hidden});
};
$("remove-layer").onclick = () => change({hidden: frame.settings.hidden.slice(0, -1)});
$("play").onclick = () => {
  if (playing) {
    send("pause"); setPlaying(false);
    if (selected) setTimeout(() => openNeuron(selected.layer, selected.neuron), 300);  // its gradients now
  }
  else { showError(""); send("play"); setPlaying(true); }
};
$("step").onclick = async () => {
  send("pause");
  setPlaying(false);
  try {
    draw(await api("POST", `api/sessions/${sid}/step`));
    if (selected) openNeuron(selected.layer, selected.neuron);
  } catch (err) { /* shown */ }
};
$("reset").onclick = async () => {
  try { showError(""); draw(await api("POST", `api/sessions/${sid}/reset`)); } catch (err) { /* shown */ }
};
$("point").addEventListener("change", updateInsideLink);

// A button clicked with the mouse gives the focus back, so that the teacher's space bar
// plays/pauses afterwards (a keyboard's Enter or Space, detail 0, keeps the focus there).
document.addEventListener("click", (event) => {
  const button = event.target.closest("button");
  if (button && event.detail > 0) button.blur();
});

// Keys for the teacher at the front: space plays/pauses, "s" steps. Only when no control
// has the focus: on a button, Space and Enter press that button, as everywhere.
document.addEventListener("keydown", (event) => {
  const focused = document.activeElement;
  if (focused && focused !== document.body && focused.matches("input, select, textarea, button, a, summary, [tabindex]")) return;
  if (event.key === " ") { event.preventDefault(); $("play").click(); }
  if (event.key === "s") $("step").click();
});

// ------------------------------------------------------------ drawing
function draw(next) {
  // a frame overtaken by a newer one (a socket frame arriving after a step's answer)
  if (frame && next.version < frame.version) return;
  frame = next;
  if (document.activeElement === document.body || !$("controls").contains(document.activeElement)) {
    fillControls(frame.settings);
  }
  const c = frame.curves, last = (list) => list.length ? list[list.length - 1] : null;
  $("epoch").textContent = frame.epoch;
  $("train-loss").textContent = fmt(last(c.train_loss));
  $("test-loss").textContent = fmt(last(c.test_loss));
  $("train-acc").textContent = fmt(last(c.train_acc));
  $("test-acc").textContent = fmt(last(c.test_acc));
  $("acc-stats").hidden = frame.regression;
  $("class-legend").hidden = frame.regression;
  if (frame.error) { showError(frame.error); setPlaying(false); }
  showWarning(frame.warning);
  if (frame.regression) drawRegression(); else if (frame.boundary) drawBoundary();
  drawCurves();
  drawNetwork();
  fillNeuronPick();
}

// Three decimals for the usual sizes; powers of ten for a diverging 6e+115.
function fmt(x) {
  if (x === null || x === undefined) return "–";
  return (Math.abs(x) >= 1e4 || (x !== 0 && Math.abs(x) < 1e-3)) ? x.toExponential(2) : x.toFixed(3);
}

// Give a canvas as many pixels as it has on screen (keeping its shape), so
// that text drawn at 18px is 18px on a small laptop and on a big projector.
function sized(canvas) {
  if (!canvas.dataset.ratio) canvas.dataset.ratio = canvas.height / canvas.width;
  const width = Math.round(canvas.clientWidth);
  if (width > 0 && canvas.width !== width) {
    canvas.width = width;
    canvas.height = Math.round(width * canvas.dataset.ratio);
  }
  return canvas;
}

// Map data coordinates to canvas pixels (bounds = [x0, x1, y0, y1]).
function scaler(canvas, bounds) {
  const [x0, x1, y0, y1] = bounds;
  return {
    x: (v) => (v - x0) / (x1 - x0) * canvas.width,
    y: (v) => (1 - (v - y0) / (y1 - y0)) * canvas.height,
  };
}

// Neurons counted from 1, as every label the server sends ("x1", "L1.N3"); the API's indices are 0-based.
function neuronName(layer, neuron) { return `L${layer + 1}.N${neuron + 1}`; }

// The keyboard's (and a phone's) way into a neuron: a list of every neuron, as the drawing.
function fillNeuronPick() {
  const pick = $("neuron-pick"), net = frame.network;
  const wanted = selected ? `${selected.layer},${selected.neuron}` : "";
  const options = [["", "choose a neuron"]];
  net.forEach((layer, l) => layer.forEach((n, j) => options.push([`${l},${j}`,
    `${neuronName(l, j)}${l === net.length - 1 ? " (output)" : ""}`])));
  if (pick.options.length !== options.length) {
    pick.textContent = "";
    for (const [value, text] of options) pick.add(new Option(text, value));
  }
  pick.value = wanted;
}
$("neuron-pick").addEventListener("change", () => {
  const [layer, neuron] = $("neuron-pick").value.split(",").map(Number);
  if ($("neuron-pick").value) openNeuron(layer, neuron);
});

// Blend white towards blue (v > 0) or red (v < 0); |v| <= 1 is how sure.
function tint(v, strength) {
  const c = v >= 0 ? BLUE : RED, a = Math.min(1, Math.abs(v)) * strength;
  return c.map((k) => Math.round(255 + (k - 255) * a));
}

// A size x size heatmap of values in [-1, 1], scaled smoothly onto the canvas. The values
// are at grid points from edge to edge (the first at the left edge, the last at the right),
// so the source rectangle runs from the centre of the first pixel to the centre of the
// last: the browser's bilinear smoothing then interpolates between grid points, with no
// half-cell blocks at the edges.
function paintGrid(canvas, values, size, strength) {
  const small = document.createElement("canvas");
  small.width = small.height = size;
  const sctx = small.getContext("2d"), image = sctx.createImageData(size, size);
  values.forEach((v, i) => {
    const [r, g, b] = tint(v === null ? 0 : v, strength);
    image.data.set([r, g, b, 255], 4 * i);
  });
  sctx.putImageData(image, 0, 0);
  const ctx = canvas.getContext("2d");
  ctx.imageSmoothingEnabled = true;
  ctx.imageSmoothingQuality = "high";
  ctx.drawImage(small, 0.5, 0.5, size - 1, size - 1, 0, 0, canvas.width, canvas.height);
}

// The decision boundary (value 0) as one black line: marching squares over the grid,
// each crossing placed by linear interpolation, so it is smooth, not the white speckles
// the palest pixels make where the grid changes sign.
function drawZeroLine(canvas, values, size) {
  const ctx = canvas.getContext("2d");
  const at = (i, j) => values[i * size + j] || 0;              // row i (top first), column j
  const px = (j) => j / (size - 1) * canvas.width, py = (i) => i / (size - 1) * canvas.height;
  ctx.strokeStyle = "#000"; ctx.lineWidth = 2.5; ctx.lineCap = "round";
  ctx.beginPath();
  for (let i = 0; i < size - 1; i++) {
    for (let j = 0; j < size - 1; j++) {
      const corners = [[i, j], [i, j + 1], [i + 1, j + 1], [i + 1, j]];
      const crossings = [];
      for (let k = 0; k < 4; k++) {
        const [i0, j0] = corners[k], [i1, j1] = corners[(k + 1) % 4];
        const a = at(i0, j0), b = at(i1, j1);
        if ((a > 0) !== (b > 0)) {
          const t = a / (a - b);
          crossings.push([px(j0 + t * (j1 - j0)), py(i0 + t * (i1 - i0))]);
        }
      }
      for (let k = 0; k + 1 < crossings.length; k += 2) {
        ctx.moveTo(...crossings[k]); ctx.lineTo(...crossings[k + 1]);
      }
    }
  }
  ctx.stroke();
}

function drawBoundary() {
  const canvas = sized($("boundary")), ctx = canvas.getContext("2d");
  paintGrid(canvas, frame.boundary.values, frame.boundary.size, 0.6);  // pale enough for the points
  drawZeroLine(canvas, frame.boundary.values, frame.boundary.size);
  const s = scaler(canvas, frame.bounds);
  // test points as thick rings, train points filled: both outlined in black
  for (const [set, filled] of [[frame.train, true], [frame.test, false]]) {
    set.y.forEach((label, i) => {
      const colour = `rgb(${(label > 0 ? BLUE : RED).join(",")})`;
      ctx.beginPath();
      ctx.arc(s.x(set.x[2 * i]), s.y(set.x[2 * i + 1]), filled ? 6 : 7, 0, 2 * Math.PI);
      if (filled) { ctx.fillStyle = colour; ctx.fill(); ctx.lineWidth = 1.5; ctx.strokeStyle = "#000"; ctx.stroke(); }
      else { ctx.lineWidth = 4; ctx.strokeStyle = colour; ctx.stroke();
             ctx.lineWidth = 1; ctx.strokeStyle = "#000"; ctx.stroke(); }
    });
  }
}

// Regression: the data (train filled, test rings) and the fitted curve y = f(x).
function drawRegression() {
  const canvas = sized($("boundary")), ctx = canvas.getContext("2d");
  ctx.fillStyle = "#fff";
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  const ys = frame.train.y.concat(frame.test.y, frame.curve ? frame.curve.y.filter((v) => v !== null) : []);
  let low = Math.min(...frame.train.y, ...frame.test.y), high = Math.max(...frame.train.y, ...frame.test.y);
  const pad = 0.15 * (high - low) + 0.1;
  low = Math.max(Math.min(...ys), low - 2 * pad) - pad;    // room for a wild fit, but not unbounded
  high = Math.min(Math.max(...ys), high + 2 * pad) + pad;
  const s = scaler(canvas, [frame.bounds[0], frame.bounds[1], low, high]);
  ctx.strokeStyle = "#999"; ctx.lineWidth = 1;
  ctx.beginPath(); ctx.moveTo(0, s.y(0)); ctx.lineTo(canvas.width, s.y(0)); ctx.stroke();
  for (const [set, filled] of [[frame.train, true], [frame.test, false]]) {
    set.y.forEach((v, i) => {
      ctx.beginPath();
      ctx.arc(s.x(set.x[i]), s.y(v), 5, 0, 2 * Math.PI);
      ctx.lineWidth = 2; ctx.strokeStyle = "#000";
      if (filled) { ctx.fillStyle = "#555"; ctx.fill(); }
      ctx.stroke();
    });
  }
  if (!frame.curve) return;
  ctx.strokeStyle = `rgb(${TRAIN.join(",")})`; ctx.lineWidth = 5;
  ctx.beginPath();
  frame.curve.x.forEach((x, i) => {
    const y = frame.curve.y[i];
    if (y !== null) (i ? ctx.lineTo(s.x(x), s.y(y)) : ctx.moveTo(s.x(x), s.y(y)));
  });
  ctx.stroke();
}

// Loss (left) and accuracy (right) against epochs; train solid, test dashed.
function drawCurves() {
  const canvas = sized($("curves")), ctx = canvas.getContext("2d"), c = frame.curves;
  ctx.fillStyle = "#fff"; ctx.fillRect(0, 0, canvas.width, canvas.height);
  const panels = frame.regression ? [["loss", c.train_loss, c.test_loss]]
                                  : [["loss", c.train_loss, c.test_loss], ["accuracy", c.train_acc, c.test_acc]];
  const width = canvas.width / panels.length;
  panels.forEach(([title, train, test], p) => {
    const values = train.concat(test).filter((v) => v !== null);
    const high = title === "accuracy" ? 1 : Math.max(1e-9, ...values), low = title === "accuracy" ? Math.min(0.5, ...values) : 0;
    const highText = fmt(high).replace(/\.?0+$/, ""), lowText = fmt(low).replace(/\.?0+$/, "") || "0";
    ctx.font = "18px sans-serif";
    const margin = Math.max(ctx.measureText(highText).width, ctx.measureText(lowText).width) + 10;
    const left = p * width + margin, right = (p + 1) * width - 12, top = 34, bottom = canvas.height - 34;
    ctx.fillStyle = "#000";
    ctx.fillText(highText, left - margin + 4, top + 12);
    ctx.fillText(lowText, left - margin + 4, bottom);
    if (p === panels.length - 1) {
      ctx.textAlign = "right";
      ctx.fillText(`epoch ${c.epoch.length ? c.epoch[c.epoch.length - 1] : 0}`, right, canvas.height - 8);
      ctx.textAlign = "left";
    }
    if (p === 0) {  // the key, once: train solid purple, test dashed orange
      ctx.fillStyle = `rgb(${TRAIN.join(",")})`; ctx.fillText("train", left, canvas.height - 8);
      ctx.fillStyle = `rgb(${TEST.join(",")})`; ctx.fillText("test - -", left + 56, canvas.height - 8);
    }
    ctx.fillStyle = "#000"; ctx.font = "bold 22px sans-serif"; ctx.fillText(title, left, 24);
    ctx.strokeStyle = "#000"; ctx.lineWidth = 2;
    ctx.strokeRect(left, top, right - left, bottom - top);
    const n = train.length;
    const line = (list, dashed) => {
      ctx.setLineDash(dashed ? [8, 6] : []);
      ctx.strokeStyle = dashed ? `rgb(${TEST.join(",")})` : `rgb(${TRAIN.join(",")})`;
      ctx.lineWidth = 3.5;
      ctx.beginPath();
      list.forEach((v, i) => {
        if (v === null) return;
        const x = left + (n > 1 ? i / (n - 1) : 0) * (right - left);
        const y = bottom - (v - low) / (high - low || 1) * (bottom - top);
        i ? ctx.lineTo(x, y) : ctx.moveTo(x, y);
      });
      ctx.stroke();
      ctx.setLineDash([]);
    };
    line(train, false);
    line(test, true);
  });
}

// Neurons in columns (inputs, hidden layers, output); an edge's width is |w|,
// its colour the sign. Positions are kept in `nodes` so a click finds its neuron.
function drawNetwork() {
  const canvas = sized($("network")), ctx = canvas.getContext("2d"), net = frame.network;
  ctx.fillStyle = "#fff"; ctx.fillRect(0, 0, canvas.width, canvas.height);
  const sizes = [net[0][0].w.length].concat(net.map((layer) => layer.length));
  const columnX = (l) => 40 + l * (canvas.width - 80) / (sizes.length - 1);
  const rowY = (l, j) => canvas.height / 2 + (j - (sizes[l] - 1) / 2) * Math.min(40, (canvas.height - 40) / sizes[l]);
  let biggest = 1e-9;
  net.forEach((layer) => layer.forEach((n) => n.w.forEach((w) => { biggest = Math.max(biggest, Math.abs(w || 0)); })));
  net.forEach((layer, l) => layer.forEach((n, j) => n.w.forEach((w, i) => {
    if (w === null) return;
    ctx.strokeStyle = `rgba(${(w >= 0 ? BLUE : RED).join(",")}, 0.85)`;
    ctx.lineWidth = 0.5 + 6 * Math.abs(w) / biggest;
    ctx.beginPath(); ctx.moveTo(columnX(l), rowY(l, i)); ctx.lineTo(columnX(l + 1), rowY(l + 1, j)); ctx.stroke();
  })));
  nodes = [];
  const radius = Math.max(6, Math.min(14, (canvas.height - 40) / Math.max(...sizes) / 3));
  sizes.forEach((count, l) => {
    for (let j = 0; j < count; j++) {
      const x = columnX(l), y = rowY(l, j);
      const isSelected = selected && l === selected.layer + 1 && j === selected.neuron;
      ctx.beginPath(); ctx.arc(x, y, isSelected ? radius + 4 : radius, 0, 2 * Math.PI);
      // inputs grey, the picked neuron amber ("look here": never a sign's blue or red), the output lavender
      ctx.fillStyle = l === 0 ? "#e0e0e0" : (isSelected ? "#ffd54f" : (l === sizes.length - 1 ? "#dadaeb" : "#fff"));
      ctx.fill();
      ctx.lineWidth = isSelected ? 4 : 2; ctx.strokeStyle = "#000"; ctx.stroke();
      if (l > 0) nodes.push({layer: l - 1, neuron: j, x, y});
      if (l === 0) { ctx.fillStyle = "#000"; ctx.font = "16px sans-serif"; ctx.fillText("x" + (j + 1), x - 32, y + 5); }
    }
  });
}

$("network").addEventListener("click", (event) => {
  const canvas = $("network"), box = canvas.getBoundingClientRect();
  const x = (event.clientX - box.left) * canvas.width / box.width;
  const y = (event.clientY - box.top) * canvas.height / box.height;
  let best = null, bestDistance = 20 * 20;
  for (const node of nodes) {
    const d = (node.x - x) ** 2 + (node.y - y) ** 2;
    if (d < bestDistance) { best = node; bestDistance = d; }
  }
  if (best) openNeuron(best.layer, best.neuron);
});

// ------------------------------------------------------------ look inside one neuron
async function openNeuron(layer, neuron) {
  let info;
  try { info = await api("GET", `api/sessions/${sid}/neuron?layer=${layer}&neuron=${neuron}`); }
  catch (err) { selected = null; $("neuron-panel").hidden = true; return; }
  selected = {layer, neuron};
  $("neuron-panel").hidden = false;
  $("neuron-title").textContent = `Neuron ${info.name}: layer ${layer + 1}, ` +
    `neuron ${neuron + 1} (${info.activation})`;
  $("neuron-title").title = `in code: model.layers[${layer}].neurons[${neuron}]`;
  const rows = info.w.map((w, i) => [info.inputs[i], w, info.grad_w[i]]).concat([["bias", info.b, info.grad_b]]);
  $("neuron-table").querySelector("tbody").innerHTML = rows.map(([name, w, g]) =>
    `<tr><td>${name}</td><td>${fmt(w)}</td><td>${g === null ? "–" : g.toExponential(2)}</td></tr>`).join("");
  drawNeuronMap(info);
  $("point").max = frame.train.y.length - 1;
  updateInsideLink();
  drawNetwork();
  fillNeuronPick();
}

// Where the neuron fires: its output over the input plane (or along x for the cubic).
function drawNeuronMap(info) {
  const canvas = $("neuron-map"), ctx = canvas.getContext("2d"), values = info.fires.values;
  const finite = values.filter((v) => v !== null), top = Math.max(1e-9, ...finite.map(Math.abs));
  if (!info.fires.line) { paintGrid(canvas, values.map((v) => v === null ? 0 : v / top), info.fires.size, 0.95); return; }
  ctx.fillStyle = "#fff"; ctx.fillRect(0, 0, canvas.width, canvas.height);
  ctx.strokeStyle = "#999"; ctx.lineWidth = 1;
  ctx.beginPath(); ctx.moveTo(0, canvas.height / 2); ctx.lineTo(canvas.width, canvas.height / 2); ctx.stroke();
  ctx.strokeStyle = "#000"; ctx.lineWidth = 3; ctx.beginPath();
  values.forEach((v, i) => {
    const x = i / (values.length - 1) * canvas.width, y = canvas.height / 2 * (1 - 0.9 * (v || 0) / top);
    i ? ctx.lineTo(x, y) : ctx.moveTo(x, y);
  });
  ctx.stroke();
}

function updateInsideLink() {
  if (!selected) return;
  const point = Math.max(0, parseInt($("point").value, 10) || 0);
  $("inside-link").href = `lab?session=${encodeURIComponent(sid)}&layer=${selected.layer}&neuron=${selected.neuron}&point=${point}`;
}

start().catch((err) => { if (!$("message").textContent) showError("Could not start: " + err); });
