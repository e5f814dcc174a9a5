// Flotilla UI: hash routing, the token sign-in, the events stream.
//
//   #/                      the application list
//   #/apps/NS/NAME          an application
//   #/apps/NS/NAME/tree     the app-of-apps tree below an application
//   #/appsets               the ApplicationSet list
//   #/appsets/NS/NAME       an ApplicationSet

import {h, clear} from './dom.js';
import {api, token} from './api.js';
import {connect, disconnect} from './live.js';
import {store} from './store.js';
import * as list from './list.js';
import * as appPage from './app.js';
import * as treePage from './tree.js';
import * as appSetList from './appsets.js';
import * as appSetPage from './appset.js';

const $ = (id) => document.querySelector(`[data-testid="${id}"]`);
const view = document.getElementById('view');
let cleanup = null;
let session = {anonymousRead: false, tokenConfigured: false, authenticated: false, oidc: false, user: null};

// loginHref signs in through the OIDC provider and comes back to this page.
const loginHref = () => `/auth/login?return=${encodeURIComponent(location.hash || '#/')}`;

function route() {
  const path = decodeURIComponent(location.hash.replace(/^#/, '')) || '/';
  let m;
  if ((m = path.match(/^\/apps\/([^/]+)\/([^/]+)\/tree$/))) return {page: treePage, params: {ns: m[1], name: m[2]}};
  if ((m = path.match(/^\/apps\/([^/]+)\/([^/]+)$/))) return {page: appPage, params: {ns: m[1], name: m[2]}};
  if ((m = path.match(/^\/appsets\/([^/]+)\/([^/]+)$/))) return {page: appSetPage, params: {ns: m[1], name: m[2]}};
  if (path === '/appsets') return {page: appSetList, params: {}};
  return {page: list, params: {}};
}

function canRead() {
  return session.anonymousRead || session.authenticated;
}

function show() {
  if (cleanup) cleanup();
  cleanup = null;
  clear(view);
  const current = route().page;
  document.querySelector('[data-testid="nav-apps"]').classList.toggle('active', current === list);
  document.querySelector('[data-testid="nav-appsets"]').classList.toggle('active', current === appSetList || current === appSetPage);
  if (!canRead()) {
    let text = 'This server has no API token configured and anonymous reads are off: start flotilla serve with --token, --token-secret or --anonymous-read.';
    if (session.oidc) text = session.tokenConfigured ? 'Sign in to see the applications, or enter the API token (top right).' : 'Sign in to see the applications.';
    else if (session.tokenConfigured) text = 'Enter the API token (top right) to see the applications.';
    view.append(h('div', {class: 'prompt card body', testid: 'signin-prompt'},
      h('h1', {}, 'Sign in'),
      h('p', {class: 'muted'}, text),
      session.oidc ? h('a', {class: 'button primary', href: loginHref(), testid: 'signin-sso'}, 'Sign in with SSO') : null));
    return;
  }
  const {page, params} = route();
  cleanup = page.render(view, params) || null;
}

function banner(text, kind = '') {
  const el = $('banner');
  el.hidden = !text;
  el.className = `banner ${kind}`;
  el.textContent = text || '';
}

// signedIn: this tab holds a checked token, or a user signed in through
// OIDC: what writes need.
const signedIn = () => token.get() !== '' || !!session.user;

function showSession() {
  $('login-form').hidden = !session.tokenConfigured || signedIn();
  $('sso-login').hidden = !session.oidc || signedIn();
  $('sso-login').href = loginHref();
  $('session').hidden = !signedIn();
  $('session-state').textContent = session.user ? `Signed in as ${session.user.name}` : 'Signed in';
  $('session-state').title = session.user && session.user.groups.length ? `groups: ${session.user.groups.join(', ')}` : '';
  if (!session.tokenConfigured && !session.oidc) {
    banner('Read-only: this server has no API token configured, so it refuses syncs and refreshes.');
  } else {
    banner('');
  }
}

async function signIn(value) {
  const err = $('login-error');
  err.hidden = true;
  try {
    await api.login(value); // checks the token and sets the session cookie for the events stream
    token.set(value);
    session.authenticated = true;
    $('token-input').value = '';
    showSession();
    connect();
    show();
  } catch (e) {
    token.clear();
    err.textContent = e.status === 401 ? 'Invalid token' : e.describe();
    err.hidden = false;
  }
}

async function signOut() {
  token.clear();
  try { await api.logout(); } catch { /* the cookie goes with the next sign-in anyway */ }
  session.authenticated = false;
  session.user = null;
  showSession();
  if (session.anonymousRead) connect();
  else disconnect();
  show();
}

async function start() {
  $('login-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const v = $('token-input').value.trim();
    if (v) signIn(v);
  });
  $('logout-button').addEventListener('click', signOut);
  window.addEventListener('hashchange', () => { $('sso-login').href = loginHref(); show(); });
  store.subscribe((change) => {
    if (change.type === 'error' && change.error.status === 401 && (signedIn() || session.authenticated)) {
      // The token changed on the server, or the sign-in expired: ask again.
      token.clear();
      session.authenticated = false;
      session.user = null;
      showSession();
      show();
    }
  });

  try {
    session = await api.session();
  } catch (e) {
    banner(`The server cannot be reached: ${e.describe()}`, 'error');
    return;
  }
  // A token from earlier in this tab: renew the session cookie with it
  // (the events stream needs the cookie), or forget a stale one.
  if (token.get()) {
    try {
      session = await api.login(token.get());
    } catch {
      token.clear();
      try { session = await api.session(); } catch { /* keep what we know */ }
    }
  }
  showSession();
  show();
  if (canRead()) connect();
}

start();
