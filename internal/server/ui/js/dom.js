// Small DOM helpers: h() builds elements, svg() SVG elements.

const SVG_NS = 'http://www.w3.org/2000/svg';

function build(el, attrs, children) {
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') el.setAttribute('class', Array.isArray(v) ? v.filter(Boolean).join(' ') : v);
    else if (k === 'testid') el.dataset.testid = v;
    else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'text') el.textContent = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === undefined || c === null || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : String(c));
  }
}

/** h('div', {class: 'x', testid: 'y', onclick: fn}, ...children) */
export function h(tag, attrs, ...children) {
  return build(document.createElement(tag), attrs, children);
}

/** svg('path', {d: '…'}) */
export function svg(tag, attrs, ...children) {
  return build(document.createElementNS(SVG_NS, tag), attrs, children);
}

export function clear(el) {
  while (el.firstChild) el.firstChild.remove();
  return el;
}

/** "3m ago" with the full time as a tooltip. */
export function timeAgo(iso) {
  if (!iso) return h('span', {class: 'muted'}, '—');
  const t = new Date(iso);
  const s = Math.round((Date.now() - t.getTime()) / 1000);
  let text;
  if (s < 45) text = 'just now';
  else if (s < 90 * 60) text = `${Math.round(s / 60)}m ago`;
  else if (s < 36 * 3600) text = `${Math.round(s / 3600)}h ago`;
  else text = `${Math.round(s / 86400)}d ago`;
  return h('span', {title: t.toLocaleString()}, text);
}

export function shortRev(rev) {
  if (!rev) return '';
  return /^[0-9a-f]{40}$/.test(rev) ? rev.slice(0, 7) : rev;
}

/** repoName shortens a repository URL: "acme/shop" for
 * https://github.com/acme/shop.git, the last segment for a local path. */
export function repoName(url) {
  if (!url) return '';
  const path = url.replace(/^[a-z+]+:\/\/[^/]*\/?/, '').replace(/^[^@/]+@[^:]+:/, '').replace(/\.git$/, '').replace(/\/+$/, '');
  const parts = path.split('/').filter(Boolean);
  if (/^file:/.test(url)) return parts.slice(-1).join('/');
  return parts.slice(-2).join('/');
}

export const appKey = (a) => `${a.namespace}/${a.name}`;

export function appHref(ns, name, sub = '') {
  return `#/apps/${encodeURIComponent(ns)}/${encodeURIComponent(name)}${sub ? '/' + sub : ''}`;
}

export function appSetHref(ns, name) {
  return `#/appsets/${encodeURIComponent(ns)}/${encodeURIComponent(name)}`;
}

/** debounce(fn, ms) calls fn once after calls stop for ms. */
export function debounce(fn, ms) {
  let t;
  const d = (...args) => { clearTimeout(t); t = setTimeout(() => fn(...args), ms); };
  d.cancel = () => clearTimeout(t);
  return d;
}
