// The ApplicationSet list: each set with its generators, strategy,
// generated Applications and conditions. The events stream carries
// Applications only, so the list reloads when one of them changes and
// every few seconds besides (a set's own status changes without one).

import {h, clear, appSetHref, debounce} from './dom.js';
import {healthBadge} from './badges.js';
import {api} from './api.js';
import {store} from './store.js';

/** POLL_MS is how often the ApplicationSet pages re-read the set. */
export const POLL_MS = 5000;

/** kindText names a generator kind with what a matrix or merge combines: "matrix(git, list)". */
export function kindText(k) {
  return k.children && k.children.length ? `${k.kind}(${k.children.map(kindText).join(', ')})` : k.kind;
}

/** upToDate describes the ErrorOccurred and ResourcesUpToDate conditions of a summary. */
export function upToDate(s) {
  if (s.errorOccurred) return h('span', {class: 'error-text', testid: 'appset-error', title: s.error}, s.error || 'Error');
  if (s.upToDate === 'True') return h('span', {testid: 'appset-uptodate'}, 'Up to date');
  if (s.upToDate === 'False') return h('span', {class: 'warn-text', testid: 'appset-uptodate'}, `Not up to date${s.upToDateReason ? ` (${s.upToDateReason})` : ''}`);
  return h('span', {class: 'muted', testid: 'appset-uptodate'}, 'Not reported yet');
}

/** appCounts is "3 apps · 2 synced · 3 healthy · 1 missing". */
export function appCounts(c) {
  const parts = [`${c.total} app${c.total === 1 ? '' : 's'}`];
  if (c.total) parts.push(`${c.synced} synced`, `${c.healthy} healthy`);
  if (c.outOfSync) parts.push(`${c.outOfSync} out of sync`);
  if (c.missing) parts.push(`${c.missing} missing`);
  return parts.join(' · ');
}

function row(s) {
  return h('tr', {testid: 'appset-row', 'data-appset': `${s.namespace}/${s.name}`},
    h('td', {},
      h('a', {class: 'app-name', href: appSetHref(s.namespace, s.name), testid: 'appset-link'}, s.name),
      h('div', {class: 'app-ns'}, s.namespace)),
    h('td', {}, s.generators.map((k) => h('span', {class: 'tag kind', testid: 'generator-kind'}, kindText(k)))),
    h('td', {}, h('span', {class: 'tag'}, s.strategy)),
    h('td', {testid: 'appset-apps'}, appCounts(s.apps)),
    h('td', {}, healthBadge(s.health)),
    h('td', {}, upToDate(s)));
}

export function render(root) {
  let alive = true;
  const body = h('tbody');
  const count = h('span', {class: 'count', testid: 'appset-count'});
  root.append(
    h('div', {class: 'page-head'}, h('h1', {}, 'ApplicationSets'), count),
    h('div', {class: 'card'},
      h('table', {class: 'list', testid: 'appset-list'},
        h('thead', {}, h('tr', {},
          ['Name', 'Generators', 'Strategy', 'Applications', 'Health', 'Status'].map((t) => h('th', {}, t)))),
        body)));
  clear(body).append(h('tr', {}, h('td', {colspan: 6, class: 'empty'}, 'Loading…')));

  let seq = 0;
  async function load() {
    const mine = ++seq;
    try {
      const list = await api.appSets();
      if (!alive || mine !== seq) return;
      count.textContent = `${list.items.length} set${list.items.length === 1 ? '' : 's'}`;
      clear(body);
      if (!list.items.length) {
        body.append(h('tr', {}, h('td', {colspan: 6, class: 'empty', testid: 'no-appsets'}, 'No ApplicationSets in the served namespaces.')));
        return;
      }
      body.append(...list.items.map(row));
    } catch (e) {
      if (alive && mine === seq) clear(body).append(h('tr', {}, h('td', {colspan: 6, class: 'empty error-text', testid: 'appsets-error'}, e.describe ? e.describe() : String(e))));
    }
  }
  const reload = debounce(load, 300);
  const unsubscribe = store.subscribe((change) => {
    if (change.type === 'reset' || (change.app && change.app.appSet)) reload();
  });
  const timer = setInterval(load, POLL_MS);
  load();
  return () => { alive = false; reload.cancel(); unsubscribe(); clearInterval(timer); };
}
