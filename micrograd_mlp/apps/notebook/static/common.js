// What both widgets' scripts share; each widget's script is this file followed by its own
// (anywidget loads one module per widget: see micrograd_mlp/apps/notebook/assets.py).

const SVG = "http://www.w3.org/2000/svg";

function make(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}
