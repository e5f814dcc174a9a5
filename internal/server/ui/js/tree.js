// The app-of-apps view: the Applications below a root, one board per
// parent, children in lanes by sync wave (the order the parent applies
// them), dependsOn drawn as arrows from the dependency to its dependent.
// An ApplicationSet a parent manages is a card of its own, with a board
// below whose children are the Applications the set generated.

import {h, svg, clear, appHref, appSetHref, debounce} from './dom.js';
import {syncBadge, healthBadge} from './badges.js';
import {api} from './api.js';
import {store} from './store.js';

const keyOf = (n) => `${n.namespace}/${n.name}`;
const waveOf = (n) => {
  const w = parseInt(n.wave, 10);
  return Number.isNaN(w) ? 0 : w;
};

function depKey(dep, ns) {
  return dep.includes('/') ? dep : `${ns}/${dep}`;
}

const isSet = (n) => n.kind === 'ApplicationSet';

function setCard(n, {root = false} = {}) {
  const s = n.appSet;
  const cls = ['node-card', 'set-card', s ? `h-${s.health.toLowerCase()}` : 'missing'];
  const apps = s ? `${s.apps.total} generated app${s.apps.total === 1 ? '' : 's'}` : 'not created yet';
  return h('div', {class: cls, testid: 'tree-appset', 'data-appset': keyOf(n)},
    h('div', {class: 'title'}, h('span', {class: 'tag kind'}, 'ApplicationSet'),
      h('a', {href: appSetHref(n.namespace, n.name)}, n.name),
      n.cycle ? h('span', {class: 'tag'}, 'cycle') : null),
    h('div', {class: 'badges'}, healthBadge(s ? s.health : 'Missing'), s ? h('span', {class: 'tag'}, s.strategy) : null),
    h('div', {class: 'meta'}, !root && n.children.length ? h('a', {href: appSetHref(n.namespace, n.name)}, `${apps} ↓`) : apps),
    n.dependsOn.length ? h('div', {class: 'deps', testid: 'depends-on'}, 'depends on ', n.dependsOn.join(', ')) : null);
}

function nodeCard(n, {root = false} = {}) {
  if (isSet(n)) return setCard(n, {root});
  const a = n.app;
  const cls = ['node-card', a ? `h-${a.health.toLowerCase()}` : 'missing', a && a.sync === 'OutOfSync' ? 's-outofsync' : null];
  return h('div', {class: cls, testid: 'tree-node', 'data-app': keyOf(n)},
    h('div', {class: 'title'}, h('a', {href: appHref(n.namespace, n.name)}, n.name),
      n.cycle ? h('span', {class: 'tag'}, 'cycle') : null),
    h('div', {class: 'badges'},
      a ? [syncBadge(a.sync), healthBadge(a.health)] : healthBadge('Missing')),
    h('div', {class: 'meta'},
      a ? `→ ${a.destination.namespace || a.destination.server || ''}` : 'not created yet',
      !root && n.children.length ? h('span', {}, ' · ', h('a', {href: appHref(n.namespace, n.name, 'tree')}, `${n.children.length} children ↓`)) : null),
    n.dependsOn.length ? h('div', {class: 'deps', testid: 'depends-on'}, 'depends on ', n.dependsOn.join(', ')) : null);
}

function lane(title, count, cards, extra = {}) {
  return h('div', {class: ['lane', extra.class], testid: extra.testid, 'data-wave': extra.wave},
    h('div', {class: 'lane-head'}, h('span', {}, title), h('span', {class: 'n'}, count)), cards);
}

// board renders node and its children; nested boards follow for children
// that have children of their own.
function board(node, out, boards) {
  const waves = new Map();
  for (const c of node.children) {
    const w = waveOf(c);
    if (!waves.has(w)) waves.set(w, []);
    waves.get(w).push(c);
  }
  const order = [...waves.keys()].sort((a, b) => a - b);
  const lanes = h('div', {class: 'lanes'},
    lane(isSet(node) ? 'ApplicationSet' : 'parent', '', nodeCard(node, {root: true}), {class: 'root-lane'}),
    order.map((w) => lane(`wave ${w}`, `${waves.get(w).length} app${waves.get(w).length > 1 ? 's' : ''}`,
      waves.get(w).map((c) => nodeCard(c)), {testid: 'wave-group', wave: w})));
  const plural = (n, word) => `${n} ${word}${n === 1 ? '' : 's'}`;
  const nSets = node.children.filter(isSet).length;
  const counts = isSet(node)
    ? plural(node.children.length, 'generated application')
    : plural(node.children.length - nSets, 'application') + (nSets ? `, ${plural(nSets, 'ApplicationSet')}` : '');
  const el = h('section', {class: 'card board', testid: 'board', [isSet(node) ? 'data-appset' : 'data-app']: keyOf(node)},
    h('h2', {class: 'board-title'}, isSet(node) ? h('span', {class: 'tag kind'}, 'ApplicationSet') : null, node.name,
      h('span', {class: 'muted'}, `${counts} in ${plural(order.length, 'wave')}`)),
    lanes);
  out.append(el);
  boards.push({lanes, node});
  for (const c of node.children) if (c.children.length && !c.cycle) board(c, out, boards);
}

let markerSeq = 0;

// edges draws, over a board's lanes, the wave order (dashed) and the
// dependsOn arrows (solid).
function edges({lanes, node}) {
  lanes.querySelector('svg.edges')?.remove();
  const base = lanes.getBoundingClientRect();
  const box = (el) => {
    const r = el.getBoundingClientRect();
    const x = r.left - base.left + lanes.scrollLeft, y = r.top - base.top + lanes.scrollTop;
    return {l: x, r: x + r.width, t: y, b: y + r.height, m: y + r.height / 2};
  };
  const id = `arrow-${++markerSeq}`;
  const flowId = `flow-${markerSeq}`;
  const layer = svg('svg', {class: 'edges', width: lanes.scrollWidth, height: lanes.scrollHeight},
    svg('defs', {},
      svg('marker', {id, viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse'},
        svg('path', {d: 'M0 0L10 5L0 10z', fill: '#7c5cd6'})),
      svg('marker', {id: flowId, viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 6, markerHeight: 6, orient: 'auto'},
        svg('path', {d: 'M0 0L10 5L0 10z', fill: '#b8c4d0'}))));

  // The order of the waves: parent → wave a → wave b … (an
  // ApplicationSet creates its Applications, it applies no waves).
  const heads = isSet(node) ? [] : [...lanes.querySelectorAll(':scope > .lane > .lane-head')].map(box);
  for (let i = 0; i + 1 < heads.length; i++) {
    const a = heads[i], b = heads[i + 1];
    layer.append(svg('path', {class: 'flow', d: `M${a.r + 4} ${a.m}L${b.l - 4} ${b.m}`, 'marker-end': `url(#${flowId})`}));
  }

  const cards = new Map([...lanes.querySelectorAll('[data-testid="tree-node"]')].map((el) => [el.dataset.app, el]));
  for (const child of node.children) {
    for (const dep of child.dependsOn) {
      const from = cards.get(depKey(dep, child.namespace));
      const to = cards.get(keyOf(child));
      if (!from || !to || from === to) continue;
      const f = box(from), t = box(to);
      let d;
      if (t.l > f.r) { // a later lane: right edge to left edge
        const dx = Math.max(24, (t.l - f.r) / 2);
        d = `M${f.r} ${f.m}C${f.r + dx} ${f.m} ${t.l - dx} ${t.m} ${t.l} ${t.m}`;
      } else if (t.r < f.l) { // an earlier lane: left edge to right edge
        const dx = Math.max(24, (f.l - t.r) / 2);
        d = `M${f.l} ${f.m}C${f.l - dx} ${f.m} ${t.r + dx} ${t.m} ${t.r} ${t.m}`;
      } else { // the same lane: loop out on the right
        const x = Math.max(f.r, t.r);
        d = `M${f.r} ${f.m}C${x + 36} ${f.m} ${x + 36} ${t.m} ${t.r} ${t.m}`;
      }
      layer.append(svg('path', {class: 'dep', d, 'marker-end': `url(#${id})`, testid: 'depends-edge',
        'data-from': depKey(dep, child.namespace), 'data-to': keyOf(child)},
      svg('title', {}, `${child.name} depends on ${dep}`)));
    }
  }
  lanes.prepend(layer);
}

export function render(root, {ns, name}) {
  let alive = true;
  let members = new Set();
  let sets = new Set();
  let boards = [];
  const container = h('div', {testid: 'app-tree', 'data-app': `${ns}/${name}`});
  const status = h('div', {class: 'muted'}, 'Loading…');
  root.append(
    h('div', {class: 'crumbs'}, h('a', {href: '#/'}, 'Applications'), ' / ', ns, ' / ', h('a', {href: appHref(ns, name)}, name), ' / tree'),
    h('div', {class: 'page-head'}, h('h1', {}, `${name}`), h('span', {class: 'sub'}, 'app-of-apps')),
    h('div', {class: 'legend'},
      h('span', {}, h('span', {class: 'swatch flow'}), 'wave order: a parent applies wave after wave, each once the previous is Synced and Healthy'),
      h('span', {}, h('span', {class: 'swatch'}), 'a → b: b depends on a')),
    status, container);

  const redraw = () => boards.forEach(edges);
  async function load() {
    try {
      const tree = await api.tree(ns, name);
      if (!alive) return;
      members = new Set();
      sets = new Set();
      const walk = (n) => { (isSet(n) ? sets : members).add(keyOf(n)); n.children.forEach(walk); };
      walk(tree);
      clear(status);
      clear(container);
      boards = [];
      board(tree, container, boards);
      if (!tree.children.length) status.textContent = 'This application manages no other Applications.';
      requestAnimationFrame(redraw);
    } catch (e) {
      if (alive) status.textContent = e.describe ? e.describe() : String(e);
    }
  }
  const reload = debounce(load, 300);
  const unsubscribe = store.subscribe((change) => {
    const a = change.app;
    if (change.type === 'reset' || (a && (members.has(`${a.namespace}/${a.name}`) ||
      (a.parent && members.has(`${a.parent.namespace}/${a.parent.name}`)) ||
      (a.appSet && sets.has(`${a.appSet.namespace}/${a.appSet.name}`))))) reload();
  });
  window.addEventListener('resize', redraw);
  load();
  return () => { alive = false; reload.cancel(); unsubscribe(); window.removeEventListener('resize', redraw); };
}
