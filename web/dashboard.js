/*
 * The dashboard of the IT centre and the inspectors: lookups per hour over the
 * last 24 hours (an SVG bar chart drawn here from GET /lookups), new alerts, open
 * incidents with their report deadlines counting down, blocked addresses and the
 * audit chain's verify status. Each part loads on its own, so one that the
 * server does not have (or the role may not read) says so and the rest still show.
 */
import { $, api, el, errorText, fillTable, localHour, missing } from './core.js';
import { t } from './i18n.js';
import { incidentRow, openDetail } from './incidents.js';
import { open, register } from './views.js';
import { alertRow, blockRow } from './watch.js';

const SVG = 'http://www.w3.org/2000/svg';
const HOUR = 3600000;
let counts = null; /* [24] lookups per hour, oldest first, and the first hour's start */

function svg(tag, attrs, text) {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}

async function loadChart() {
  const now = Date.now();
  const start = Math.floor(now / HOUR) * HOUR - 23 * HOUR;
  const from = new Date(start).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const res = await api('GET', '/lookups?limit=10000&from=' + encodeURIComponent(from));
  if (res.status !== 200) {
    showPart('dash-chart-error', missing(res) ? t('not_available') : errorText(res));
    counts = null;
    drawChart();
    return;
  }
  showPart('dash-chart-error', '');
  const c = new Array(24).fill(0);
  for (const l of res.data.lookups || []) {
    const i = Math.floor((Date.parse(l.time) - start) / HOUR);
    if (i >= 0 && i < 24) c[i]++;
  }
  counts = { c, start, capped: (res.data.lookups || []).length >= 10000 };
  drawChart();
}

function drawChart() {
  const box = $('dash-chart');
  box.textContent = '';
  if (!counts) return;
  const { c, start } = counts;
  /* drawn at the width it is shown at, so that its text stays readable on a phone */
  const W = Math.max(300, Math.min(960, box.clientWidth || 720)), H = 220, L = 40, B = 30, T = 12;
  const bw = (W - L - 8) / 24;
  const every = W < 500 ? 6 : 3;
  const max = Math.max(1, ...c);
  const total = c.reduce((a, b) => a + b, 0);
  const s = svg('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-labelledby': 'dash-chart-t dash-chart-d',
    class: 'chart', preserveAspectRatio: 'xMidYMid meet' });
  s.append(svg('title', { id: 'dash-chart-t' }, t('chart_title')));
  const peak = c.indexOf(Math.max(...c));
  s.append(svg('desc', { id: 'dash-chart-d' }, t('chart_desc', {
    total, max: Math.max(...c), hour: String(localHour(start + peak * HOUR)).padStart(2, '0') + ':00'
  })));
  /* axis and grid: 0, half, max */
  for (const f of max >= 4 ? [0, 0.5, 1] : [0, 1]) {
    const y = H - B - f * (H - B - T);
    s.append(svg('line', { x1: L, x2: W - 4, y1: y, y2: y, class: 'grid' }));
    s.append(svg('text', { x: L - 6, y: y + 4, 'text-anchor': 'end', class: 'axis' }, String(Math.round(max * f))));
  }
  c.forEach((n, i) => {
    const h = (n / max) * (H - B - T);
    const x = L + i * bw + 2;
    const hour = localHour(start + i * HOUR);
    const g = svg('g', { 'data-hour': hour, 'data-count': n });
    const r = svg('rect', { x, y: H - B - h, width: Math.max(1, bw - 4), height: Math.max(0, h), class: 'bar' });
    r.append(svg('title', {}, t('chart_bar', { hour: String(hour).padStart(2, '0'), n })));
    g.append(r);
    if (i % every === 0) {
      g.append(svg('text', { x: x + (bw - 4) / 2, y: H - B + 16, 'text-anchor': 'middle', class: 'axis' },
        String(hour).padStart(2, '0') + 'h'));
    }
    s.append(g);
  });
  box.append(s);
  $('dash-chart-total').textContent = t(counts.capped ? 'chart_total_capped' : 'chart_total', { total });
}

function showPart(id, text) {
  const n = $(id);
  n.textContent = text || '';
  n.hidden = !text;
}

async function loadAlerts() {
  const res = await api('GET', '/alerts?status=new');
  if (res.status !== 200) {
    showPart('dash-alerts-error', missing(res) ? t('not_available') : errorText(res));
    fillTable($('dash-alerts'), [], null);
    return;
  }
  showPart('dash-alerts-error', '');
  const rows = res.data.alerts || [];
  $('dash-alerts-count').textContent = t('dash_alerts_count', { n: rows.length });
  fillTable($('dash-alerts'), rows.slice(0, 10), (a) => alertRow(a, null));
}

async function loadIncidents() {
  const res = await api('GET', '/incidents');
  if (res.status !== 200) {
    showPart('dash-inc-error', missing(res) ? t('not_available') : errorText(res));
    fillTable($('dash-incidents'), [], null);
    return;
  }
  showPart('dash-inc-error', '');
  const open_ = (res.data.incidents || []).filter((i) => i.status !== 'closed');
  open_.sort((a, b) => Date.parse(a.report_due_at) - Date.parse(b.report_due_at));
  $('dash-inc-count').textContent = t('dash_inc_count', { n: open_.length, o: open_.filter((i) => i.overdue).length });
  fillTable($('dash-incidents'), open_, (i) => incidentRow(i, async (id) => { await open('incidents'); await openDetail(id); }));
}

async function loadBlocks() {
  const res = await api('GET', '/blocks');
  if (res.status !== 200) {
    showPart('dash-blocks-error', missing(res) ? t('not_available') : errorText(res));
    fillTable($('dash-blocks'), [], null);
    return;
  }
  showPart('dash-blocks-error', '');
  fillTable($('dash-blocks'), res.data.blocks || [], (b) => blockRow(b, null));
}

async function loadVerify() {
  const v = await api('GET', '/audit/verify');
  const p = $('dash-verify');
  if (v.status === 200) {
    const d = v.data;
    p.textContent = d.ok ? t('verify_ok', { records: d.records, cp: d.checkpoint_seq })
      : t('verify_bad', { seq: d.first_bad_seq, reason: d.reason || '' });
    p.className = d.ok ? 'card ok-box' : 'error';
  } else {
    p.textContent = errorText(v);
    p.className = 'error';
  }
}

async function openDashboard() {
  await Promise.all([loadChart(), loadAlerts(), loadIncidents(), loadBlocks(), loadVerify()]);
}

export function initDashboard() {
  $('dash-refresh').addEventListener('click', openDashboard);
  let resizing = null;
  window.addEventListener('resize', () => {
    clearTimeout(resizing);
    resizing = setTimeout(() => { if (!$('view-dashboard').hidden) drawChart(); }, 200);
  });
  register('dashboard', { open: openDashboard, relabel: () => { drawChart(); openDashboard(); } });
}
