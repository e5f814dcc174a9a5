// The resource tree of an application: its resources, and below them
// what they own (a Deployment's ReplicaSets, their Pods), each with its
// sync and health.

import {h, clear, appHref, appSetHref} from './dom.js';
import {syncBadge, healthBadge} from './badges.js';

function node(n) {
  const argo = n.group === 'argoproj.io';
  const href = argo && n.kind === 'Application' ? appHref(n.namespace, n.name)
    : argo && n.kind === 'ApplicationSet' ? appSetHref(n.namespace, n.name) : null;
  const name = href ? h('a', {class: 'rname', href}, n.name) : h('span', {class: 'rname'}, n.name);
  return h('li', {},
    h('div', {class: 'rnode', testid: 'resource-node', 'data-kind': n.kind, 'data-name': n.name, 'data-health': n.health || '', title: n.message || null},
      h('span', {class: 'tag kind'}, n.kind),
      name,
      n.namespace ? h('span', {class: 'rns'}, n.namespace) : null,
      n.sync ? syncBadge(n.sync, {testid: 'resource-sync'}) : null,
      n.health ? healthBadge(n.health, {testid: 'resource-health'}) : null,
      n.hook ? h('span', {class: 'tag'}, 'hook') : null,
      n.message && n.health !== 'Healthy' ? h('div', {class: 'rmsg', testid: 'resource-message'}, n.message) : null),
    n.children && n.children.length ? h('ul', {}, n.children.map(node)) : null);
}

function count(nodes) {
  return nodes.reduce((n, r) => n + 1 + count(r.children || []), 0);
}

export function renderResources(card, nodes) {
  clear(card.content);
  card.right.textContent = nodes.length ? `${nodes.length} managed, ${count(nodes)} in all` : '';
  if (!nodes.length) {
    card.content.append(h('div', {class: 'empty'}, 'No resources yet.'));
    return;
  }
  card.content.append(h('div', {class: 'body'}, h('ul', {class: 'rtree'}, nodes.map(node))));
}
