// The web editor: paint the area to change (brush, eraser, undo) or drag the frame outward,
// type a prompt, submit; follow the job's progress; vary or upscale a result.
// No library, no build step: the page talks only to its own studio (see app/web/editor.py).
"use strict";

const token = decodeURIComponent(location.pathname.split("/").pop());
const $ = (id) => document.getElementById(id);
const view = $("view");
const ctx = view.getContext("2d");
const state = {
  info: null,
  image: null,
  mask: document.createElement("canvas"), // natural size: painted pixels are opaque
  undo: [],
  mode: "paint",
  erasing: false,
  frame: [0, 0, 0, 0], // left, top, right, bottom growth, as a fraction of width/height
  stroke: null,
  drag: null,
};
const MAX_UNDO = 30;
const PAINT = "rgba(255, 40, 140, 1)";

function linkPath(path, linkToken = token) {
  return `/web/edit/${encodeURIComponent(linkToken)}/${path}`;
}

async function post(path, body, linkToken) {
  const response = await fetch(linkPath(path, linkToken), {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    credentials: "same-origin",
    body: JSON.stringify(body || {}),
  });
  const data = await response.json().catch(() => ({}));
  if (!response.ok) {
    throw new Error((data.error && data.error.message) || `The studio answered ${response.status}.`);
  }
  return data;
}

function say(text) {
  const box = $("message");
  box.textContent = text || "";
  box.hidden = !text;
}

function showWallet(data) {
  if (typeof data.balance !== "number") return;
  $("wallet").textContent = `Balance: ${data.balance} credit${data.balance === 1 ? "" : "s"}`;
  $("cost").textContent = `An edit costs ${data.edit_cost} credit${data.edit_cost === 1 ? "" : "s"}.`;
}

function loadImage(src) {
  return new Promise((resolve, reject) => {
    const image = new Image();
    image.onload = () => resolve(image);
    image.onerror = () => reject(new Error("The image could not be loaded."));
    image.src = src;
  });
}

// -- drawing ---------------------------------------------------------------------------

function offset() {
  const { naturalWidth: w, naturalHeight: h } = state.image;
  const [l, t, r, b] = state.mode === "extend" ? state.frame : [0, 0, 0, 0];
  return { x: Math.round(l * w), y: Math.round(t * h), w, h,
    width: w + Math.round(l * w) + Math.round(r * w), height: h + Math.round(t * h) + Math.round(b * h) };
}

// The canvas on screen: as wide as the page allows and at most 70% of its height, its
// aspect kept (a small image is shown larger, a large one smaller).
function fitDisplay() {
  const room = $("stage").clientWidth || view.width;
  const scale = Math.min(room / view.width, (window.innerHeight * 0.7) / view.height);
  view.style.width = `${Math.floor(view.width * scale)}px`;
  view.style.height = `${Math.floor(view.height * scale)}px`;
}
window.addEventListener("resize", () => state.image && fitDisplay());

function render() {
  const box = offset();
  if (view.width !== box.width || view.height !== box.height) {
    view.width = box.width;
    view.height = box.height;
    fitDisplay();
  }
  ctx.clearRect(0, 0, view.width, view.height);
  ctx.drawImage(state.image, box.x, box.y);
  if (state.mode === "paint") {
    ctx.globalAlpha = 0.55;
    ctx.drawImage(state.mask, 0, 0);
    ctx.globalAlpha = 1;
  } else {
    ctx.setLineDash([6, 4]);
    ctx.lineWidth = Math.max(1, view.width / 200);
    ctx.strokeStyle = "#10a37f";
    ctx.strokeRect(0, 0, view.width, view.height);
    ctx.strokeStyle = "#ffffff";
    ctx.strokeRect(box.x, box.y, box.w, box.h);
    ctx.setLineDash([]);
  }
}

function point(event) {
  const rect = view.getBoundingClientRect();
  return {
    x: ((event.clientX - rect.left) * view.width) / rect.width,
    y: ((event.clientY - rect.top) * view.height) / rect.height,
  };
}

function brushSize() {
  const { naturalWidth: w, naturalHeight: h } = state.image;
  return Math.max(1, (Number($("brush").value) / 100) * Math.min(w, h));
}

function paintTo(p) {
  const m = state.mask.getContext("2d");
  m.globalCompositeOperation = state.erasing ? "destination-out" : "source-over";
  m.strokeStyle = m.fillStyle = PAINT;
  m.lineWidth = brushSize();
  m.lineCap = m.lineJoin = "round";
  m.beginPath();
  const from = state.stroke || p;
  m.moveTo(from.x, from.y);
  m.lineTo(p.x, p.y);
  m.stroke();
  m.beginPath();
  m.arc(p.x, p.y, m.lineWidth / 2, 0, Math.PI * 2);
  m.fill();
  state.stroke = p;
  render();
}

function nearestSide(p) {
  const box = offset();
  const distances = [
    ["left", Math.abs(p.x - box.x)],
    ["top", Math.abs(p.y - box.y)],
    ["right", Math.abs(p.x - (box.x + box.w))],
    ["bottom", Math.abs(p.y - (box.y + box.h))],
  ];
  return distances.sort((a, b) => a[1] - b[1])[0][0];
}

const clamp = (v) => Math.min(1, Math.max(0, v));

function dragTo(event) {
  const d = state.drag;
  const dx = (event.clientX - d.clientX) * d.scale;
  const dy = (event.clientY - d.clientY) * d.scale;
  const { naturalWidth: w, naturalHeight: h } = state.image;
  const frame = d.frame.slice();
  if (d.side === "left") frame[0] = clamp(d.frame[0] - dx / w);
  if (d.side === "top") frame[1] = clamp(d.frame[1] - dy / h);
  if (d.side === "right") frame[2] = clamp(d.frame[2] + dx / w);
  if (d.side === "bottom") frame[3] = clamp(d.frame[3] + dy / h);
  state.frame = frame;
  render();
}

view.addEventListener("pointerdown", (event) => {
  if (!state.image) return;
  view.setPointerCapture(event.pointerId);
  if (state.mode === "paint") {
    const m = state.mask.getContext("2d");
    state.undo.push(m.getImageData(0, 0, state.mask.width, state.mask.height));
    if (state.undo.length > MAX_UNDO) state.undo.shift();
    $("undo").disabled = false;
    state.stroke = null;
    paintTo(point(event));
  } else {
    const rect = view.getBoundingClientRect();
    state.drag = { side: nearestSide(point(event)), clientX: event.clientX, clientY: event.clientY,
      scale: view.width / rect.width, frame: state.frame.slice() };
  }
  event.preventDefault();
});
view.addEventListener("pointermove", (event) => {
  if (state.mode === "paint" && state.stroke) paintTo(point(event));
  else if (state.drag) dragTo(event);
});
for (const name of ["pointerup", "pointercancel"]) {
  view.addEventListener(name, () => {
    state.stroke = null;
    state.drag = null;
  });
}

$("undo").addEventListener("click", () => {
  const last = state.undo.pop();
  if (last) state.mask.getContext("2d").putImageData(last, 0, 0);
  $("undo").disabled = state.undo.length === 0;
  render();
});
$("clear").addEventListener("click", () => {
  const m = state.mask.getContext("2d");
  state.undo.push(m.getImageData(0, 0, state.mask.width, state.mask.height));
  $("undo").disabled = false;
  m.clearRect(0, 0, state.mask.width, state.mask.height);
  render();
});
$("eraser").addEventListener("click", () => {
  state.erasing = !state.erasing;
  $("eraser").setAttribute("aria-pressed", String(state.erasing));
});
$("zoom").addEventListener("input", () => {
  const side = Number($("zoom").value) / 200; // 100 → each side half the picture: 2× zoom out
  state.frame = [side, side, side, side];
  render();
});

function setMode(mode) {
  state.mode = mode;
  $("mode-paint").setAttribute("aria-selected", String(mode === "paint"));
  $("mode-extend").setAttribute("aria-selected", String(mode === "extend"));
  $("paint-tools").hidden = mode !== "paint";
  $("extend-tools").hidden = mode !== "extend";
  view.style.cursor = mode === "paint" ? "crosshair" : "move";
  render();
}
$("mode-paint").addEventListener("click", () => setMode("paint"));
$("mode-extend").addEventListener("click", () => setMode("extend"));

// -- the mask as the studio takes it: white = paint here, black = keep -------------------

function maskPng() {
  const { width, height } = state.mask;
  const painted = state.mask.getContext("2d").getImageData(0, 0, width, height).data;
  const out = document.createElement("canvas");
  out.width = width;
  out.height = height;
  const o = out.getContext("2d");
  const pixels = o.createImageData(width, height);
  let any = false;
  for (let i = 0; i < painted.length; i += 4) {
    const on = painted[i + 3] >= 128 ? 255 : 0;
    any = any || on > 0;
    pixels.data[i] = pixels.data[i + 1] = pixels.data[i + 2] = on;
    pixels.data[i + 3] = 255;
  }
  o.putImageData(pixels, 0, 0);
  return any ? out.toDataURL("image/png") : null;
}

// -- jobs ------------------------------------------------------------------------------

function follow(jobId, linkToken) {
  $("progress").hidden = false;
  $("status").textContent = "Queued…";
  $("preview").hidden = true;
  const events = new EventSource(linkPath(`jobs/${encodeURIComponent(jobId)}/events`, linkToken));
  events.addEventListener("progress", (event) => {
    const data = JSON.parse(event.data);
    $("status").textContent = data.state === "running" || data.step > 0
      ? `Painting… step ${data.step} of ${data.total_steps}`
      : `Waiting in line: ${data.ahead} ahead of you`;
    if (data.preview) {
      $("preview").src = data.preview;
      $("preview").hidden = false;
    }
  });
  events.addEventListener("done", (event) => {
    events.close();
    const data = JSON.parse(event.data);
    showWallet(data);
    $("status").textContent = "Done. The results are below (and on Discord, as your /settings say).";
    $("preview").hidden = true;
    showResults(data.images);
  });
  events.addEventListener("failed", (event) => {
    events.close();
    const data = JSON.parse(event.data);
    showWallet(data);
    $("status").textContent = `It failed: ${data.error}. Your credit was refunded.`;
    $("preview").hidden = true;
  });
  events.onerror = () => {
    if (events.readyState === EventSource.CLOSED) {
      $("status").textContent = "Lost contact with the studio; your result will still reach you on Discord.";
    }
  };
}

function showResults(images) {
  const grid = $("result-grid");
  grid.replaceChildren();
  for (const image of images) {
    const card = $("result-card").content.firstElementChild.cloneNode(true);
    card.dataset.image = image.id;
    card.querySelector("img").src = linkPath("image.png", image.token);
    card.querySelector("img").width = image.width;
    card.querySelector("img").height = image.height;
    card.querySelector(".edit").href = `/edit/${encodeURIComponent(image.token)}`;
    for (const action of ["vary", "upscale"]) {
      card.querySelector(`.${action}`).addEventListener("click", async () => {
        try {
          say("");
          const data = await post(action, {}, image.token);
          showWallet(data);
          follow(data.job_id, image.token);
        } catch (error) {
          say(error.message);
        }
      });
    }
    grid.append(card);
  }
  $("results").hidden = false;
}

$("prompt-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  say("");
  const body = { prompt: $("prompt").value };
  if (state.mode === "paint") {
    body.mask = maskPng();
    if (!body.mask) return say("Paint the area to change first.");
  } else {
    body.frame = state.frame;
    if (!state.frame.some((side) => side > 0)) return say("Drag the frame outward first.");
  }
  $("submit").disabled = true;
  try {
    const data = await post("edit", body);
    showWallet(data);
    follow(data.job_id);
  } catch (error) {
    say(error.message);
  } finally {
    $("submit").disabled = false;
  }
});

async function start() {
  try {
    const info = await post("open");
    state.info = info;
    state.image = await loadImage(linkPath("image.png"));
    state.mask.width = state.image.naturalWidth;
    state.mask.height = state.image.naturalHeight;
    $("prompt").value = info.image.prompt || "";
    showWallet(info);
    $("workspace").hidden = false;
    render();
    fitDisplay();
    document.body.dataset.ready = "true";
  } catch (error) {
    say(error.message);
  }
}

start();
