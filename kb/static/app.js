/* policykb's page for researchers: named queries, a SPARQL editor, resources with their source
   text, actors with a small graph, and the cross-check. Plain JavaScript, no build step; the
   only library is CodeMirror 5 (vendored under /static/vendor). */
"use strict";

const TEXT = {
  zh: {
    "nav.query": "查询", "nav.actor": "主体", "nav.crosscheck": "对照检查",
    "query.named": "常用问题", "query.run": "查询", "query.free": "SPARQL 查询",
    "query.runFree": "运行 SPARQL", "download": "下载", "rows": "条结果",
    "resource.properties": "属性", "resource.source": "原文", "resource.related": "相关规范",
    "resource.incoming": "被引用", "actor.norms": "职责、权限与禁止", "actor.graph": "报告与监督关系",
    "inherited": "继承", "stated": "明示", "inferred": "推理",
    "cc.pick": "选择地方文件", "cc.upload": "或上传 .txt / .md / .docx", "cc.run": "对照",
    "cc.matrix": "覆盖矩阵", "cc.provision": "中央条款", "cc.status": "覆盖情况", "cc.local": "地方措施",
    "cc.extends": "拓展：中央意见没有对应条款的地方措施", "cc.localQuote": "地方", "cc.centralQuote": "中央",
    "implements": "落实", "refines": "细化", "extends": "拓展", "departs": "偏离",
    "covered": "已覆盖", "partly covered": "部分覆盖", "not covered": "未覆盖",
    "reports to": "向其报告", "supervises": "监督",
    "err.network": "无法连接服务器：请确认 policykb serve 正在运行，然后重试。",
    "err.notJson": "服务器返回了非 policykb 的应答（HTTP {status}），请稍后重试。",
    "ask.true": "是", "ask.false": "否",
    "actor.pick": "选择主体", "loading": "加载中…", "lang": "English",
  },
  en: {
    "nav.query": "Query", "nav.actor": "Actor", "nav.crosscheck": "Cross-check",
    "query.named": "Questions", "query.run": "Ask", "query.free": "SPARQL query",
    "query.runFree": "Run SPARQL", "download": "Download", "rows": "rows",
    "resource.properties": "Properties", "resource.source": "Source text", "resource.related": "Related norms",
    "resource.incoming": "Referred to by", "actor.norms": "Duties, permissions and prohibitions",
    "actor.graph": "Reporting and supervision", "inherited": "inherited", "stated": "stated", "inferred": "inferred",
    "cc.pick": "Pick a local document", "cc.upload": "or upload .txt / .md / .docx", "cc.run": "Cross-check",
    "cc.matrix": "Coverage matrix", "cc.provision": "Central provision", "cc.status": "Status", "cc.local": "Local measures",
    "cc.extends": "Extends: local measures with no central counterpart", "cc.localQuote": "local", "cc.centralQuote": "central",
    "err.network": "The server cannot be reached: check that policykb serve is running, then try again.",
    "err.notJson": "The server sent an answer that is not policykb's (HTTP {status}); try again later.",
    "ask.true": "yes", "ask.false": "no",
    "actor.pick": "Choose an actor", "loading": "Loading…", "lang": "中文",
  },
};
let lang = localStorage.getItem("policykb.lang") || "zh";
let labels = {};
let queriesCache = null;
const t = (key) => TEXT[lang][key] || key;
const $ = (sel, root = document) => root.querySelector(sel);
const esc = (s) => String(s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));

let pending = 0;  // requests under way: the loading line shows until the last one ends
let actorSet = new Set();
let viewGeneration = 0;  // bumped by each route(): an answer for a view left behind is dropped

/* A request to the server: its JSON answer, or an Error whose message a reader can act on
   (the server's own one-line message, or what to do when it cannot be reached). */
async function api(path, options) {
  pending += 1;
  $("#status").textContent = t("loading");
  try {
    let response;
    try { response = await fetch(path, options); }
    catch (e) { throw new Error(t("err.network")); }
    const type = response.headers.get("Content-Type") || "";
    if (!type.includes("json")) {
      if (response.ok) return { text: await response.text(), contentType: type };
      throw new Error(t("err.notJson").replace("{status}", response.status));
    }
    const data = await response.json();
    if (!response.ok) throw new Error(data.error || response.statusText);
    return data;
  } finally {
    pending -= 1;
    if (pending === 0) $("#status").textContent = "";
  }
}

/* Runs `load` for the current view; its result reaches `apply` only if the reader is still on
   that view and has made no newer request of the same kind (`slot`). */
const latest = {};
async function current(slot, load, apply, fail) {
  const generation = viewGeneration;
  const mine = (latest[slot] = (latest[slot] || 0) + 1);
  const stillWanted = () => generation === viewGeneration && mine === latest[slot];
  try {
    const value = await load();
    if (stillWanted()) apply(value);
  } catch (e) {
    if (stillWanted()) fail(e);
  }
}

/* The first `n` characters of a text, cut between characters, not inside one. */
const clip = (text, n) => { const chars = Array.from(String(text)); return chars.length > n ? chars.slice(0, n).join("") + "…" : chars.join(""); };
/* A quote as read: the source's line breaks (a wrapped column) are not spaces in the text. */
const unwrap = (text) => String(text).replace(/[ \t\u3000]*[\r\n]+[ \t\u3000]*/g, "");

const DATA_BASE = "https://w3id.org/policykb/id/";

const DIGITS = "零一二三四五六七八九";
const chineseNumber = (n) => n < 10 ? DIGITS[n] : n < 20 ? "十" + (n % 10 ? DIGITS[n % 10] : "")
  : n < 100 ? DIGITS[Math.floor(n / 10)] + "十" + (n % 10 ? DIGITS[n % 10] : "") : String(n);

/* A segment or norm IRI as a reader names the place: 意见 › 三、 › （八） › 第4句. */
function segmentName(path) {
  const parts = path.split("/");
  const kind = parts[0];
  const doc = parts[1];
  const docIri = DATA_BASE + "doc/" + doc;
  const names = [labels[docIri] ? clip(labels[docIri], 12) : doc];
  for (let i = 2; i + 1 < parts.length; i += 2) {
    const n = Number(parts[i + 1]);
    const zh = lang === "zh";
    const name = {
      part: `${chineseNumber(n)}、`, provision: `（${chineseNumber(n)}）`, item: `${n}.`,
      paragraph: zh ? `第${n}段` : `¶${n}`, sentence: zh ? `第${n}句` : `s${n}`,
      clause: zh ? `第${n}分句` : `c${n}`, norm: zh ? `规范${n}` : `norm ${n}`,
    }[parts[i]];
    names.push(name || `${parts[i]} ${parts[i + 1]}`);
  }
  if (parts.length % 2 === 1 && parts.length > 2) names.push(parts[parts.length - 1]);  // preamble, title
  return (kind === "norm" ? (lang === "zh" ? "规范 · " : "norm · ") : "") + names.join(" › ");
}

/* Standard vocabularies' properties, named in Chinese (the ontology's own carry labels). */
const STANDARD_NAMES = {
  "http://www.w3.org/1999/02/22-rdf-syntax-ns#type": "类型",
  "http://www.w3.org/ns/prov#wasDerivedFrom": "出自",
  "http://purl.org/dc/terms/issued": "发布日期", "http://purl.org/dc/terms/title": "标题",
  "http://purl.org/dc/terms/isPartOf": "属于", "http://purl.org/dc/terms/creator": "制定机关",
  "http://www.w3.org/2000/01/rdf-schema#label": "名称", "http://www.w3.org/2004/02/skos/core#prefLabel": "名称",
  "http://www.w3.org/ns/oa#hasSelector": "选择器", "http://www.w3.org/ns/oa#hasSource": "来源文件",
};

function short(iri) {
  if (labels[iri]) return labels[iri];
  if (lang === "zh" && STANDARD_NAMES[iri]) return STANDARD_NAMES[iri];
  if (iri.startsWith(DATA_BASE)) {
    const path = decodeURIComponent(iri.slice(DATA_BASE.length));
    if (/^(doc|norm)\/[^/]+\//.test(path) && !path.includes("#")) return segmentName(path);
    return path;
  }
  const m = iri.match(/[#/]([^#/]+)$/);
  return m ? decodeURIComponent(m[1]) : iri;
}

function iriLink(iri) {
  const view = actorSet.has(iri) ? "actor" : "resource";
  return `<a class="iri" href="#/${view}?iri=${encodeURIComponent(iri)}" title="${esc(iri)}">${esc(short(iri))}</a>`;
}

function cell(binding) {
  if (!binding) return "";
  if (binding.type === "uri") return iriLink(binding.value);
  if (lang === "zh" && binding.datatype === "http://www.w3.org/2001/XMLSchema#boolean") {
    return binding.value === "true" ? "是" : "否";
  }
  return esc(unwrap(binding.value));
}

/* A SPARQL JSON result as a table: labels instead of IRIs; a quote with its span opens the
   source text with that span highlighted. */
/* The named queries' answer columns, named in Chinese; the variable shows on hover. */
const COLUMN_NAMES = {
  norm: "规范", bearer: "义务主体", member: "主体", actor: "主体", modality: "规范类型", action: "行为",
  actionText: "行为原文", recipient: "接收方", recipientText: "接收方原文", target: "对象",
  condition: "条件", sanction: "处理", sanctionConcept: "处理类型", frequency: "频次", quote: "原文",
  document: "文件", provision: "条款", start: "起", end: "止", title: "标题", rule: "地方文件",
  level: "层级", issuer: "制定机关", issued: "日期", grade: "问题等级", text: "原文", segment: "片段",
  score: "得分", relation: "关系", localQuote: "地方原文", heading: "标题句", number: "编号",
  inherited: "继承", direct: "直接", aboutTopLeader: "涉及一把手", from: "从", to: "到", kind: "类型",
  statedFor: "明示主体", duties: "职责数", norms: "规范数", provisions: "条款数", label: "名称",
};

/* The named queries' parameters, named in Chinese. */
const PARAMETER_NAMES = {
  actor: "主体", member: "班子成员类别", from: "从哪一主体", document: "文件", frequency: "频次",
  ordinal: "条款序号", rule: "地方文件", term: "词语",
};

function resultTable(result) {
  const vars = result.head.vars;
  const rows = result.results.bindings;
  const head = vars.map((v) => `<th title="?${esc(v)}">${esc(lang === "zh" && COLUMN_NAMES[v] ? COLUMN_NAMES[v] : v)}</th>`).join("");
  const body = rows.map((row) => {
    const tds = vars.map((v) => {
      if (v === "quote" && row.document && row.start && row.end) {
        const target = row.norm ? row.norm.value : "";
        const href = `#/resource?iri=${encodeURIComponent(target)}&doc=${encodeURIComponent(row.document.value)}&start=${row.start.value}&end=${row.end.value}`;
        return `<td><a class="quote" href="${href}">${esc(unwrap(row.quote.value))}</a></td>`;
      }
      return `<td>${cell(row[v])}</td>`;
    }).join("");
    return `<tr>${tds}</tr>`;
  }).join("");
  return `<p>${rows.length} ${t("rows")}</p><div class="wide"><table class="results"><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table></div>`;
}

function downloads(result, name) {
  const vars = result.head.vars;
  const quoteCsv = (s) => `"${String(s).replace(/"/g, '""')}"`;
  const csv = [vars.join(",")].concat(result.results.bindings.map((row) => vars.map((v) => quoteCsv(row[v] ? row[v].value : "")).join(","))).join("\r\n");
  // A byte-order mark, so that Excel reads the Chinese as UTF-8.
  const csvUrl = URL.createObjectURL(new Blob(["\ufeff" + csv], { type: "text/csv" }));
  const jsonUrl = URL.createObjectURL(new Blob([JSON.stringify(result, null, 1)], { type: "application/sparql-results+json" }));
  return `${t("download")}: <a id="dl-csv" href="${csvUrl}" download="${name}.csv">CSV</a> · <a id="dl-json" href="${jsonUrl}" download="${name}.json">JSON</a>`;
}

/* Whether the view that started loading is still the one shown (no newer route since). */
const stale = (generation) => generation !== viewGeneration;

async function viewQuery() {
  const generation = viewGeneration;
  if (!queriesCache) queriesCache = await api("/api/queries");
  if (stale(generation)) return;
  const options = queriesCache.map((q) => `<option value="${esc(q.name)}">${esc(lang === "zh" ? q.title_zh : q.title)}</option>`).join("");
  $("#view").innerHTML = `
    <h2>${t("query.named")}</h2>
    <select id="named">${options}</select>
    <div class="params" id="params"></div>
    <button id="ask" type="button">${t("query.run")}</button>
    <h2>${t("query.free")}</h2>
    <textarea id="sparql"></textarea>
    <button id="runFree" type="button">${t("query.runFree")}</button>
    <div id="downloads"></div><div id="results"></div>`;
  const editor = CodeMirror.fromTextArea($("#sparql"), {
    mode: "application/sparql-query", lineNumbers: true,
    extraKeys: { "Ctrl-Enter": () => $("#runFree").click(), "Cmd-Enter": () => $("#runFree").click() },
  });
  let edited = false;  // a question fills the editor only while the reader has not typed in it
  editor.on("change", (_cm, change) => { if (change.origin !== "setValue") edited = true; });
  const show = () => {
    const q = queriesCache.find((x) => x.name === $("#named").value);
    const named = (p) => (lang === "zh" && PARAMETER_NAMES[p.name]) || p.name;
    const described = (p) => (lang === "zh" && p.description_zh) || p.description;
    $("#params").innerHTML = q.parameters.map((p) => `<label title="${esc(p.name)}">${esc(named(p))} <input data-param="${esc(p.name)}" value="${esc(p.default)}" title="${esc(described(p))}"> <small>${esc(described(p))}</small></label>`).join("");
    $("#params").querySelectorAll("input").forEach((input) => input.addEventListener("keydown", (e) => { if (e.key === "Enter") $("#ask").click(); }));
    if (!edited) editor.setValue(q.sparql);
  };
  $("#named").addEventListener("change", show);
  show();
  const clear = () => { $("#results").innerHTML = `<p>${t("loading")}</p>`; $("#downloads").innerHTML = ""; };
  const render = (result, name) => {
    if (result.boolean !== undefined) {  // ASK
      $("#results").innerHTML = `<p class="boolean">ASK: <b>${t(result.boolean ? "ask.true" : "ask.false")}</b></p>`;
    } else if (result.text !== undefined) {  // CONSTRUCT or DESCRIBE: the triples as the server wrote them
      $("#results").innerHTML = `<pre class="graph">${esc(result.text)}</pre>`;
    } else {
      $("#results").innerHTML = resultTable(result);
      $("#downloads").innerHTML = downloads(result, name);
    }
  };
  const failed = (e) => { $("#results").innerHTML = `<p class="error">${esc(e.message)}</p>`; $("#downloads").innerHTML = ""; };
  $("#ask").addEventListener("click", () => {
    const params = new URLSearchParams({ name: $("#named").value });
    document.querySelectorAll("[data-param]").forEach((input) => params.set("p." + input.dataset.param, input.value));
    const name = $("#named").value;
    clear();
    current("results", () => api("/api/ask?" + params), (r) => render(r, name), failed);
  });
  $("#runFree").addEventListener("click", () => {
    const body = editor.getValue();
    clear();
    current("results", () => api("/query", {
      method: "POST",
      headers: { "Content-Type": "application/sparql-query", Accept: "application/sparql-results+json, text/turtle;q=0.9" },
      body,
    }), (r) => render(r, "query"), failed);
  });
}

async function sourceBlock(doc, start, end) {
  const source = await api("/api/source?doc=" + encodeURIComponent(doc));
  const text = source.text;
  return `<h3>${t("resource.source")} <small>${esc(source.file)} [${start}, ${end})</small></h3>
    <div class="source" id="source">${esc(text.slice(0, start))}<mark id="highlight">${esc(text.slice(start, end))}</mark>${esc(text.slice(end))}</div>`;
}

function graphTag(g) {
  const name = g.split("/").pop();
  return `<span class="tag ${esc(name)}">${esc(t(name))}</span>`;
}

async function viewResource(params) {
  const generation = viewGeneration;
  const iri = params.get("iri");
  const r = iri ? await api("/api/resource?iri=" + encodeURIComponent(iri)) : null;
  let doc = params.get("doc"), start = params.get("start"), end = params.get("end");
  if (r && r.span && !start) { doc = r.span.source; start = r.span.start; end = r.span.end; }
  // Each crumb names its own step (三、, （八）, 第1段); the document comes first.
  const crumb = (c) => `<a class="iri" href="#/resource?iri=${encodeURIComponent(c)}" title="${esc(c)}">${esc(short(c).split(" › ").pop())}</a>`;
  const crumbs = r ? r.chain.map(crumb).join(" › ") : "";
  const props = r ? r.properties.map((p) => `<tr><td>${iriLink(p.p)}</td><td>${/^https?:/.test(p.o) ? iriLink(p.o) : esc(p.o)}</td><td>${graphTag(p.g)}</td></tr>`).join("") : "";
  const related = r ? r.related.map((x) => `<li>${iriLink(x.norm)} <small>(${esc(x.how)})</small></li>`).join("") : "";
  const source = doc && start !== null ? await sourceBlock(doc, Number(start), Number(end)) : "";
  if (stale(generation)) return;
  $("#view").innerHTML = `
    <h2>${r ? iriLink(r.iri) : ""}</h2>
    <div class="crumbs">${doc ? iriLink(doc) : ""}${crumbs ? " › " + crumbs : ""}</div>
    ${source}
    <h3>${t("resource.properties")}</h3><div class="wide"><table id="properties">${props}</table></div>
    ${related ? `<h3>${t("resource.related")}</h3><ul>${related}</ul>` : ""}`;
  const mark = $("#highlight");
  if (mark) mark.scrollIntoView({ block: "center" });
}

function actorGraph(center, edges) {
  const nodes = [...new Set(edges.flatMap((e) => [e.from, e.to]).filter((n) => n !== center))];
  const w = 640, h = 360, cx = w / 2, cy = h / 2, radius = 140;
  const pos = { [center]: [cx, cy] };
  nodes.forEach((n, i) => { const a = (2 * Math.PI * i) / Math.max(nodes.length, 1); pos[n] = [cx + radius * Math.cos(a), cy + radius * Math.sin(a)]; });
  const lines = edges.map((e) => {
    const [x1, y1] = pos[e.from], [x2, y2] = pos[e.to];
    const color = e.kind === "reports to" ? "#7a1414" : "#1d4ed8";
    return `<line x1="${x1}" y1="${y1}" x2="${x2}" y2="${y2}" stroke="${color}" marker-end="url(#arrow)"><title>${esc(short(e.from))} ${esc(t(e.kind))} ${esc(short(e.to))}</title></line>`;
  }).join("");
  const labelsSvg = Object.entries(pos).map(([n, [x, y]]) => `<g><circle cx="${x}" cy="${y}" r="5" fill="${n === center ? "#7a1414" : "#555"}"></circle><text x="${x + 7}" y="${y - 6}">${esc(short(n))}</text></g>`).join("");
  return `<svg id="actor-graph" viewBox="0 0 ${w} ${h}" style="max-width:${w}px;width:100%"><defs><marker id="arrow" viewBox="0 0 10 10" refX="14" refY="5" markerWidth="6" markerHeight="6" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#555"/></marker></defs>${lines}${labelsSvg}</svg>
    <p><span style="color:#7a1414">→</span> ${t("reports to")} · <span style="color:#1d4ed8">→</span> ${t("supervises")}</p>`;
}

async function viewActor(params) {
  const generation = viewGeneration;
  const iri = params.get("iri");
  const a = await api("/api/actor?iri=" + encodeURIComponent(iri));
  if (stale(generation)) return;
  const rows = a.norms.map((n) => `<tr><td>${esc(short(n.modality))}</td><td>${iriLink(n.norm)}${n.inherited === "true" ? `<span class="tag">${t("inherited")}</span>` : ""}</td><td>${esc(n.actionText)}</td><td>${esc(unwrap(n.quote))}</td></tr>`).join("");
  // Any actor can be chosen here, by its label; the menu link opens 一把手.
  const choices = [...actorSet].filter((c) => labels[c]).sort((x, y) => labels[x].localeCompare(labels[y], "zh"));
  const picker = `<label>${t("actor.pick")} <select id="actor-pick">${choices.map((c) => `<option value="${esc(c)}"${c === a.iri ? " selected" : ""}>${esc(labels[c])}</option>`).join("")}</select></label>`;
  $("#view").innerHTML = `${picker}<h2>${iriLink(a.iri)}</h2>
    <h3>${t("actor.graph")}</h3>${actorGraph(a.iri, a.edges)}
    <h3>${t("actor.norms")} (${a.norms.length})</h3><div class="wide"><table id="actor-norms">${rows}</table></div>`;
  $("#actor-pick").addEventListener("change", (e) => { location.hash = "#/actor?iri=" + encodeURIComponent(e.target.value); });
}

const STATUS_CLASS = { covered: "ok", "partly covered": "part", "not covered": "none" };

function matrix(result) {
  const byProvision = {};
  result.alignments.concat(result.omissions).forEach((a) => { if (a.provision) (byProvision[a.provision] = byProvision[a.provision] || []).push(a); });
  const rows = result.coverage.map((row) => {
    const items = (byProvision[row.provision] || []).map(verdictDetails).join("");
    return `<tr class="${STATUS_CLASS[row.status]}" data-provision="${esc(row.provision)}"><td>${esc(row.label)} ${esc(row.heading)}</td><td class="status">${esc(t(row.status))} (${row.central_norms_covered}/${row.central_norms})</td><td>${items}</td></tr>`;
  }).join("");
  const counts = Object.entries(result.counts).map(([k, v]) => `${esc(t(k))} <b>${v}</b>`).join(", ");
  const extending = result.alignments.filter((a) => !a.provision);
  return `<p id="cc-counts">${esc(result.local)}: ${counts}</p><h3>${t("cc.matrix")}</h3>
    <div class="wide"><table id="matrix"><tr><th>${t("cc.provision")}</th><th>${t("cc.status")}</th><th>${t("cc.local")}</th></tr>${rows}</table></div>
    ${extending.length ? `<h3>${t("cc.extends")} (${extending.length})</h3><div id="cc-extends">${extending.map(verdictDetails).join("")}</div>` : ""}`;
}

/* One verdict: its summary line (place, the local quote or the dropped central one) opening
   onto both quotes, each labelled, with its offsets in its own file, and the reasons. */
function verdictDetails(a) {
  const quote = (which, q) => q ? `<blockquote><b>${t(which)}</b> ${q.place ? esc(q.place) + " " : ""}${esc(q.quote)} <small>${esc(q.source || "")} [${q.start}, ${q.end})</small></blockquote>` : "";
  const shown = (a.local || a.central || {}).quote || "";
  return `<details><summary><span class="v-${esc(a.verdict)}">${esc(t(a.verdict))}</span> ${a.local ? a.score.toFixed(2) + " — " : "— "}${a.local && a.local.place ? esc(a.local.place) + " " : ""}${esc(clip(shown, 40))}</summary>
      ${quote("cc.localQuote", a.local)}${quote("cc.centralQuote", a.central)}
      <small>${esc(a.reasons.join("; "))}</small></details>`;
}

async function viewCrosscheck() {
  const generation = viewGeneration;
  const docs = await api("/api/local-documents");
  if (stale(generation)) return;
  $("#view").innerHTML = `<h2>${t("nav.crosscheck")}</h2>
    <label>${t("cc.pick")} <select id="cc-doc">${docs.map((d) => `<option value="${esc(d.id)}">${esc(d.title)}</option>`).join("")}</select></label>
    <button id="cc-run" type="button">${t("cc.run")}</button>
    <label>${t("cc.upload")} <input id="cc-file" type="file" accept=".txt,.md,.docx"></label>
    <div id="cc-result"></div>`;
  const show = (load) => {
    $("#cc-result").innerHTML = `<p>${t("loading")}</p>`;
    current("crosscheck", load, (r) => { $("#cc-result").innerHTML = matrix(r); },
      (e) => { $("#cc-result").innerHTML = `<p class="error">${esc(e.message)}</p>`; });
  };
  $("#cc-run").addEventListener("click", () => {
    $("#cc-file").value = "";  // the result shown is the picked rule's, not a file's
    show(() => api("/api/crosscheck?local=" + encodeURIComponent($("#cc-doc").value)));
  });
  $("#cc-file").addEventListener("change", () => {
    const file = $("#cc-file").files[0];
    if (file) show(() => api("/api/crosscheck", { method: "POST", headers: { "X-Filename": encodeURIComponent(file.name) }, body: file }));
    $("#cc-file").value = "";  // choosing the same file again, after editing it, runs it again
  });
}

async function route() {
  viewGeneration += 1;
  const generation = viewGeneration;
  document.documentElement.lang = lang;
  document.querySelectorAll("[data-i18n]").forEach((el) => { el.textContent = t(el.dataset.i18n); });
  $("#lang").textContent = t("lang");
  const hash = location.hash || "#/query";
  const [path, query] = hash.slice(1).split("?");
  const params = new URLSearchParams(query || "");
  try {
    if (path === "/resource") await viewResource(params);
    else if (path === "/actor") await viewActor(params);
    else if (path === "/crosscheck") await viewCrosscheck();
    else await viewQuery();
  } catch (e) {
    if (generation === viewGeneration) $("#view").innerHTML = `<p class="error">${esc(e.message)}</p>`;
  }
}

async function loadLabels() {
  try { labels = await api("/api/labels?lang=" + lang); }
  catch (e) { labels = {}; }  // IRIs then show their local names; the view says what failed
}

async function start() {
  $("#lang").addEventListener("click", async () => {
    lang = lang === "zh" ? "en" : "zh";
    localStorage.setItem("policykb.lang", lang);
    await loadLabels();
    route();
  });
  await loadLabels();
  try { actorSet = new Set(await api("/api/actors")); } catch (e) { actorSet = new Set(); }
  window.addEventListener("hashchange", route);
  route();
}

start();
