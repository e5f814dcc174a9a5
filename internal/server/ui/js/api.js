// The JSON API under /api/v1. The token lives in sessionStorage and goes
// in the Authorization header; reads also work with the session cookie
// (set by login), which is how the events stream is authorised. A user
// signed in through OIDC (/auth/login) has no token: their HttpOnly
// cookie goes with every same-origin request, writes included.

const TOKEN_KEY = 'flotilla.token';

export const token = {
  get: () => sessionStorage.getItem(TOKEN_KEY) || '',
  set: (v) => sessionStorage.setItem(TOKEN_KEY, v),
  clear: () => sessionStorage.removeItem(TOKEN_KEY),
};

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
  /** "401 Unauthorized: missing token …" */
  describe() {
    const names = {400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 409: 'Conflict', 500: 'Server Error', 501: 'Not Implemented', 503: 'Unavailable'};
    return this.status ? `${this.status} ${names[this.status] || ''}: ${this.message}` : this.message;
  }
}

async function call(path, {method = 'GET', body, auth = token.get()} = {}) {
  const headers = {'Accept': 'application/json'};
  if (auth) headers['Authorization'] = `Bearer ${auth}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let res;
  try {
    res = await fetch(`/api/v1${path}`, {method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'same-origin'});
  } catch (e) {
    throw new ApiError(0, `the server cannot be reached (${e.message})`);
  }
  if (res.status === 204) return null;
  let data = null;
  try { data = await res.json(); } catch { /* not JSON */ }
  if (!res.ok) throw new ApiError(res.status, (data && data.error) || res.statusText);
  return data;
}

const appSet = (ns, name) => `/applicationsets/${encodeURIComponent(ns)}/${encodeURIComponent(name)}`;
const app = (ns, name) => `/applications/${encodeURIComponent(ns)}/${encodeURIComponent(name)}`;

export const api = {
  session: () => call('/session'),
  login: (t) => call('/session', {method: 'POST', auth: t}),
  logout: () => call('/session', {method: 'DELETE', auth: ''}),
  list: () => call('/applications'),
  get: (ns, name) => call(app(ns, name)),
  tree: (ns, name) => call(app(ns, name) + '/tree'),
  resources: (ns, name) => call(app(ns, name) + '/resource-tree'),
  diff: (ns, name) => call(app(ns, name) + '/diff'),
  history: (ns, name) => call(app(ns, name) + '/history'),
  sync: (ns, name, opts) => call(app(ns, name) + '/sync', {method: 'POST', body: opts}),
  appSets: () => call('/applicationsets'),
  appSet: (ns, name) => call(appSet(ns, name)),
  refresh: (ns, name, hard) => call(app(ns, name) + '/refresh' + (hard ? '?hard=true' : ''), {method: 'POST'}),
};
