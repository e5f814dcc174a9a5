// Side-by-side diff of two YAML texts: a line diff (longest common
// subsequence), changed lines highlighted, long unchanged runs folded.

import {h} from './dom.js';

const CONTEXT = 4;
const MAX_CELLS = 4_000_000; // beyond this, compare line by line

function lines(text) {
  if (!text) return [];
  const out = text.split('\n');
  if (out[out.length - 1] === '') out.pop();
  return out;
}

/** ops(a, b) → [{op: 'same'|'del'|'add', a?: i, b?: j}] */
export function lineDiff(a, b) {
  const n = a.length, m = b.length;
  if (n * m > MAX_CELLS) return naive(a, b);
  // lcs[i][j] = length of the LCS of a[i:] and b[j:], one flat array.
  const w = m + 1;
  const lcs = new Uint32Array((n + 1) * w);
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i * w + j] = a[i] === b[j] ? lcs[(i + 1) * w + j + 1] + 1 : Math.max(lcs[(i + 1) * w + j], lcs[i * w + j + 1]);
    }
  }
  const out = [];
  let i = 0, j = 0;
  while (i < n && j < m) {
    if (a[i] === b[j]) out.push({op: 'same', a: i++, b: j++});
    else if (lcs[(i + 1) * w + j] >= lcs[i * w + j + 1]) out.push({op: 'del', a: i++});
    else out.push({op: 'add', b: j++});
  }
  while (i < n) out.push({op: 'del', a: i++});
  while (j < m) out.push({op: 'add', b: j++});
  return out;
}

function naive(a, b) {
  const out = [];
  for (let k = 0; k < Math.max(a.length, b.length); k++) {
    if (k < a.length && k < b.length && a[k] === b[k]) out.push({op: 'same', a: k, b: k});
    else {
      if (k < a.length) out.push({op: 'del', a: k});
      if (k < b.length) out.push({op: 'add', b: k});
    }
  }
  return out;
}

/** rows pairs deletions with additions: [{left: i|null, right: j|null, changed}] */
export function sideBySide(ops) {
  const rows = [];
  for (let k = 0; k < ops.length;) {
    if (ops[k].op === 'same') {
      rows.push({left: ops[k].a, right: ops[k].b, changed: false});
      k++;
      continue;
    }
    const dels = [], adds = [];
    while (k < ops.length && ops[k].op !== 'same') {
      (ops[k].op === 'del' ? dels : adds).push(ops[k]);
      k++;
    }
    for (let x = 0; x < Math.max(dels.length, adds.length); x++) {
      rows.push({left: x < dels.length ? dels[x].a : null, right: x < adds.length ? adds[x].b : null, changed: true});
    }
  }
  return rows;
}

function cells(text, n, kind) {
  if (n === null) return [h('td', {class: 'ln none'}), h('td', {class: 'none'})];
  return [h('td', {class: ['ln', kind]}, n + 1), h('td', {class: kind}, text[n] === '' ? ' ' : text[n])];
}

/** table(live, desired) renders the two texts in two columns. */
export function diffTable(live, desired) {
  const a = lines(live), b = lines(desired);
  const rows = sideBySide(lineDiff(a, b));
  // Keep CONTEXT unchanged rows around each change; fold the rest.
  const keep = rows.map(() => false);
  rows.forEach((r, i) => {
    if (!r.changed) return;
    for (let k = Math.max(0, i - CONTEXT); k <= Math.min(rows.length - 1, i + CONTEXT); k++) keep[k] = true;
  });
  if (!rows.some((r) => r.changed)) keep.fill(true);
  const body = h('tbody');
  for (let i = 0; i < rows.length;) {
    if (!keep[i]) {
      let j = i;
      while (j < rows.length && !keep[j]) j++;
      body.append(h('tr', {}, h('td', {class: 'gap', colspan: 4}, `⋯ ${j - i} unchanged line${j - i > 1 ? 's' : ''}`)));
      i = j;
      continue;
    }
    const r = rows[i++];
    const left = cells(a, r.left, r.changed ? 'del' : '');
    const right = cells(b, r.right, r.changed ? 'add' : '');
    right[0].classList.add('sep');
    body.append(h('tr', {testid: r.changed ? 'diff-line-changed' : null}, left, right));
  }
  return h('div', {class: 'diff-scroll'},
    h('table', {class: 'diff', testid: 'diff-table'},
      h('colgroup', {}, h('col', {class: 'ln'}), h('col'), h('col', {class: 'ln'}), h('col')),
      h('thead', {}, h('tr', {}, h('th', {colspan: 2}, live ? 'Live' : 'Live (missing)'), h('th', {colspan: 2, class: 'sep'}, desired ? 'Desired' : 'Desired (to be pruned)'))),
      body));
}
