// rasd's analysts' page: map, timeline, filters (in the URL), event list, event detail with the
// Arabic evidence, and a review mode behind a token. All data is inserted as text (textContent,
// DOM nodes), never as HTML: article titles and sentences can contain anything.
"use strict";

const TYPE_COLOURS = {
  "Battles": "#d7263d",
  "Explosions/Remote violence": "#f46036",
  "Violence against civilians": "#6b2d5c",
  "Protests": "#2e86ab",
  "Riots": "#1b998b",
  "Strategic developments": "#7a7a7a",
};
const SUB_TYPES = {
  "Battles": ["Government regains territory", "Non-state actor overtakes territory", "Armed clash"],
  "Protests": ["Excessive force against protesters", "Protest with intervention", "Peaceful protest"],
  "Riots": ["Violent demonstration", "Mob violence"],
  "Explosions/Remote violence": ["Chemical weapon", "Air/drone strike", "Suicide bomb", "Shelling/artillery/missile attack",
    "Remote explosive/landmine/IED", "Grenade"],
  "Violence against civilians": ["Sexual violence", "Attack", "Abduction/forced disappearance"],
  "Strategic developments": ["Agreement", "Arrests", "Change to group/activity", "Disrupted weapons use",
    "Headquarters or base established", "Looting/property destruction", "Non-violent transfer of territory", "Other"],
};
const FIELD_LABELS = { trigger: "trigger", actor1: "actor 1", actor2: "actor 2", location: "place", date: "date",
  fatalities: "fatalities" };
const LIST_FIELDS = "event_id_cnty,event_date,event_type,sub_event_type,actor1,actor2,location,admin1,latitude,longitude,fatalities,status,reason";
const FILTER_KEYS = ["event_type", "sub_event_type", "actor", "admin1", "from", "to", "status"];

const $ = (sel) => document.querySelector(sel);
function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") node.className = v;
    else if (k === "text") node.textContent = v;
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v);
  }
  for (const child of children) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

const state = { filters: {}, events: [], selected: null, markers: new Map(), days: [], weeks: [], bin: "day" };

// -- URL <-> filters --------------------------------------------------------------------------------
function readUrl() {
  const params = new URLSearchParams(location.search);
  state.filters = {};
  for (const key of FILTER_KEYS) if (params.get(key)) state.filters[key] = params.get(key);
  state.selected = params.get("event") || null;
  state.bin = params.get("bin") === "week" ? "week" : "day";
}
function writeUrl() {
  const params = new URLSearchParams();
  for (const key of FILTER_KEYS) if (state.filters[key]) params.set(key, state.filters[key]);
  if (state.selected) params.set("event", state.selected);
  if (state.bin === "week") params.set("bin", "week");
  const query = params.toString();
  history.replaceState(null, "", query ? `?${query}` : location.pathname);
}
function apiParams(withDates) {
  const f = state.filters, p = new URLSearchParams();
  for (const key of ["event_type", "sub_event_type", "actor", "admin1"]) if (f[key]) p.set(key, f[key]);
  p.set("status", f.status || "event");
  if (withDates && f.from) p.set("event_date_from", f.from);
  if (withDates && f.to) p.set("event_date_to", f.to);
  return p;
}
function syncForm() {
  $("#f-type").value = state.filters.event_type || "";
  fillSubTypes();
  $("#f-sub").value = state.filters.sub_event_type || "";
  $("#f-actor").value = state.filters.actor || "";
  $("#f-admin1").value = state.filters.admin1 || "";
  $("#f-from").value = state.filters.from || "";
  $("#f-to").value = state.filters.to || "";
  $("#f-status").value = state.filters.status || "event";
}
function fillSubTypes() {
  const select = $("#f-sub"), type = $("#f-type").value;
  select.replaceChildren(el("option", { value: "" }, "all"));
  const subs = type ? SUB_TYPES[type] : Object.values(SUB_TYPES).flat();
  for (const s of subs) select.append(el("option", { value: s }, s));
}

async function getJson(url, options) {
  const response = await fetch(url, options);
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error((body.error && body.error.message) || `HTTP ${response.status}`);
  return body;
}

// -- map ------------------------------------------------------------------------------------------
let map, cluster;
function initMap() {
  map = L.map("map", { preferCanvas: false, worldCopyJump: true }).setView([34.8, 40.5], 6);
  // Boundaries first: the page is never blank offline. OSM tiles go over them when reachable.
  fetch("/api/boundaries").then((r) => r.json()).then((geo) => {
    L.geoJSON(geo, {
      style: (f) => ({ color: f.properties.level === "admin2" ? "#9aa7b8" : "#4d5b70",
        weight: f.properties.level === "admin2" ? 0.6 : 1.4, fill: f.properties.level !== "admin2",
        fillColor: "#eef2e6", fillOpacity: f.properties.level === "admin1" ? 0.5 : 0 }),
      pointToLayer: (f, latlng) => L.circleMarker(latlng, { radius: 3, color: "#4d5b70" }),
      onEachFeature: (f, layer) => {
        const label = `${f.properties.name} · ${f.properties.name_ar}`;
        layer.bindTooltip(label, { sticky: true });
      },
    }).addTo(map).bringToBack();
  }).catch(() => {});
  if (new URLSearchParams(location.search).get("tiles") !== "off") {
    L.tileLayer("https://tile.openstreetmap.org/{z}/{x}/{y}.png", {
      maxZoom: 18, attribution: "&copy; OpenStreetMap contributors", opacity: 0.85,
    }).addTo(map);
  }
  cluster = L.markerClusterGroup({ maxClusterRadius: 40, spiderfyOnMaxZoom: true, showCoverageOnHover: false });
  map.addLayer(cluster);
  const legend = $("#legend");
  for (const [type, colour] of Object.entries(TYPE_COLOURS)) {
    legend.append(el("span", {}, el("i", { style: `background:${colour}` }), type));
  }
  legend.append(el("span", { class: "muted" }, "marker size: fatalities"));
}
function radius(fatalities) { return 5 + 2.2 * Math.sqrt(fatalities || 0); }
function drawMarkers() {
  cluster.clearLayers();
  state.markers.clear();
  const layers = [];
  for (const e of state.events) {
    if (e.latitude === null || e.longitude === null) continue;
    const marker = L.circleMarker([e.latitude, e.longitude], {
      radius: radius(e.fatalities), color: "#222", weight: 1, fillColor: TYPE_COLOURS[e.event_type] || "#999",
      fillOpacity: 0.85, className: "event-marker",
    });
    // a DOM node, not a string: Leaflet would insert a string as HTML
    marker.bindTooltip(el("span", {}, `${e.event_date} · ${e.sub_event_type} · ${e.location}`));
    marker.on("click", () => selectEvent(e.event_id_cnty));
    marker.eventId = e.event_id_cnty;
    state.markers.set(e.event_id_cnty, marker);
    layers.push(marker);
  }
  cluster.addLayers(layers);
}

// -- list -----------------------------------------------------------------------------------------
function drawList() {
  const body = $("#list tbody");
  body.replaceChildren();
  for (const e of state.events) {
    const actors = [e.actor1, e.actor2].filter(Boolean).join(" — ");
    const row = el("tr", { "data-id": e.event_id_cnty, onclick: () => selectEvent(e.event_id_cnty) },
      el("td", {}, e.event_date || "—"),
      el("td", {}, el("span", { class: "dot", style: `background:${TYPE_COLOURS[e.event_type] || "#999"}` }), e.sub_event_type),
      el("td", {}, actors),
      el("td", {}, e.location ? `${e.location}${e.admin1 ? ", " + e.admin1 : ""}` : `(${e.reason || "unlocated"})`),
      el("td", {}, String(e.fatalities)));
    if (e.event_id_cnty === state.selected) row.classList.add("selected");
    body.append(row);
  }
}

// -- timeline ----------------------------------------------------------------------------------------
const DAY = 86400000;
function parseDay(s) { return Date.parse(`${s}T00:00:00Z`); }
function fmtDay(t) { return new Date(t).toISOString().slice(0, 10); }
// Monday of the ISO week (as /api/stats' by_week), in ms.
function weekStart(t) { return t - ((new Date(t).getUTCDay() + 6) % 7) * DAY; }
// The bars: per day, or per ISO week (by_week, each bar seven days wide).
function timelineBins() {
  if (state.bin === "week") return { step: 7 * DAY, bins: state.weeks.map((w) => ({ date: w.week, events: w.events, fatalities: w.fatalities })) };
  return { step: DAY, bins: state.days };
}
function drawTimeline() {
  const svg = $("#timeline");
  const width = svg.clientWidth || 600, height = 90, pad = 18;
  svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
  svg.replaceChildren();
  $("#timeline-caption").textContent = state.bin === "week" ? "Events per week" : "Events per day";
  const { step, bins: days } = timelineBins();
  if (!days.length) return;
  // The shortest span of bins that holds 80% of the events (a stray 2001 anniversary mention must
  // not squash the month that matters into one pixel).
  const times = days.map((d) => parseDay(d.date));
  const total = days.reduce((a, d) => a + d.events, 0);
  let lo = times[0], hi = times[times.length - 1], best = Infinity, acc = 0, j = 0;
  for (let i = 0; i < days.length; i++) {
    acc += days[i].events;
    while (acc - days[j].events >= total * 0.8) { acc -= days[j].events; j++; }
    if (acc >= total * 0.8 && times[i] - times[j] < best) { best = times[i] - times[j]; lo = times[j]; hi = times[i]; }
  }
  if (state.filters.from) lo = Math.min(lo, parseDay(state.filters.from));
  if (state.filters.to) hi = Math.max(hi, parseDay(state.filters.to));
  hi += step;
  const span = Math.max(hi - lo, step);
  const x = (t) => pad + ((t - lo) / span) * (width - 2 * pad);
  const inRange = days.filter((d) => parseDay(d.date) >= lo && parseDay(d.date) < hi);
  const max = Math.max(1, ...inRange.map((d) => d.events));
  const barWidth = Math.max(1, (width - 2 * pad) / (span / step) - 1);
  const from = state.filters.from ? parseDay(state.filters.from) : null;
  const to = state.filters.to ? parseDay(state.filters.to) : null;
  const ns = "http://www.w3.org/2000/svg";
  for (const d of inRange) {
    const t = parseDay(d.date), h = ((height - 2 * pad) * d.events) / max;
    const rect = document.createElementNS(ns, "rect");
    rect.setAttribute("x", x(t)); rect.setAttribute("y", height - pad - h);
    rect.setAttribute("width", barWidth); rect.setAttribute("height", Math.max(1, h));
    const out = (from !== null && t + step <= from) || (to !== null && t > to);
    rect.setAttribute("class", out ? "bar out" : "bar");
    const title = document.createElementNS(ns, "title");
    title.textContent = `${state.bin === "week" ? "week of " : ""}${d.date}: ${d.events} events, ${d.fatalities} fatalities`;
    rect.append(title);
    svg.append(rect);
  }
  for (const t of [lo, lo + span / 2, hi - step]) {
    const label = document.createElementNS(ns, "text");
    label.setAttribute("x", Math.min(width - 60, x(t))); label.setAttribute("y", height - 4);
    label.textContent = fmtDay(t);
    svg.append(label);
  }
  if (from !== null || to !== null) {
    const brush = document.createElementNS(ns, "rect");
    const a = x(from ?? lo), b = x((to ?? hi - DAY) + DAY);
    brush.setAttribute("x", a); brush.setAttribute("y", 2); brush.setAttribute("width", Math.max(2, b - a));
    brush.setAttribute("height", height - pad - 2); brush.setAttribute("class", "brush");
    svg.append(brush);
  }
  svg.dataset.lo = lo; svg.dataset.span = span; svg.dataset.pad = pad; svg.dataset.width = width;
}
function initTimeline() {
  const svg = $("#timeline");
  let start = null, live = null;
  const dayAt = (clientX) => {
    const box = svg.getBoundingClientRect();
    const px = ((clientX - box.left) / box.width) * Number(svg.dataset.width);
    const t = Number(svg.dataset.lo) + ((px - Number(svg.dataset.pad)) / (Number(svg.dataset.width) - 2 * Number(svg.dataset.pad))) * Number(svg.dataset.span);
    return Math.floor(t / DAY) * DAY;
  };
  svg.addEventListener("mousedown", (ev) => { start = ev.clientX; ev.preventDefault(); });
  window.addEventListener("mousemove", (ev) => {
    if (start === null) return;
    live = ev.clientX;
    let a = Math.min(dayAt(start), dayAt(live)), b = Math.max(dayAt(start), dayAt(live));
    // per week, a drag selects whole weeks (Monday to Sunday)
    if (state.bin === "week") { a = weekStart(a); b = weekStart(b) + 6 * DAY; }
    state.filters.from = fmtDay(a); state.filters.to = fmtDay(b);
    drawTimeline();
  });
  window.addEventListener("mouseup", (ev) => {
    if (start === null) return;
    const moved = Math.abs(ev.clientX - start) > 3;
    start = null;
    if (!moved) { delete state.filters.from; delete state.filters.to; }
    syncForm();
    refresh(false);
  });
}

// -- event detail -------------------------------------------------------------------------------
function highlightedSentence(sentence, spans) {
  // Segments between every span boundary; each is marked with the fields that cover it, and the
  // last segment of a span carries its label.
  const usable = spans.filter((s) => s.sentence_start !== null && s.sentence_end > s.sentence_start);
  const cuts = new Set([0, sentence.length]);
  for (const s of usable) { cuts.add(s.sentence_start); cuts.add(s.sentence_end); }
  const points = [...cuts].sort((a, b) => a - b);
  const p = el("p", { class: "sentence", dir: "rtl", lang: "ar" });
  for (let i = 0; i + 1 < points.length; i++) {
    const a = points[i], b = points[i + 1], text = sentence.slice(a, b);
    const covering = usable.filter((s) => s.sentence_start <= a && s.sentence_end >= b);
    if (!covering.length) { p.append(document.createTextNode(text)); continue; }
    const fields = covering.map((s) => s.field);
    const mark = el("mark", { class: `ev ${fields.map((f) => "ev-" + f).join(" ")}`, "data-field": fields.join(" "),
      title: fields.map((f) => FIELD_LABELS[f] || f).join(", ") }, text);
    for (const s of covering) {
      if (s.sentence_end === b) mark.append(el("sup", { class: "label", dir: "ltr" }, FIELD_LABELS[s.field] || s.field));
    }
    p.append(mark);
  }
  return p;
}
function safeUrl(url) { return /^https?:\/\//i.test(url || "") ? url : null; }
async function selectEvent(id) {
  state.selected = id;
  writeUrl();
  for (const row of document.querySelectorAll("#list tbody tr")) row.classList.toggle("selected", row.dataset.id === id);
  const marker = state.markers.get(id);
  if (marker && !map.getBounds().pad(-0.1).contains(marker.getLatLng())) {
    map.setView(marker.getLatLng(), Math.max(map.getZoom(), 8));
  }
  const box = $("#detail");
  box.hidden = false;
  box.replaceChildren(el("div", { class: "muted" }, "loading…"));
  let body;
  try { body = await getJson(`/api/events/${encodeURIComponent(id)}`); } catch (err) {
    box.replaceChildren(el("div", {}, `Could not load ${id}: ${err.message}`));
    return;
  }
  const e = body.data;
  const fields = [["id", e.event_id_cnty], ["status", e.status + (e.reason ? ` (${e.reason})` : "")],
    ["date", `${e.event_date || "—"} (precision ${e.time_precision ?? "—"})`], ["type", `${e.event_type} / ${e.sub_event_type}`],
    ["actor 1", e.actor1], ["assoc. 1", e.assoc_actor_1], ["actor 2", e.actor2], ["assoc. 2", e.assoc_actor_2],
    ["interaction", e.interaction], ["place", [e.location, e.admin2, e.admin1, e.country].filter(Boolean).join(", ")],
    ["place (ar)", e.location_ar], ["coordinates", e.latitude !== null ? `${e.latitude}, ${e.longitude} (precision ${e.geo_precision})` : "—"],
    ["fatalities", `${e.fatalities} (low ${e.fatalities_low}, best ${e.fatalities_best}, high ${e.fatalities_high})`],
    ["civilians", e.civilian_targeting], ["notes", e.notes], ["updated", new Date(e.timestamp * 1000).toISOString()]];
  const dl = el("dl");
  for (const [k, v] of fields) if (v !== "" && v !== null && v !== undefined) dl.append(el("dt", {}, k), el("dd", {}, v));
  const sources = el("div", { class: "sources" }, el("h3", { class: "small" }, `${body.sources.length} source(s)`));
  for (const s of body.sources) {
    const url = safeUrl(s.url);
    sources.append(el("div", { class: "source" },
      el("div", { class: "meta" }, el("strong", { dir: "auto" }, s.title || "(untitled)"), " — ", s.outlet || "?", ", ", s.published,
        url ? el("span", {}, " · ", el("a", { href: url, target: "_blank", rel: "noopener noreferrer" }, "article")) : null),
      highlightedSentence(s.source_sentence || "", s.evidence || []),
      el("div", { class: "small muted" }, (s.evidence || []).map((sp) => `${FIELD_LABELS[sp.field] || sp.field}: «${sp.text}»`).join(" · "))));
  }
  box.replaceChildren(el("h2", {}, `${e.event_id_cnty} · ${e.sub_event_type}`), dl, reviewPanel(e), sources,
    historyPanel(body.history || []));
}
// What happened to the record, oldest first: each merge says by what the reports matched (the
// rule's reason and the merge model's probability), each edit what changed.
function historyLine(h) {
  const d = h.detail || {};
  const why = d.match || (d.merged_into ? `merged into ${d.merged_into}` : "")
    || (d.changed && d.changed.length ? `changed: ${d.changed.join(", ")}` : "");
  return [new Date(h.at * 1000).toISOString().slice(0, 16).replace("T", " "), h.action,
    h.article_id || "", why].filter(Boolean).join(" · ");
}
function historyPanel(history) {
  const list = el("ol", { class: "small" });
  for (const h of history) list.append(el("li", { "data-action": h.action }, historyLine(h)));
  return el("details", { class: "history" }, el("summary", { class: "small" }, `history (${history.length})`), list);
}

// -- review mode ------------------------------------------------------------------------------------
function token() { return sessionStorage.getItem("rasdToken") || ""; }
function initReview() {
  const input = $("#token");
  input.value = token();
  const show = () => {
    $("#review-state").textContent = token() ? "review mode" : "read-only";
    $("#review-state").classList.toggle("on", Boolean(token()));
  };
  input.addEventListener("change", () => {
    if (input.value.trim() === token()) return;
    sessionStorage.setItem("rasdToken", input.value.trim());
    show();
    if (state.selected) selectEvent(state.selected);
  });
  show();
}
async function write(method, path, payload) {
  return getJson(path, { method, headers: { "Content-Type": "application/json", Authorization: `Bearer ${token()}` },
    body: JSON.stringify(payload || {}) });
}
function reviewPanel(e) {
  if (!token()) return el("div", { class: "small muted" }, "Enter the review token to confirm, reject or edit.");
  // The outcome of the last write survives the re-render that follows it.
  const msg = el("div", { class: "msg", role: "status" }, state.flash || "");
  state.flash = "";
  const done = async (promise, text, reselect = true) => {
    try {
      await promise;
      state.flash = text;
      await refresh(false);
      if (reselect) await selectEvent(e.event_id_cnty);
      else { state.selected = null; writeUrl(); $("#detail").hidden = true; $("#summary").textContent += ` · ${text}`; }
    } catch (err) { msg.textContent = `Error: ${err.message}`; }
  };
  const id = encodeURIComponent(e.event_id_cnty);
  const form = el("form", { id: "edit-form" });
  const inputs = {};
  const editable = [["event_date", "date"], ["sub_event_type", "select"], ["actor1", "text"], ["actor2", "text"],
    ["location", "text"], ["fatalities", "number"], ["notes", "text"]];
  for (const [name, kind] of editable) {
    let input;
    if (kind === "select") {
      input = el("select", { name });
      for (const s of Object.values(SUB_TYPES).flat()) input.append(el("option", { value: s }, s));
    } else input = el("input", { name, type: kind });
    input.value = e[name] ?? "";
    inputs[name] = input;
    form.append(el("label", { for: `edit-${name}` }, name), input);
    input.id = `edit-${name}`;
  }
  form.append(el("span"), el("button", { type: "submit", id: "edit-save" }, "Save edit"));
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const changes = {};
    for (const [name, kind] of editable) {
      let value = inputs[name].value;
      if (kind === "number") value = Number(value);
      if (kind === "date" && value === "") value = null;
      if (String(value ?? "") !== String(e[name] ?? "")) changes[name] = value;
    }
    if (!Object.keys(changes).length) { msg.textContent = "Nothing changed."; return; }
    done(write("PATCH", `/api/events/${id}`, { changes }), "Saved.");
  });
  const panel = el("div", { class: "review" }, el("strong", {}, "Review "),
    el("button", { type: "button", id: "review-confirm", onclick: () => done(write("POST", `/api/events/${id}/confirm`), "Confirmed.") }, "Confirm"),
    el("button", { type: "button", id: "review-reject", onclick: () => { if (confirm(`Reject ${e.event_id_cnty}? It will be deleted.`)) done(write("POST", `/api/events/${id}/reject`), "Rejected.", false); } }, "Reject"),
    form, msg);
  if (e.latitude === null) {
    const q = el("input", { id: "place-query", placeholder: "place name (Arabic or Latin)", size: "20" });
    const results = el("ul", { class: "places" });
    const search = async () => {
      results.replaceChildren();
      try {
        const found = await getJson(`/api/gazetteer?q=${encodeURIComponent(q.value)}&limit=10`);
        if (!found.data.length) results.append(el("li", { class: "muted" }, "no match"));
        for (const p of found.data) {
          results.append(el("li", {}, `${p.name} · ${p.name_ar} (${p.kind}; ${[p.admin2, p.admin1, p.country].filter(Boolean).join(", ")}) `,
            el("button", { type: "button", class: "place-here", onclick: () => done(write("POST", `/api/events/${id}/place`, { place_id: p.place_id }), `Placed at ${p.name}.`) }, "Place here")));
        }
      } catch (err) { results.append(el("li", {}, `Error: ${err.message}`)); }
    };
    panel.append(el("div", {}, el("strong", {}, "Unlocated: "), q, el("button", { type: "button", id: "place-search", onclick: search }, "Search gazetteer")), results);
  }
  return panel;
}

// -- loading ----------------------------------------------------------------------------------------
async function refresh(fitMap) {
  writeUrl();
  const params = apiParams(true);
  params.set("limit", "5000");
  params.set("fields", LIST_FIELDS);
  const statsParams = apiParams(false);
  try {
    const [events, stats] = await Promise.all([getJson(`/api/events?${params}`), getJson(`/api/stats?${statsParams}`)]);
    state.events = events.data;
    state.days = stats.data.by_day;
    state.weeks = stats.data.by_week;
    const located = state.events.filter((e) => e.latitude !== null).length;
    $("#summary").textContent = `${state.events.length}${events.has_more ? "+" : ""} ${state.filters.status === "candidate" ? "candidates" : "events"} (${located} on the map)` +
      (stats.data.latest_week ? ` · latest week ${stats.data.latest_week.week}: ${stats.data.latest_week.events} events vs ${stats.data.latest_week.avg_4_weeks_events} 4-week avg.` : "");
  } catch (err) {
    $("#summary").textContent = `Error: ${err.message}`;
    state.events = []; state.days = []; state.weeks = [];
  }
  drawMarkers();
  drawList();
  drawTimeline();
  if (fitMap && cluster.getLayers().length) map.fitBounds(cluster.getBounds(), { maxZoom: 9, padding: [20, 20] });
  document.body.dataset.ready = "1";
}
async function loadGovernorates() {
  try {
    const stats = await getJson("/api/stats?status=all");
    const select = $("#f-admin1");
    for (const a of stats.data.by_admin1) if (a.name) select.append(el("option", { value: a.name }, `${a.name} (${a.events})`));
  } catch (err) { /* the filter stays with "all" */ }
}
async function main() {
  for (const t of Object.keys(SUB_TYPES)) $("#f-type").append(el("option", { value: t }, t));
  fillSubTypes();
  readUrl();
  initMap();
  initTimeline();
  initReview();
  await loadGovernorates();
  syncForm();
  const form = $("#filters");
  form.addEventListener("change", (ev) => {
    const map_ = { "f-type": "event_type", "f-sub": "sub_event_type", "f-actor": "actor", "f-admin1": "admin1",
      "f-from": "from", "f-to": "to", "f-status": "status" };
    const key = map_[ev.target.id];
    if (!key) return;
    if (ev.target.value) state.filters[key] = ev.target.value; else delete state.filters[key];
    if (key === "event_type") { fillSubTypes(); delete state.filters.sub_event_type; }
    refresh(false);
  });
  form.addEventListener("submit", (ev) => ev.preventDefault());
  $("#f-clear").addEventListener("click", () => { state.filters = {}; syncForm(); refresh(true); });
  window.addEventListener("resize", drawTimeline);
  $("#t-bin").value = state.bin;
  $("#t-bin").addEventListener("change", (ev) => { state.bin = ev.target.value; writeUrl(); drawTimeline(); });
  await refresh(true);
  if (state.selected) selectEvent(state.selected);
}
main();
