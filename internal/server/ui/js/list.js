// The application list: status counts, filters and a table kept current
// by the events stream.

import {h, clear, shortRev, appKey, appHref, repoName} from './dom.js';
import {syncBadge, healthBadge, operationBadge} from './badges.js';
import {store} from './store.js';

const SYNC = ['Synced', 'OutOfSync', 'Unknown'];
const HEALTH = ['Healthy', 'Progressing', 'Degraded', 'Suspended', 'Missing', 'Unknown'];

// Filters survive navigating away and back.
const filters = {search: '', sync: '', health: '', project: '', namespace: ''};

function matches(a) {
  if (filters.sync && a.sync !== filters.sync) return false;
  if (filters.health && a.health !== filters.health) return false;
  if (filters.project && a.project !== filters.project) return false;
  if (filters.namespace && a.namespace !== filters.namespace) return false;
  const q = filters.search.trim().toLowerCase();
  if (!q) return true;
  return [a.name, a.namespace, a.project, a.repo, a.path, a.chart, a.destination.namespace]
    .some((f) => (f || '').toLowerCase().includes(q));
}

function select(testid, label, values, key) {
  const el = h('select', {testid, 'aria-label': label, onchange: (e) => { filters[key] = e.target.value; update(); }},
    h('option', {value: ''}, `${label}: all`),
    values.map((v) => h('option', {value: v}, v)));
  el.value = filters[key];
  return el;
}

let view = null; // the page's elements while it is shown

function stat(cls, n, label) {
  return h('div', {class: ['stat', cls], testid: `stat-${cls}`}, h('div', {class: 'n'}, n), h('div', {class: 'l'}, label));
}

function row(a, parents) {
  const source = a.chart ? `${a.repo} (chart ${a.chart})` : `${a.repo}${a.path ? ' · ' + a.path : ''}`;
  const where = a.chart ? `chart ${a.chart}` : a.path || '.';
  const dest = a.destination.namespace || a.destination.server || a.destination.name || '';
  const isParent = parents.has(appKey(a));
  return h('tr', {testid: 'app-row', 'data-app': appKey(a)},
    h('td', {},
      h('a', {class: 'app-name', href: appHref(a.namespace, a.name), testid: 'app-link'}, a.name),
      h('div', {class: 'app-ns'}, a.namespace)),
    h('td', {}, a.project),
    h('td', {}, syncBadge(a.sync), ' ', a.revision ? h('code', {class: 'muted', title: a.revision}, shortRev(a.revision)) : null),
    h('td', {}, healthBadge(a.health)),
    h('td', {class: 'src', title: source}, h('div', {class: 'mono'}, where), h('div', {class: 'app-ns'}, repoName(a.repo))),
    h('td', {}, dest),
    h('td', {},
      a.wave ? h('span', {class: 'tag wave', testid: 'wave'}, `wave ${a.wave}`) : null,
      a.dependsOn.map((d) => h('span', {class: 'tag dep', title: 'depends on'}, `→ ${d}`))),
    h('td', {},
      a.operationPhase ? operationBadge(a.operationPhase) : null,
      a.conditions.length ? h('div', {class: 'error-text', title: a.conditions.map((c) => `${c.type}: ${c.message}`).join('\n')},
        `${a.conditions.length} condition${a.conditions.length > 1 ? 's' : ''}`) : null),
    h('td', {},
      isParent ? h('a', {href: appHref(a.namespace, a.name, 'tree'), testid: 'tree-link', title: 'App-of-apps tree'}, 'Tree') : null));
}

function update() {
  if (!view) return;
  const all = store.all();
  const parents = new Set(all.filter((a) => a.parent).map((a) => `${a.parent.namespace}/${a.parent.name}`));
  const shown = all.filter(matches);

  clear(view.stats).append(
    stat('total', all.length, 'Applications'),
    stat('synced', all.filter((a) => a.sync === 'Synced').length, 'Synced'),
    stat('outofsync', all.filter((a) => a.sync === 'OutOfSync').length, 'OutOfSync'),
    stat('healthy', all.filter((a) => a.health === 'Healthy').length, 'Healthy'),
    stat('progressing', all.filter((a) => a.health === 'Progressing').length, 'Progressing'),
    stat('degraded', all.filter((a) => a.health === 'Degraded').length, 'Degraded'));

  for (const [sel, key] of [[view.project, 'project'], [view.namespace, 'namespace']]) {
    const values = [...new Set(all.map((a) => a[key]))].sort();
    const have = [...sel.options].slice(1).map((o) => o.value);
    if (values.join('\n') !== have.join('\n')) {
      clear(sel).append(h('option', {value: ''}, `${key[0].toUpperCase() + key.slice(1)}: all`), ...values.map((v) => h('option', {value: v}, v)));
      sel.value = values.includes(filters[key]) ? filters[key] : '';
    }
  }
  view.count.textContent = `${shown.length} of ${all.length}`;
  clear(view.body);
  if (!store.loaded) {
    view.body.append(h('tr', {}, h('td', {colspan: 9, class: 'empty'}, store.error ? store.error.describe() : 'Loading…')));
    return;
  }
  if (shown.length === 0) {
    view.body.append(h('tr', {}, h('td', {colspan: 9, class: 'empty', testid: 'no-apps'},
      all.length ? 'No application matches the filters.' : 'No applications in the served namespaces.')));
    return;
  }
  view.body.append(...shown.map((a) => row(a, parents)));
}

export function render(root) {
  const search = h('input', {type: 'search', placeholder: 'Search name, repo, path, namespace…', testid: 'search',
    'aria-label': 'Search', oninput: (e) => { filters.search = e.target.value; update(); }});
  search.value = filters.search;
  view = {
    stats: h('div', {class: 'stats', testid: 'stats'}),
    project: select('filter-project', 'Project', [], 'project'),
    namespace: select('filter-namespace', 'Namespace', [], 'namespace'),
    count: h('span', {class: 'count', testid: 'app-count'}),
    body: h('tbody'),
  };
  root.append(
    h('div', {class: 'page-head'}, h('h1', {}, 'Applications')),
    view.stats,
    h('div', {class: 'toolbar'},
      search,
      select('filter-sync', 'Sync', SYNC, 'sync'),
      select('filter-health', 'Health', HEALTH, 'health'),
      view.project,
      view.namespace,
      view.count),
    h('div', {class: 'card'},
      h('table', {class: 'list', testid: 'app-list'},
        h('thead', {}, h('tr', {},
          ['Name', 'Project', 'Sync', 'Health', 'Source', 'Destination', 'Wave / depends on', 'Operation', ''].map((t) => h('th', {}, t)))),
        view.body)));
  update();
  const unsubscribe = store.subscribe(update);
  return () => { unsubscribe(); view = null; };
}
