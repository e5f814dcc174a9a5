// The events stream: every change of an Application arrives as an
// "application" event carrying its list item, applied to the store.

import {store} from './store.js';

let source = null;
const indicator = () => document.querySelector('[data-testid="live-indicator"]');

function show(on, text) {
  const el = indicator();
  if (!el) return;
  el.classList.toggle('on', on);
  el.textContent = text;
}

/** connect (again) to /api/v1/events; the list reloads on every (re)connect. */
export function connect() {
  if (source) source.close();
  show(false, 'connecting…');
  source = new EventSource('/api/v1/events');
  source.addEventListener('open', () => {
    show(true, 'live');
    store.load();
  });
  source.addEventListener('application', (e) => {
    const ev = JSON.parse(e.data);
    if (ev.type === 'delete') store.remove(ev.application);
    else store.upsert(ev.application);
  });
  source.addEventListener('error', () => {
    show(false, source.readyState === EventSource.CLOSED ? 'offline' : 'reconnecting…');
  });
}

export function disconnect() {
  if (source) source.close();
  source = null;
  show(false, 'offline');
}
