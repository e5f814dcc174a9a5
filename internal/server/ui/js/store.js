// The Applications as last listed and then kept current by the events
// stream. Pages subscribe to changes.

import {api} from './api.js';
import {appKey} from './dom.js';

const apps = new Map();
const listeners = new Set();
let loaded = false;
let lastError = null;

function emit(change) {
  for (const fn of listeners) {
    try { fn(change); } catch (e) { console.error(e); }
  }
}

export const store = {
  get loaded() { return loaded; },
  get error() { return lastError; },
  all: () => [...apps.values()],
  get: (ns, name) => apps.get(`${ns}/${name}`),

  /** subscribe(fn) → unsubscribe; fn({type: 'reset'|'upsert'|'delete'|'error', app?}) */
  subscribe(fn) {
    listeners.add(fn);
    return () => listeners.delete(fn);
  },

  async load() {
    try {
      const list = await api.list();
      apps.clear();
      for (const a of list.items) apps.set(appKey(a), a);
      loaded = true;
      lastError = null;
      emit({type: 'reset'});
    } catch (e) {
      lastError = e;
      emit({type: 'error', error: e});
    }
  },

  upsert(a) {
    apps.set(appKey(a), a);
    emit({type: 'upsert', app: a});
  },

  remove(a) {
    apps.delete(appKey(a));
    emit({type: 'delete', app: a});
  },
};
