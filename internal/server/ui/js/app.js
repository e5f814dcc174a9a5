// The application page: summary, actions, resource tree, diff, history
// and conditions, refreshed whenever the events stream reports a change.

import {h, clear, timeAgo, shortRev, appHref, appSetHref, debounce} from './dom.js';
import {syncBadge, healthBadge, operationBadge} from './badges.js';
import {api} from './api.js';
import {store} from './store.js';
import {diffTable} from './diff.js';
import {renderResources} from './resources.js';

function card(title, testid, ...body) {
  const right = h('span', {class: 'right'});
  const content = h('div', {class: 'card-content'}, ...body);
  const el = h('section', {class: 'card', testid}, h('h2', {}, title, right), content);
  return {el, right, content};
}

function kv(rows) {
  return h('dl', {class: 'kv'}, rows.filter(Boolean).flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));
}

function refLink(ref, ns) {
  const [n, name] = ref.includes('/') ? ref.split('/', 2) : [ns, ref];
  return h('a', {href: appHref(n, name)}, ref);
}

function describeError(e) {
  const text = e.describe ? e.describe() : String(e);
  return e.status === 401 ? `${text} — sign in (top right).` : text;
}

export function render(root, {ns, name}) {
  let alive = true;
  let last = store.get(ns, name) || null; // the newest list item
  let diffKey = null;

  const head = {
    badges: h('div', {class: 'actions-badges'}),
    prune: h('input', {type: 'checkbox', testid: 'prune-checkbox'}),
    dryRun: h('input', {type: 'checkbox', testid: 'dryrun-checkbox'}),
    tree: h('a', {class: 'button', href: appHref(ns, name, 'tree'), testid: 'tree-link', hidden: true}, 'App-of-apps tree'),
  };
  const feedback = h('div', {class: 'feedback', testid: 'action-feedback', hidden: true});
  const generatedBy = h('div', {class: 'owner-line', testid: 'generated-by', hidden: true});
  const operation = h('div', {class: 'operation', testid: 'operation', hidden: true});
  const syncButton = h('button', {class: 'primary', testid: 'sync-button', onclick: () => act('sync')}, 'Sync');
  const refreshButton = h('button', {testid: 'refresh-button', onclick: () => act('refresh')}, 'Refresh');
  const hardButton = h('button', {testid: 'hard-refresh-button', onclick: () => act('hard')}, 'Hard refresh');

  const summary = card('Summary', 'app-summary', h('div', {class: 'body muted'}, 'Loading…'));
  const conditions = card('Conditions', 'conditions', h('div', {class: 'body muted'}, 'Loading…'));
  const history = card('Sync history', 'history', h('div', {class: 'body muted'}, 'Loading…'));
  const resources = card('Resources', 'resource-tree', h('div', {class: 'body muted'}, 'Loading…'));
  const diff = card('Diff', 'diff', h('div', {class: 'body muted'}, 'Loading…'));

  root.append(
    h('div', {class: 'crumbs'}, h('a', {href: '#/'}, 'Applications'), ' / ', ns, ' / ', name),
    h('div', {class: 'page-head', testid: 'app-page', 'data-app': `${ns}/${name}`},
      h('h1', {}, name), head.badges,
      h('div', {class: 'actions'},
        head.tree,
        h('label', {class: 'check'}, head.prune, 'Prune'),
        h('label', {class: 'check'}, head.dryRun, 'Dry run'),
        syncButton, refreshButton, hardButton)),
    generatedBy, feedback, operation,
    h('div', {class: 'grid'},
      h('div', {class: 'stack'}, summary.el, conditions.el),
      h('div', {class: 'stack'}, resources.el, diff.el, history.el)));

  function say(kind, text) {
    feedback.hidden = !text;
    feedback.className = `feedback ${kind}`;
    feedback.dataset.testid = kind === 'error' ? 'action-error' : 'action-result';
    feedback.textContent = text || '';
  }

  async function act(what) {
    for (const b of [syncButton, refreshButton, hardButton]) b.disabled = true;
    say('ok', '');
    try {
      if (what === 'sync') {
        const res = await api.sync(ns, name, {prune: head.prune.checked, dryRun: head.dryRun.checked});
        say('ok', `${res.message[0].toUpperCase()}${res.message.slice(1)}; the controller runs it.`);
      } else {
        await api.refresh(ns, name, what === 'hard');
        say('ok', `${what === 'hard' ? 'Hard refresh' : 'Refresh'} requested.`);
        diffKey = null;
      }
    } catch (e) {
      say('error', describeError(e));
    } finally {
      for (const b of [syncButton, refreshButton, hardButton]) b.disabled = false;
    }
  }

  function showHead(item) {
    clear(head.badges).append(
      syncBadge(item.sync, {testid: 'app-sync-badge', large: true}), ' ',
      healthBadge(item.health, {testid: 'app-health-badge', large: true}), ' ',
      item.revision ? h('code', {class: 'muted', title: item.revision}, shortRev(item.revision)) : ''); // append() would print null
    head.badges.className = 'actions-badges';
    const running = item.operationPhase === 'Running' || item.operationPhase === 'Requested';
    const failed = item.operationPhase === 'Failed' || item.operationPhase === 'Error';
    operation.hidden = !(running || failed);
    operation.className = `operation ${failed ? 'failed' : ''}`;
    clear(operation).append(operationBadge(item.operationPhase), ' ',
      item.operationPhase === 'Requested' ? 'Waiting for the controller to start the sync.' : item.operationMessage || '');
  }

  // showOwner links the ApplicationSet that generated the app (its
  // ownerReferences, the controller reference first).
  function showOwner(app) {
    const refs = (app.metadata.ownerReferences || []).filter((r) => r.kind === 'ApplicationSet' && /^argoproj\.io\//.test(r.apiVersion || ''));
    const ref = refs.find((r) => r.controller) || refs[0];
    generatedBy.hidden = !ref;
    clear(generatedBy);
    if (ref) {
      generatedBy.append('generated by ApplicationSet ',
        h('a', {href: appSetHref(app.metadata.namespace, ref.name), testid: 'appset-owner-link'}, ref.name));
    }
  }

  function showSummary(app, item) {
    const src = app.spec.source || (app.spec.sources || [])[0] || {};
    const policy = app.spec.syncPolicy && app.spec.syncPolicy.automated;
    const auto = policy && policy.enabled !== false;
    clear(summary.content).append(h('div', {class: 'body'}, kv([
      ['Project', item.project],
      ['Repository', h('span', {class: 'mono'}, src.repoURL || '')],
      src.chart ? ['Chart', `${src.chart} ${src.targetRevision || ''}`] : ['Path', h('span', {class: 'mono'}, src.path || '.')],
      !src.chart && ['Target revision', src.targetRevision || 'HEAD'],
      ['Synced revision', item.revision ? h('code', {title: item.revision}, shortRev(item.revision)) : '—'],
      ['Destination', `${app.spec.destination.namespace || '—'} @ ${app.spec.destination.server || app.spec.destination.name || ''}`],
      ['Sync policy', auto ? `automated${policy.prune ? ', prune' : ''}${policy.selfHeal ? ', self-heal' : ''}` : 'manual'],
      item.wave && ['Wave', h('span', {class: 'tag wave'}, `wave ${item.wave}`)],
      item.dependsOn.length && ['Depends on', item.dependsOn.map((d) => [refLink(d, ns), ' '])],
      item.parent && ['Parent', h('a', {href: appHref(item.parent.namespace, item.parent.name, 'tree')}, item.parent.name)],
      ['Resources', `${item.resources.total} (${item.resources.outOfSync} out of sync, ${item.resources.healthy} healthy)`],
      ['Reconciled', timeAgo(item.reconciledAt)],
    ])));
  }

  function showConditions(item) {
    clear(conditions.content);
    conditions.right.textContent = item.conditions.length ? String(item.conditions.length) : '';
    if (!item.conditions.length) {
      conditions.content.append(h('div', {class: 'empty'}, 'No conditions.'));
      return;
    }
    conditions.content.append(h('div', {class: 'body'}, item.conditions.map((c) =>
      h('div', {class: ['condition', c.type.endsWith('Error') ? 'err' : c.type.endsWith('Warning') ? 'warn' : ''], testid: 'condition'},
        h('div', {class: 'type'}, c.type), h('div', {}, c.message)))));
  }

  function showHistory(hist) {
    clear(history.content);
    const op = hist.operation;
    if (op) {
      history.content.append(h('div', {class: 'body', testid: 'last-operation'},
        h('div', {}, h('strong', {}, 'Last operation '), operationBadge(op.phase),
          op.operation && op.operation.sync && op.operation.sync.dryRun ? h('span', {class: 'tag'}, 'dry run') : null),
        op.message ? h('div', {class: 'muted'}, op.message) : null,
        h('div', {class: 'muted'}, 'started ', timeAgo(op.startedAt), op.finishedAt ? [', finished ', timeAgo(op.finishedAt)] : null,
          op.operation && op.operation.initiatedBy ? ` · by ${op.operation.initiatedBy.automated ? 'automated sync' : op.operation.initiatedBy.username || 'unknown'}` : '')));
    }
    if (!hist.history.length) {
      history.content.append(h('div', {class: 'empty'}, 'Not synced yet.'));
      return;
    }
    history.content.append(h('table', {class: 'list'},
      h('thead', {}, h('tr', {}, ['ID', 'Revision', 'Deployed', 'By'].map((t) => h('th', {}, t)))),
      h('tbody', {}, hist.history.map((e) => h('tr', {testid: 'history-row'},
        h('td', {}, e.id),
        h('td', {}, h('code', {title: e.revision || ''}, shortRev(e.revision))),
        h('td', {}, timeAgo(e.deployedAt)),
        h('td', {}, e.initiatedBy && e.initiatedBy.automated ? 'automated' : (e.initiatedBy && e.initiatedBy.username) || '—'))))));
  }

  function showDiff(res) {
    clear(diff.content);
    diff.right.textContent = res.resources.length ? `${res.resources.length} changed` : '';
    if (!res.resources.length) {
      diff.content.append(h('div', {class: 'empty', testid: 'diff-empty'}, 'No differences: the live objects match git.'));
      return;
    }
    for (const d of res.resources) {
      diff.content.append(h('div', {class: 'diff-resource', testid: 'diff-resource', 'data-kind': d.kind, 'data-name': d.name},
        h('h3', {}, h('span', {class: 'tag kind'}, d.kind), d.namespace ? `${d.namespace}/${d.name}` : d.name,
          !d.live ? h('span', {class: 'tag'}, 'to create') : !d.desired ? h('span', {class: 'tag'}, 'to prune') : null),
        d.error ? h('div', {class: 'body error-text'}, d.error) : null,
        diffTable(d.live, d.desired)));
    }
  }

  async function loadDiff(item) {
    const key = `${item.sync}|${item.revision}|${item.resources.outOfSync}|${item.resources.total}`;
    if (key === diffKey) return;
    diffKey = key;
    if (item.sync !== 'OutOfSync') {
      clear(diff.content).append(h('div', {class: 'empty', testid: 'diff-empty'},
        item.sync === 'Synced' ? 'No differences: the live objects match git.' : 'The sync status is not known yet.'));
      diff.right.textContent = '';
      return;
    }
    clear(diff.content).append(h('div', {class: 'empty'}, 'Computing the diff…'));
    try {
      const res = await api.diff(ns, name);
      if (alive && key === diffKey) showDiff(res);
    } catch (e) {
      if (alive && key === diffKey) clear(diff.content).append(h('div', {class: 'body error-text'}, describeError(e)));
    }
  }

  async function load() {
    try {
      const [app, tree, hist] = await Promise.all([api.get(ns, name), api.resources(ns, name), api.history(ns, name)]);
      if (!alive) return;
      const item = store.get(ns, name) || last || fromApp(app);
      last = item;
      showHead(item);
      showSummary(app, item);
      showConditions(item);
      showHistory(hist);
      renderResources(resources, tree.resources);
      head.tree.hidden = !tree.resources.some((r) => r.group === 'argoproj.io' && (r.kind === 'Application' || r.kind === 'ApplicationSet'));
      showOwner(app);
      loadDiff(item);
    } catch (e) {
      if (!alive) return;
      say('error', describeError(e));
    }
  }

  const reload = debounce(load, 250);
  const unsubscribe = store.subscribe((change) => {
    if (change.type === 'reset') {
      const item = store.get(ns, name);
      if (item) { last = item; showHead(item); }
      reload();
      return;
    }
    if (!change.app || change.app.namespace !== ns || change.app.name !== name) return;
    if (change.type === 'delete') {
      say('error', 'This application was deleted.');
      return;
    }
    last = change.app;
    showHead(change.app); // at once: the badges follow the stream
    reload();
  });
  if (last) showHead(last);
  load();
  return () => { alive = false; reload.cancel(); unsubscribe(); };
}

// fromApp makes a list item when the store does not have the app yet.
function fromApp(app) {
  const st = app.status || {};
  const op = st.operationState;
  return {
    namespace: app.metadata.namespace, name: app.metadata.name, project: app.spec.project || 'default',
    sync: (st.sync && st.sync.status) || 'Unknown', health: (st.health && st.health.status) || 'Unknown',
    revision: st.sync && st.sync.revision, wave: '', dependsOn: [], conditions: (st.conditions || []).map((c) => ({type: c.type, message: c.message})),
    operationPhase: op ? op.phase : '', operationMessage: op ? op.message : '',
    resources: {total: (st.resources || []).length, outOfSync: (st.resources || []).filter((r) => r.status === 'OutOfSync').length, healthy: 0},
    reconciledAt: st.reconciledAt,
  };
}
