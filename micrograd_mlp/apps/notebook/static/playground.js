// The playground widget: draws the frames the kernel sends (boundary or fitted curve, loss and
// accuracy curves, the network) and sends back play/pause, step, reset, settings and neuron clicks.
// Plain DOM and canvas; no library, no network.

// The playground page's colours (static/app.js), so a class sees the same picture in both.
const BLUE = [33, 102, 172], RED = [178, 24, 43]; // class 1 / class 0, weight > 0 / < 0
const TRAIN = "rgb(123,50,148)", TEST = "rgb(224,130,20)"; // the curves: purple, orange

function fmt(x) {
  return x === null || x === undefined ? "-" : Math.abs(x) >= 1e4 || (x !== 0 && Math.abs(x) < 1e-3) ? x.toExponential(2) : x.toFixed(3);
}

// Confidence in [-1, 1] as a colour: red for class 0, blue for class 1, pale near the boundary.
function shade(v) {
  const c = v >= 0 ? BLUE : RED, t = Math.min(1, Math.abs(v)) * 0.75;
  return c.map((x) => Math.round(255 + (x - 255) * t));
}

function heatmap(canvas, size, values) {
  const ctx = canvas.getContext("2d"), image = ctx.createImageData(size, size);
  values.forEach((v, i) => {
    const [r, g, b] = shade(v === null ? 0 : v);
    image.data.set([r, g, b, 255], 4 * i);
  });
  const off = document.createElement("canvas");
  off.width = off.height = size;
  off.getContext("2d").putImageData(image, 0, 0);
  ctx.imageSmoothingEnabled = true;
  ctx.drawImage(off, 0, 0, canvas.width, canvas.height);
}

function drawPlane(canvas, frame) {
  const ctx = canvas.getContext("2d"), W = canvas.width, H = canvas.height;
  const [x0, x1, y0, y1] = frame.bounds;
  ctx.clearRect(0, 0, W, H);
  const px = (x) => ((x - x0) / (x1 - x0)) * W;
  if (frame.regression) {
    const ys = frame.train.y.concat(frame.test.y, (frame.curve || { y: [] }).y).filter((v) => v !== null);
    const lo = Math.min(...ys), hi = Math.max(...ys), py = (y) => H - ((y - lo) / (hi - lo || 1)) * (H - 20) - 10;
    const dots = (set, filled) => set.x.forEach((x, i) => dot(ctx, px(x), py(set.y[i]), filled, BLUE));
    dots(frame.train, true);
    dots(frame.test, false);
    if (frame.curve) {
      ctx.strokeStyle = `rgb(${RED})`;
      ctx.lineWidth = 3;
      ctx.beginPath();
      frame.curve.x.forEach((x, i) => (i ? ctx.lineTo(px(x), py(frame.curve.y[i])) : ctx.moveTo(px(x), py(frame.curve.y[i]))));
      ctx.stroke();
    }
    return;
  }
  if (frame.boundary) heatmap(canvas, frame.boundary.size, frame.boundary.values);
  const py = (y) => ((y1 - y) / (y1 - y0)) * H;
  const dots = (set, filled) => {
    for (let i = 0; i < set.y.length; i++) dot(ctx, px(set.x[2 * i]), py(set.x[2 * i + 1]), filled, set.y[i] > 0 ? BLUE : RED);
  };
  dots(frame.train, true);
  dots(frame.test, false);
}

function dot(ctx, x, y, filled, rgb) {
  ctx.beginPath();
  ctx.arc(x, y, 4, 0, 2 * Math.PI);
  ctx.fillStyle = filled ? `rgb(${rgb})` : "white";
  ctx.fill();
  ctx.lineWidth = filled ? 1 : 2;
  ctx.strokeStyle = filled ? "white" : `rgb(${rgb})`;
  ctx.stroke();
}

function drawCurves(canvas, frame) {
  const ctx = canvas.getContext("2d"), W = canvas.width, H = canvas.height, c = frame.curves;
  ctx.clearRect(0, 0, W, H);
  const series = [["train_loss", TRAIN, "train loss"], ["test_loss", TEST, "test loss"]];
  const all = series.flatMap(([name]) => c[name]).filter((v) => v !== null);
  if (!all.length) return;
  const hi = Math.max(...all) || 1, n = Math.max(2, c.epoch.length);
  series.forEach(([name, colour, label], k) => {
    ctx.strokeStyle = colour;
    ctx.lineWidth = 2;
    ctx.beginPath();
    c[name].forEach((v, i) => {
      if (v === null) return;
      const x = (i / (n - 1)) * (W - 10) + 5, y = H - 5 - (v / hi) * (H - 25);
      i ? ctx.lineTo(x, y) : ctx.moveTo(x, y);
    });
    ctx.stroke();
    ctx.fillStyle = colour;
    ctx.font = "13px sans-serif";
    ctx.fillText(label, 8 + 90 * k, 14);
  });
}

// Layers of circles, edges coloured by the weight's sign and as thick as its size. Click a neuron.
function drawNetwork(svg, frame, picked, onPick) {
  svg.replaceChildren();
  const layers = frame.network, nin = layers.length ? layers[0][0].w.length : 0;
  const columns = [nin].concat(layers.map((l) => l.length)), W = 360, H = 220;
  const pos = (col, i) => [20 + (col * (W - 40)) / Math.max(1, columns.length - 1), ((i + 0.5) * H) / columns[col]];
  const largest = Math.max(1e-9, ...layers.flatMap((l) => l.flatMap((n) => n.w.map((w) => Math.abs(w || 0)))));
  layers.forEach((layer, l) => layer.forEach((neuron, j) => neuron.w.forEach((w, i) => {
    const [xa, ya] = pos(l, i), [xb, yb] = pos(l + 1, j), line = document.createElementNS(SVG, "line");
    Object.entries({ x1: xa, y1: ya, x2: xb, y2: yb }).forEach(([k, v]) => line.setAttribute(k, v));
    line.setAttribute("stroke", `rgb(${(w || 0) >= 0 ? BLUE : RED})`);
    line.setAttribute("stroke-width", 0.3 + (3 * Math.abs(w || 0)) / largest);
    line.setAttribute("stroke-opacity", "0.7");
    svg.append(line);
  })));
  columns.forEach((count, col) => {
    for (let i = 0; i < count; i++) {
      const [x, y] = pos(col, i), circle = document.createElementNS(SVG, "circle");
      circle.setAttribute("cx", x);
      circle.setAttribute("cy", y);
      circle.setAttribute("r", Math.max(3, Math.min(9, H / count / 2.5)));
      if (col === 0) {
        circle.setAttribute("class", "input");
      } else {
        const l = col - 1;
        circle.setAttribute("class", "neuron" + (picked && picked.layer === l && picked.neuron === i ? " picked" : ""));
        circle.dataset.layer = l;
        circle.dataset.neuron = i;
        const title = document.createElementNS(SVG, "title");
        title.textContent = `L${l + 1}.N${i + 1}: click to look inside`;
        circle.append(title);
        circle.addEventListener("click", () => onPick(l, i));
      }
      svg.append(circle);
    }
  });
}

function drawNeuron(panel, info) {
  panel.replaceChildren();
  if (!info || info.layer === undefined) {
    panel.append(make("p", "mgp-hint", "Click a neuron to look inside it."));
    return;
  }
  panel.append(make("h4", "", `${info.name} (${info.activation})`));
  const canvas = make("canvas", "mgp-fires");
  canvas.width = canvas.height = 120;
  if (!info.fires.line) {
    const top = Math.max(1e-9, ...info.fires.values.map((v) => Math.abs(v || 0)));
    heatmap(canvas, info.fires.size, info.fires.values.map((v) => (v || 0) / top));
    panel.append(canvas);
  }
  const table = make("table", "mgp-weights");
  table.append(rowOf(["", "weight", "grad"], "th"));
  info.inputs.forEach((name, i) => table.append(rowOf([name, fmt(info.w[i]), fmt(info.grad_w[i])], "td")));
  table.append(rowOf(["bias", fmt(info.b), fmt(info.grad_b)], "td"));
  panel.append(table);
  panel.append(make("p", "mgp-hint", `Its backward pass, step by step: playground.inside(${info.layer}, ${info.neuron})`));
}

function rowOf(cells, tag) {
  const row = make("tr");
  cells.forEach((c) => row.append(make(tag, "", c)));
  return row;
}

function render({ model, el }) {
  const root = make("div", "mgp");
  const bar = make("div", "mgp-bar");
  const play = make("button", "mgp-play", "Play");
  const step = make("button", "mgp-step", "Step");
  const reset = make("button", "mgp-reset", "Reset");
  const lrLabel = make("label", "mgp-lr", "learning rate ");
  const lr = make("input");
  lr.type = "number";
  lr.step = "any";
  lr.min = "0";
  lrLabel.append(lr);
  const epoch = make("span", "mgp-epoch");
  const stats = make("span", "mgp-stats");
  bar.append(play, step, reset, lrLabel, epoch, stats);
  const message = make("div", "mgp-message");
  const views = make("div", "mgp-views");
  const plane = make("canvas", "mgp-plane");
  plane.width = plane.height = 300;
  const right = make("div", "mgp-right");
  const curves = make("canvas", "mgp-curves");
  curves.width = 360;
  curves.height = 110;
  const net = document.createElementNS(SVG, "svg");
  net.setAttribute("class", "mgp-network");
  net.setAttribute("viewBox", "0 0 360 220");
  right.append(curves, net);
  const panel = make("div", "mgp-neuron");
  views.append(plane, right, panel);
  root.append(bar, message, views);
  el.append(root);

  let picked = null;
  const pick = (layer, neuron) => {
    picked = { layer, neuron };
    model.send({ type: "neuron", layer, neuron });
  };
  const draw = () => {
    const frame = model.get("frame");
    if (!frame || !frame.network) return;
    root.dataset.epoch = frame.epoch;
    epoch.textContent = "epoch " + frame.epoch;
    const c = frame.curves, last = (name) => (c[name].length ? c[name][c[name].length - 1] : null);
    stats.textContent = "loss " + fmt(last("train_loss")) + " / test " + fmt(last("test_loss")) +
      (frame.regression ? "" : ", accuracy " + fmt(last("train_acc")) + " / test " + fmt(last("test_acc")));
    if (document.activeElement !== lr) lr.value = frame.settings.lr;
    drawPlane(plane, frame);
    drawCurves(curves, frame);
    drawNetwork(net, frame, picked, pick);
    message.textContent = frame.error || model.get("message") || "";
  };
  const showPlaying = () => {
    const on = model.get("playing"), running = model.get("running");
    play.textContent = on ? "Pause" : "Play";
    root.classList.toggle("playing", on);
    root.dataset.running = running; // true until the kernel's last epoch of this play is shown
    step.disabled = on || running;
  };
  play.addEventListener("click", () => {
    model.set("playing", !model.get("playing"));
    model.save_changes();
  });
  step.addEventListener("click", () => model.send({ type: "step" }));
  reset.addEventListener("click", () => model.send({ type: "reset" }));
  lr.addEventListener("change", () => model.send({ type: "settings", changes: { lr: Number(lr.value) } }));
  model.on("change:frame", draw);
  model.on("change:playing", showPlaying);
  model.on("change:running", showPlaying);
  model.on("change:neuron", () => drawNeuron(panel, model.get("neuron")));
  model.on("change:message", () => (message.textContent = model.get("message")));
  draw();
  showPlaying();
  drawNeuron(panel, model.get("neuron"));
  return () => root.remove();
}

export default { render };
