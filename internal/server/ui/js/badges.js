// Sync and health badges in Argo CD's colours: Synced green, OutOfSync
// amber, Healthy green heart, Progressing blue, Degraded red,
// Suspended purple-grey, Missing and Unknown grey.

import {h, svg} from './dom.js';

const icons = {
  check: {d: 'M3 8.5l3.2 3.2L13 4.8', stroke: true},
  sync: {d: 'M13.2 8a5.2 5.2 0 1 1-1.6-3.8M13.2 2.3v3.4H9.8', stroke: true},
  heart: {d: 'M8 14s-5.6-3.4-5.6-7.3C2.4 4.5 4 3 5.9 3c.9 0 1.6.4 2.1 1 .5-.6 1.2-1 2.1-1 1.9 0 3.5 1.5 3.5 3.7C13.6 10.6 8 14 8 14z'},
  spinner: {d: 'M8 2.2A5.8 5.8 0 1 1 2.2 8', stroke: true, spin: true},
  cross: {d: 'M4.2 4.2l7.6 7.6M11.8 4.2l-7.6 7.6', stroke: true},
  pause: {d: 'M4 3h3v10H4zM9 3h3v10H9z'},
  ghost: {d: 'M8 2.2a5.8 5.8 0 1 1 0 11.6A5.8 5.8 0 0 1 8 2.2', stroke: true, dash: true},
  question: {d: 'M5.8 6a2.2 2.2 0 1 1 3.1 2c-.7.4-.9.8-.9 1.6M8 12.2v.3', stroke: true},
};

function icon(name) {
  const i = icons[name];
  const path = svg('path', {d: i.d});
  const cls = ['icon', i.stroke && 'stroke', i.dash && 'dash', i.spin && 'spin'].filter(Boolean).join(' ');
  return svg('svg', {viewBox: '0 0 16 16', 'aria-hidden': 'true', class: cls}, path);
}

const syncIcons = {Synced: 'check', OutOfSync: 'sync'};
const healthIcons = {Healthy: 'heart', Progressing: 'spinner', Degraded: 'cross', Suspended: 'pause', Missing: 'ghost'};
const opIcons = {Running: 'spinner', Terminating: 'spinner', Requested: 'spinner', Succeeded: 'check', Failed: 'cross', Error: 'cross'};

function badge(kind, status, iconName, testid, large) {
  status = status || 'Unknown';
  return h('span', {
    class: ['badge', kind, status.toLowerCase(), large && 'large'],
    testid, 'data-status': status, title: status,
  }, icon(iconName), status);
}

export function syncBadge(status, {testid = 'sync-badge', large = false} = {}) {
  return badge('sync', status, syncIcons[status] || 'question', testid, large);
}

export function healthBadge(status, {testid = 'health-badge', large = false} = {}) {
  return badge('health', status, healthIcons[status] || 'question', testid, large);
}

export function operationBadge(phase, {testid = 'operation-badge'} = {}) {
  if (!phase) return null;
  const el = badge('op', phase, opIcons[phase] || 'question', testid, false);
  el.classList.add(`op-${phase.toLowerCase()}`);
  if (phase === 'Running' || phase === 'Requested') el.classList.add('progressing');
  return el;
}
