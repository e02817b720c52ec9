// network_diagram.js — the front end of NetworkDiagram (mlp_lib/widgets/network_diagram.py): a
// static network figure with its caption, drawn by netDiagramSvg (web/network.js). No controls.
//
// The model (Python → page): sizes, edge ([j, i, k] or []), unit ([j, i] or []), weight (the
// edge's value or null), values ([z, a] of the unit or []), max_units, title (the text
// alternative; "" for the default description), caption (HTML: text with <sub>, <sup>, <code>,
// <em>, <strong>, <i>, <b>, <br>; anything else is shown as its text) and max_width.
// Below NET_COMPACT_BELOW px of width it draws the compact picture, whose text is larger.

const ND_CAPTION_TAGS = new Set(["SUB", "SUP", "CODE", "EM", "STRONG", "I", "B", "BR"]);

/** The caption's HTML as DOM nodes: the allowed tags without their attributes, everything else as text. */
function ndCaptionNodes(html) {
  const template = document.createElement("template");
  template.innerHTML = String(html); // a template's content is inert: nothing in it runs or loads
  const copy = (node) => {
    if (node.nodeType === Node.TEXT_NODE) return [document.createTextNode(node.textContent)];
    if (node.nodeType !== Node.ELEMENT_NODE) return [];
    const children = Array.from(node.childNodes).flatMap(copy);
    if (!ND_CAPTION_TAGS.has(node.tagName)) return children;
    const el = document.createElement(node.tagName.toLowerCase());
    el.append(...children);
    return [el];
  };
  return Array.from(template.content.childNodes).flatMap(copy);
}

/** The drawing options of the model's traits (see the header). */
function ndOptions(model) {
  const list = (name) => Array.from(model.get(name) || [], Number);
  const edge = list("edge"), unit = list("unit"), values = list("values"), weight = model.get("weight");
  return {
    edge: edge.length === 3 ? edge : null,
    unit: unit.length === 2 ? unit : null,
    values: values.length === 2 ? values : null,
    weight: weight === null || weight === undefined ? null : Number(weight),
    maxUnits: Number(model.get("max_units")) || 5,
    title: model.get("title") || "",
    maxWidth: Number(model.get("max_width")) || NET_WIDTH,
  };
}

function render({ model, el }) {
  const maxWidth = () => Number(model.get("max_width")) || NET_WIDTH;
  const figure = document.createElement("figure");
  figure.className = "mlp-network-figure";
  figure.style.cssText = `margin:1em auto;max-width:${maxWidth()}px`;
  const picture = document.createElement("div");
  const caption = document.createElement("figcaption");
  caption.style.cssText = "font-size:0.9em;color:#444;margin-top:0.4em";
  figure.append(picture, caption);
  el.replaceChildren(figure);
  el.classList.add("jupyter-widgets"); // a Jupyter widget like the others (pages and tests look for the class)
  let compact = null;

  function draw(force = false) {
    const width = figure.clientWidth;
    const now = width > 0 && width < NET_COMPACT_BELOW;
    if (!force && now === compact) return;
    compact = now;
    const sizes = Array.from(model.get("sizes") || [], Number);
    picture.innerHTML = netDiagramSvg(sizes, { ...ndOptions(model), compact });
  }

  function update() {
    figure.style.maxWidth = `${maxWidth()}px`;
    caption.replaceChildren(...ndCaptionNodes(model.get("caption") || ""));
    caption.hidden = !caption.textContent.trim();
    draw(true);
  }

  update();
  // a phone turned, a sidebar opened: switch between the wide and the compact picture
  const resize = typeof ResizeObserver === "function" ? new ResizeObserver(() => draw()) : null;
  if (resize) resize.observe(figure);
  const traits = ["sizes", "edge", "unit", "weight", "values", "max_units", "title", "caption", "max_width"];
  for (const t of traits) model.on(`change:${t}`, update);
  return () => {
    if (resize) resize.disconnect();
    for (const t of traits) model.off(`change:${t}`, update);
  };
}

export default { render };
