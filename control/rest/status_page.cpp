// The status page (GET /). It is written as three parts, the style, the markup and the script,
// so that the Content-Security-Policy can name the exact style and script it serves by their
// SHA-256: a hash is computed from the very text that is sent, so the two cannot drift apart.
// Hashes rather than a nonce because the page is the same for every request (a nonce is for
// pages made per request); rather than 'unsafe-inline' because that would also run any script
// that found its way into the page. The script writes the node's answers with textContent only.
#include "control/rest/status_page.h"

#include <openssl/evp.h>
#include <openssl/sha.h>

namespace dpf::rest {

namespace {

constexpr const char* kStyle = R"css(
:root { color-scheme: light dark; --fg: #1b1f24; --bg: #f6f7f9; --card: #fff; --muted: #5b6470;
  --line: #d9dde3; --ok: #1a7f37; --warn: #9a6700; --bad: #cf222e; }
@media (prefers-color-scheme: dark) {
  :root { --fg: #e6e8eb; --bg: #0f1216; --card: #181c22; --muted: #98a1ad; --line: #2d333b;
    --ok: #3fb950; --warn: #d29922; --bad: #f85149; } }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, sans-serif; color: var(--fg); background: var(--bg); }
header { padding: 12px 20px; border-bottom: 1px solid var(--line); background: var(--card);
  display: flex; flex-wrap: wrap; align-items: baseline; gap: 6px 28px; }
h1 { font-size: 20px; margin: 0; }
h1 small { font-weight: normal; color: var(--muted); font-size: 14px; margin-left: 6px; }
h2 { font-size: 15px; margin: 0 0 8px; }
h3 { font-size: 13px; margin: 10px 0 4px; color: var(--muted); font-weight: 600; }
.facts { display: flex; flex-wrap: wrap; gap: 2px 18px; margin: 0; }
.facts div { display: flex; gap: 6px; }
.facts dt { color: var(--muted); }
.facts dd { margin: 0; font-variant-numeric: tabular-nums; }
#updated { margin-left: auto; color: var(--muted); }
#banner { margin: 12px 20px 0; padding: 8px 12px; border: 1px solid var(--bad); border-radius: 6px;
  color: var(--bad); background: color-mix(in srgb, var(--bad) 8%, var(--card)); }
#banner ul { margin: 4px 0 0; padding-left: 18px; }
main { display: grid; grid-template-columns: repeat(auto-fit, minmax(380px, 1fr)); gap: 14px;
  padding: 14px 20px; }
section { background: var(--card); border: 1px solid var(--line); border-radius: 8px;
  padding: 12px 14px; min-width: 0; }
section.wide { grid-column: 1 / -1; }
@media (min-width: 1000px) { section.span2 { grid-column: span 2; } }
.scroll { overflow-x: auto; }
td.wrap { white-space: normal; }
section.stale { opacity: .55; }
section.stale h2::after { content: " (stale)"; color: var(--bad); font-weight: normal; }
table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
th, td { text-align: left; padding: 3px 8px 3px 0; border-bottom: 1px solid var(--line);
  white-space: nowrap; }
th { color: var(--muted); font-weight: 600; font-size: 12px; }
td.num, th.num { text-align: right; }
.muted, .empty { color: var(--muted); }
.role { font-weight: 700; padding: 1px 6px; border-radius: 4px; font-size: 12px; }
.role-MASTER { color: #fff; background: var(--ok); }
.role-BACKUP { color: #fff; background: var(--warn); }
.role-INIT { color: #fff; background: var(--bad); }
.good { color: var(--ok); } .warn { color: var(--warn); } .bad { color: var(--bad); }
ul.plain { list-style: none; margin: 0; padding: 0; }
ul.plain li { padding: 2px 0; }
progress { width: 100%; height: 10px; }
.big { font-size: 22px; font-weight: 700; }
#pps-chart { width: 100%; height: 200px; display: block; }
#pps-chart .grid { stroke: var(--line); stroke-width: 1; }
#pps-chart text { fill: var(--muted); font-size: 11px; }
#pps-chart .line { fill: none; stroke: var(--c); stroke-width: 1.8; }
#pps-chart .line.tx { stroke-dasharray: 5 3; }
.swatch { display: inline-block; width: 10px; height: 10px; border-radius: 2px;
  background: var(--c); margin-right: 6px; }
.c0 { --c: #1f77b4; } .c1 { --c: #d62728; } .c2 { --c: #2ca02c; } .c3 { --c: #9467bd; }
.c4 { --c: #ff7f0e; } .c5 { --c: #17becf; } .c6 { --c: #8c564b; } .c7 { --c: #e377c2; }
footer { padding: 4px 20px 16px; color: var(--muted); font-size: 12px; }
)css";

// Every element the script fills has an id; rows carry data-* keys (data-vhid, data-peer,
// data-port, data-reason) so that tests and readers find them without the text.
constexpr const char* kBody = R"html(
<header>
  <h1><span id="node-name">dpf</span><small id="node-cluster"></small></h1>
  <dl class="facts">
    <div><dt>version</dt><dd id="node-version">–</dd></div>
    <div><dt>uptime</dt><dd id="node-uptime">–</dd></div>
    <div><dt>hostid</dt><dd id="node-hostid">–</dd></div>
    <div><dt>workers</dt><dd id="node-workers">–</dd></div>
    <div><dt>peers</dt><dd id="node-peers">–</dd></div>
  </dl>
  <span id="updated">waiting for the node…</span>
</header>
<div id="banner" role="alert" hidden></div>
<main>
  <section id="carp" class="span2" data-source="carp">
    <h2>CARP</h2>
    <dl class="facts" id="carp-facts">
      <div><dt>preempt</dt><dd id="carp-preempt">–</dd></div>
      <div><dt>demotion</dt><dd id="carp-demotion">–</dd></div>
    </dl>
    <div class="scroll"><table>
      <thead><tr><th>vhid</th><th>interface</th><th>role</th><th class="num">advbase</th>
        <th class="num">advskew</th><th class="num">demotion</th><th>addresses</th>
        <th>last change</th></tr></thead>
      <tbody id="carp-vhids"></tbody>
    </table></div>
  </section>
  <section id="pfsync" data-source="pfsync">
    <h2>pfsync</h2>
    <dl class="facts">
      <div><dt>sync interface</dt><dd id="pfsync-syncdev">–</dd></div>
      <div><dt>bulk update</dt><dd id="pfsync-bulk">–</dd></div>
      <div><dt>packets in</dt><dd id="pfsync-in">–</dd></div>
      <div><dt>packets out</dt><dd id="pfsync-out">–</dd></div>
    </dl>
    <h3>peers heard</h3>
    <ul class="plain" id="pfsync-peers"></ul>
  </section>
  <section id="states" data-source="pf">
    <h2>states</h2>
    <p><span class="big" id="states-count">–</span> of <span id="states-limit">–</span></p>
    <progress id="states-usage" max="1" value="0"></progress>
    <dl class="facts">
      <div><dt>inserts/s</dt><dd id="states-inserts">–</dd></div>
      <div><dt>removals/s</dt><dd id="states-removals">–</dd></div>
      <div><dt>refused at the limit</dt><dd id="states-refused">–</dd></div>
      <div><dt>rules</dt><dd id="pf-rules">–</dd></div>
    </dl>
  </section>
  <section id="drops" data-source="stats">
    <h2>drops</h2>
    <p><span class="big" id="drops-total">–</span> packets dropped since start</p>
    <div class="scroll"><table>
      <thead><tr><th>reason</th><th class="num">packets</th>
        <th class="num">per second</th></tr></thead>
      <tbody id="drops-reasons"></tbody>
    </table></div>
  </section>
  <section id="traffic" class="wide" data-source="stats status">
    <h2>packets per second, last 60 s
      <small class="muted">(solid: received, dashed: sent)</small></h2>
    <svg id="pps-chart" viewBox="0 0 720 200" preserveAspectRatio="none" role="img"
      aria-label="packets per second per port"></svg>
    <div class="scroll"><table>
      <thead><tr><th>port</th><th>address</th><th>link</th><th class="num">rx pps</th>
        <th class="num">tx pps</th><th class="num">rx packets</th><th class="num">tx packets</th>
        <th class="num">rx missed</th></tr></thead>
      <tbody id="ports"></tbody>
    </table></div>
  </section>
</main>
<footer>Read-only: this page reads the node's GET /api/v1/status, stats, pf, pfsync and carp once a
second and changes nothing. <span id="poll-info"></span></footer>
)html";

// Plain JavaScript, no libraries. One poll at a time: the next starts a second after the last
// answer (or failure), so a slow node is never asked faster than it answers.
constexpr const char* kScript = R"js(
'use strict';
const ENDPOINTS = ['status', 'stats', 'pf', 'pfsync', 'carp'];
const PERIOD_MS = 1000, TIMEOUT_MS = 2500, WINDOW_S = 60;
const latest = {};        // endpoint -> its last good answer
let prevStats = null;     // {t, ports, drops} of the last new stats snapshot
let prevPf = null, prevSync = null;
const series = new Map(); // port -> [{t, rx, tx}] packets per second
let dropRates = {};
let polls = 0, lastGood = 0;

const $ = (id) => document.getElementById(id);
function el(tag, attrs, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === 'class') e.className = v; else e.setAttribute(k, v);
  }
  for (const k of kids) e.append(k instanceof Node ? k : String(k));
  return e;
}
function svg(tag, attrs) {
  const e = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  return e;
}
function setText(id, v) { $(id).textContent = v; }
const fmt = (n) => (typeof n === 'number' ? n.toLocaleString('en-US') : '–');
function rate(n) {
  if (typeof n !== 'number' || !isFinite(n)) return '–';
  if (n >= 1e6) return (n / 1e6).toFixed(2) + ' M';
  if (n >= 1e4) return (n / 1e3).toFixed(1) + ' k';
  return n >= 100 ? n.toFixed(0) : n.toFixed(1);
}
function duration(s) {
  if (typeof s !== 'number') return '–';
  s = Math.floor(s);
  const d = Math.floor(s / 86400), h = Math.floor(s / 3600) % 24, m = Math.floor(s / 60) % 60;
  const hms = [h, m, s % 60].map((x) => String(x).padStart(2, '0')).join(':');
  return d ? d + 'd ' + hms : hms;
}

async function get(name) {
  const ctl = new AbortController();
  const timer = setTimeout(() => ctl.abort(), TIMEOUT_MS);
  try {
    const res = await fetch('/api/v1/' + name, {signal: ctl.signal, cache: 'no-store'});
    const body = await res.json().catch(() => null);
    if (!res.ok)
      throw new Error('HTTP ' + res.status + (body && body.error ? ': ' + body.error : ''));
    if (body === null || typeof body !== 'object')
      throw new Error('the answer is not a JSON object');
    return body;
  } catch (e) {
    if (e.name === 'AbortError') throw new Error('no answer within ' + TIMEOUT_MS / 1000 + ' s');
    if (e instanceof TypeError) throw new Error('the node cannot be reached (' + e.message + ')');
    throw e;
  } finally {
    clearTimeout(timer);
  }
}

// Rates from counter deltas over the node's own clock (stats.uptime, the time of its snapshot):
// a snapshot seen twice adds nothing, and a smaller uptime means the node restarted.
function sample(stats) {
  const t = typeof stats.uptime === 'number' ? stats.uptime : performance.now() / 1000;
  if (prevStats && t === prevStats.t) return;
  if (prevStats && t < prevStats.t) { series.clear(); prevStats = null; }
  if (prevStats) {
    const dt = t - prevStats.t;
    const d = (a, b) => Math.max(0, (a || 0) - (b || 0)) / dt;
    for (const [name, c] of Object.entries(stats.ports || {})) {
      const p = prevStats.ports[name];
      if (!p) continue;
      if (!series.has(name)) series.set(name, []);
      const s = series.get(name);
      s.push({t, rx: d(c.rx_packets, p.rx_packets), tx: d(c.tx_packets, p.tx_packets)});
      while (s.length && s[0].t < t - WINDOW_S) s.shift();
    }
    dropRates = {};
    for (const [reason, n] of Object.entries(stats.drops || {}))
      dropRates[reason] = d(n, prevStats.drops[reason]);
  }
  prevStats = {t, ports: stats.ports || {}, drops: stats.drops || {}};
}

function renderNode(st) {
  setText('node-name', st.node || '(unnamed)');
  setText('node-cluster', st.cluster ? 'cluster ' + st.cluster : '');
  document.title = (st.node || 'dpf') + ' · dpf status';
  setText('node-version',
          st.version ? st.version + (st.dpdk ? ' (DPDK ' + st.dpdk + ')' : '') : '–');
  setText('node-uptime', duration(st.uptime));
  setText('node-hostid', st.hostid || '–');
  setText('node-workers',
          st.workers !== undefined ? st.workers + ' (' + (st.idle || '?') + ')' : '–');
}

function renderPeers(sync) {
  const peers = sync && sync.enabled ? sync.peers || [] : [];
  setText('node-peers', peers.length ? peers.map((p) => p.address).join(', ')
                                     : sync && sync.enabled ? 'none heard yet' : 'no pfsync');
  const ul = $('pfsync-peers');
  if (!sync || !sync.enabled) {
    ul.replaceChildren(el('li', {class: 'empty'}, 'pfsync is not running on this node'));
    return;
  }
  const heard = (p) => (typeof p.last_heard_ago === 'number' ? p.last_heard_ago.toFixed(1) : '?');
  ul.replaceChildren(...(peers.length ? peers.map((p) => el('li', {'data-peer': p.address},
      el('strong', {}, p.address), ' ', el('span', {class: 'muted'}, p.mac + ' · ' +
      fmt(p.frames) + ' frames · heard ' + heard(p) + ' s ago')))
      : [el('li', {class: 'empty'}, 'no peer heard yet')]));
}

function renderPfsync(sync, now) {
  renderPeers(sync);
  if (!sync.enabled) {
    for (const id of ['pfsync-syncdev', 'pfsync-bulk', 'pfsync-in', 'pfsync-out'])
      setText(id, '–');
    $('pfsync-bulk').dataset.bulk = 'off';
    return;
  }
  const b = sync.bulk || {};
  const bulk = b.done ? 'done' : b.in_progress ? 'in progress' : b.failed ? 'failed'
             : b.requested ? 'pending' : 'not requested';
  const bd = $('pfsync-bulk');
  bd.textContent = bulk + (b.tries ? ' (' + b.tries + (b.tries === 1 ? ' try, ' : ' tries, ') +
                   fmt(b.states_received) + ' states)' : '');
  bd.dataset.bulk = bulk.replace(' ', '-');
  bd.className = b.done ? 'good' : b.failed ? 'bad' : 'warn';
  setText('pfsync-syncdev', (sync.syncdev || '?') + (sync.sync_ok ? '' : ' (not in sync)'));
  const st = sync.stats || {};
  const pin = (st.ipackets || 0) + (st.ipackets6 || 0);
  const pout = (st.opackets || 0) + (st.opackets6 || 0);
  let rin, rout;
  if (prevSync && now > prevSync.t) {
    rin = (pin - prevSync.pin) / (now - prevSync.t);
    rout = (pout - prevSync.pout) / (now - prevSync.t);
  }
  prevSync = {t: now, pin, pout};
  setText('pfsync-in', fmt(pin) + (rin !== undefined ? ' (' + rate(rin) + '/s)' : ''));
  setText('pfsync-out', fmt(pout) + (rout !== undefined ? ' (' + rate(rout) + '/s)' : ''));
}

function renderCarp(carp) {
  const body = $('carp-vhids');
  if (carp.configured === false) {
    setText('carp-preempt', '–');
    setText('carp-demotion', '–');
    body.replaceChildren(
        el('tr', {}, el('td', {colspan: 8, class: 'empty'}, 'CARP is not configured')));
    return;
  }
  setText('carp-preempt', carp.preempt ? 'yes' : 'no');
  const src = Object.entries(carp.demotion_sources || {}).filter(([, n]) => n);
  setText('carp-demotion', String(carp.demotion ?? 0) +
          (src.length ? ' (' + src.map(([k, n]) => k + ' ' + n).join(', ') + ')' : ''));
  body.replaceChildren(...(carp.vhids || []).map((v) => {
    const lt = v.last_transition;
    return el('tr', {'data-vhid': v.vhid, 'data-state': v.state},
      el('td', {}, v.vhid), el('td', {}, v.interface),
      el('td', {}, el('span', {class: 'role role-' + v.state, 'data-field': 'state'}, v.state)),
      el('td', {class: 'num'}, v.advbase), el('td', {class: 'num'}, v.advskew),
      el('td', {class: 'num'}, v.demotion),
      el('td', {}, (v.addresses || []).join(', ')),
      el('td', {class: 'muted wrap'}, lt ? lt.from + ' → ' + lt.to + ' (' + lt.reason + ', ' +
        duration(lt.age_s) + ' ago)' : '–'));
  }));
}

function renderStates(pf, now) {
  setText('states-count', fmt(pf.states));
  setText('states-limit', fmt(pf.state_limit));
  const u = $('states-usage');
  u.max = pf.state_limit || 1;
  u.value = pf.states || 0;
  const c = pf.counters || {};
  if (prevPf && now > prevPf.t) {
    setText('states-inserts', rate((c.inserts - prevPf.inserts) / (now - prevPf.t)));
    setText('states-removals', rate((c.removals - prevPf.removals) / (now - prevPf.t)));
  }
  prevPf = {t: now, inserts: c.inserts || 0, removals: c.removals || 0};
  setText('states-refused', fmt(c.state_limit));
  setText('pf-rules', pf.enabled ? fmt(pf.rules) + (pf.ruleset ? ' (' + pf.ruleset + ')' : '')
                                 : 'no ruleset');
}

function renderDrops(stats) {
  setText('drops-total', fmt(stats.drops_total));
  const rows = Object.entries(stats.drops || {}).filter(([, n]) => n > 0)
                     .sort((a, b) => b[1] - a[1]);
  $('drops-reasons').replaceChildren(...(rows.length ? rows.map(([reason, n]) =>
      el('tr', {'data-reason': reason}, el('td', {}, reason), el('td', {class: 'num'}, fmt(n)),
         el('td', {class: 'num'}, rate(dropRates[reason])))) :
      [el('tr', {}, el('td', {colspan: 3, class: 'empty'}, 'no packet dropped'))]));
}

function portNames() {
  const names = Object.keys(latest.stats?.ports || {});
  for (const i of latest.status?.interfaces || [])
    if (!names.includes(i.name)) names.push(i.name);
  return names;
}

function renderPorts() {
  const names = portNames();
  const ifs = new Map((latest.status?.interfaces || []).map((i) => [i.name, i]));
  $('ports').replaceChildren(...names.map((name, k) => {
    const i = ifs.get(name) || {}, c = latest.stats?.ports?.[name] || {};
    const s = series.get(name) || [], last = s[s.length - 1] || {};
    const up = i.link ? i.link.up : undefined;
    return el('tr', {'data-port': name},
      el('td', {}, el('span', {class: 'swatch c' + (k % 8)}), name), el('td', {}, i.address || ''),
      el('td', {class: up ? 'good' : up === false ? 'bad' : ''},
         up === undefined ? '?' : up ? 'up' : 'down'),
      el('td', {class: 'num'}, rate(last.rx)), el('td', {class: 'num'}, rate(last.tx)),
      el('td', {class: 'num'}, fmt(c.rx_packets)), el('td', {class: 'num'}, fmt(c.tx_packets)),
      el('td', {class: 'num'}, fmt(c.rx_missed)));
  }));
}

// A round ceiling for the y axis: 1, 2 or 5 times a power of ten.
function ceiling(v) {
  if (!(v > 0)) return 10;
  const p = Math.pow(10, Math.floor(Math.log10(v)));
  for (const m of [1, 2, 5, 10]) if (v <= m * p) return m * p;
  return 10 * p;
}

function renderChart() {
  const chart = $('pps-chart');
  const W = 720, H = 200, L = 52, R = 8, T = 8, B = 20;
  const names = portNames();
  let tEnd = prevStats ? prevStats.t : 0, peak = 0, samples = 0;
  for (const s of series.values()) {
    for (const p of s) { peak = Math.max(peak, p.rx, p.tx); samples++; }
  }
  const top = ceiling(peak);
  const x = (t) => L + (W - L - R) * (1 - (tEnd - t) / WINDOW_S);
  const y = (v) => T + (H - T - B) * (1 - v / top);
  const kids = [];
  for (const f of [0, 0.5, 1]) {
    kids.push(svg('line', {class: 'grid', x1: L, x2: W - R, y1: y(top * f), y2: y(top * f)}));
    const label = svg('text', {x: L - 6, y: y(top * f) + 4, 'text-anchor': 'end'});
    label.textContent = rate(top * f);
    kids.push(label);
  }
  for (const [secs, anchor] of [[WINDOW_S, 'start'], [WINDOW_S / 2, 'middle'], [0, 'end']]) {
    const label = svg('text', {x: x(tEnd - secs), y: H - 4, 'text-anchor': anchor});
    label.textContent = secs ? '−' + secs + ' s' : 'now';
    kids.push(label);
  }
  names.forEach((name, k) => {
    const s = series.get(name) || [];
    for (const dir of ['rx', 'tx']) {
      kids.push(svg('polyline', {class: 'line c' + (k % 8) + (dir === 'tx' ? ' tx' : ''),
        'data-port': name, 'data-dir': dir, 'data-points': s.length,
        points: s.map((p) => x(p.t).toFixed(1) + ',' + y(p[dir]).toFixed(1)).join(' ')}));
    }
  });
  chart.replaceChildren(...kids);
  chart.dataset.samples = samples;
  chart.dataset.peak = peak.toFixed(1);
}

function showErrors(failed, fresh) {
  const banner = $('banner');
  banner.dataset.failed = failed.map((f) => f[0]).join(' ');
  if (!failed.length) { banner.hidden = true; banner.replaceChildren(); return; }
  const age = lastGood ? ' The page shows its answers of ' +
                         Math.round((Date.now() - lastGood) / 1000) + ' s ago.' : '';
  const head = fresh.size === 0
               ? 'The node does not answer.' + age
               : 'Some of the node\'s views could not be read; their sections show their last' +
                 ' answer.';
  banner.replaceChildren(el('strong', {}, head), el('ul', {}, ...failed.map(([name, why]) =>
      el('li', {'data-endpoint': name}, '/api/v1/' + name + ': ' + why))));
  banner.hidden = false;
}

async function poll() {
  const results = await Promise.allSettled(ENDPOINTS.map(get));
  const now = performance.now() / 1000;
  const failed = [], fresh = new Set();
  results.forEach((r, k) => {
    if (r.status === 'fulfilled') { latest[ENDPOINTS[k]] = r.value; fresh.add(ENDPOINTS[k]); }
    else failed.push([ENDPOINTS[k], r.reason && r.reason.message || String(r.reason)]);
  });
  // Each view renders on its own: one that fails (or has an unexpected shape) leaves the others.
  const views = [
    ['status', () => renderNode(latest.status)],
    ['stats', () => { sample(latest.stats); renderDrops(latest.stats); }],
    ['pf', () => renderStates(latest.pf, now)],
    ['pfsync', () => renderPfsync(latest.pfsync, now)],
    ['carp', () => renderCarp(latest.carp)],
  ];
  for (const [name, render] of views) {
    if (!fresh.has(name)) continue;
    try { render(); } catch (e) { failed.push([name, 'cannot show the answer: ' + e.message]); }
  }
  try {
    renderPorts();
    renderChart();
  } catch (e) {
    failed.push(['stats', 'cannot draw: ' + e.message]);
  }
  for (const section of document.querySelectorAll('section[data-source]')) {
    const sources = section.dataset.source.split(' ');
    section.classList.toggle('stale', failed.some((f) => sources.includes(f[0])));
  }
  showErrors(failed, fresh);
  if (fresh.size) lastGood = Date.now();
  polls++;
  document.body.dataset.polls = polls;
  if (!failed.length) document.body.dataset.ready = 'true';
  setText('updated',
          (failed.length ? 'last tried ' : 'updated ') + new Date().toLocaleTimeString());
  setText('poll-info', 'Polls: ' + polls + '.');
  setTimeout(poll, PERIOD_MS);
}

poll();
)js";

std::string base64(const unsigned char* data, size_t n) {
  std::string out(4 * ((n + 2) / 3) + 1, '\0');
  const int len = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), data, int(n));
  out.resize(size_t(len));
  return out;
}

}  // namespace

std::string csp_hash(const std::string& text) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest);
  return "sha256-" + base64(digest, sizeof digest);
}

const StatusPage& status_page() {
  static const StatusPage page = [] {
    StatusPage p;
    p.html =
        std::string("<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n") +
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n" +
        "<title>dpf status</title>\n<style>" + kStyle + "</style>\n</head>\n<body>" + kBody +
        "<script>" + kScript + "</script>\n</body>\n</html>\n";
    // Nothing but the node's own answers (connect-src 'self') and this style and script; no
    // frames, forms, plugins, images or base URL.
    p.csp = "default-src 'none'; script-src '" + csp_hash(kScript) + "'; style-src '" +
            csp_hash(kStyle) +
            "'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
    return p;
  }();
  return page;
}

}  // namespace dpf::rest
