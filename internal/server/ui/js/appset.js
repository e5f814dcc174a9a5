// The ApplicationSet page: its generators, its generated Applications
// with their live sync and health, the rollout steps of a RollingSync
// strategy with each Application's place in them, and the conditions.
// It re-reads the set when one of its Applications changes (the events
// stream) and every few seconds (the set's own status has no events).

import {h, clear, appHref, debounce} from './dom.js';
import {syncBadge, healthBadge, operationBadge} from './badges.js';
import {api} from './api.js';
import {store} from './store.js';
import {POLL_MS, kindText, upToDate, appCounts} from './appsets.js';

const KINDS = ['list', 'clusters', 'git', 'matrix', 'merge', 'scmProvider', 'pullRequest', 'clusterDecisionResource', 'plugin'];

function card(title, testid) {
  const right = h('span', {class: 'right'});
  const content = h('div', {class: 'card-content'}, h('div', {class: 'body muted'}, 'Loading…'));
  const el = h('section', {class: 'card', testid}, h('h2', {}, title, right), content);
  return {el, right, content};
}

function kv(rows) {
  return h('dl', {class: 'kv'}, rows.filter(Boolean).flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));
}

/** selectorText renders a label selector: "env=prod, tier In (a, b)". */
function selectorText(sel) {
  if (!sel) return '';
  const parts = Object.entries(sel.matchLabels || {}).map(([k, v]) => `${k}=${v}`);
  for (const e of sel.matchExpressions || []) parts.push(expressionText(e));
  return parts.join(', ');
}

function expressionText(e) {
  return e.values && e.values.length ? `${e.key} ${e.operator} (${e.values.join(', ')})` : `${e.key} ${e.operator}`;
}

function paths(items) {
  return h('div', {}, items.map((p) => h('div', {class: 'mono'}, p.exclude ? h('span', {class: 'tag'}, 'exclude') : null, p.path)));
}

// generator shows one generator, as given in the spec, by its key fields;
// a matrix or merge shows the generators it combines below it.
function generator(g) {
  const kind = KINDS.find((k) => g[k]) || 'unknown';
  const v = g[kind] || {};
  const rows = [];
  let children = [];
  switch (kind) {
    case 'list': {
      const n = (v.elements || []).length;
      rows.push(['Elements', v.elementsYaml ? 'from elementsYaml' : h('span', {testid: 'list-elements'}, `${n} element${n === 1 ? '' : 's'}`)]);
      break;
    }
    case 'clusters':
      rows.push(['Clusters', selectorText(v.selector) || 'all registered clusters']);
      if (v.flatList) rows.push(['Flat list', 'one parameter set for all clusters']);
      break;
    case 'git':
      rows.push(['Repository', h('span', {class: 'mono', testid: 'git-repo'}, v.repoURL || '')]);
      rows.push(['Revision', h('code', {testid: 'git-revision'}, v.revision || 'HEAD')]);
      if (v.directories && v.directories.length) rows.push(['Directories', paths(v.directories)]);
      if (v.files && v.files.length) rows.push(['Files', paths(v.files)]);
      break;
    case 'matrix':
    case 'merge':
      if (kind === 'merge') rows.push(['Merge keys', (v.mergeKeys || []).join(', ')]);
      children = (v.generators || []).map(generator);
      break;
    case 'clusterDecisionResource':
      rows.push(['ConfigMap', v.configMapRef || '']);
      if (selectorText(v.labelSelector)) rows.push(['Labels', selectorText(v.labelSelector)]);
      break;
    case 'plugin':
      rows.push(['ConfigMap', (v.configMapRef && v.configMapRef.name) || '']);
      break;
    case 'scmProvider':
    case 'pullRequest': {
      const provider = Object.keys(v).find((k) => !['filters', 'requeueAfterSeconds', 'template', 'values', 'cloneProtocol'].includes(k));
      if (provider) rows.push(['Provider', provider]);
      break;
    }
  }
  if (v.values && Object.keys(v.values).length) rows.push(['Values', Object.keys(v.values).join(', ')]);
  if (g.selector && selectorText(g.selector)) rows.push(['Selector', selectorText(g.selector)]);
  return h('div', {class: 'generator', testid: 'generator', 'data-kind': kind},
    h('div', {class: 'gen-head'}, h('span', {class: 'tag kind'}, kind),
      children.length ? h('span', {class: 'muted'}, `of ${children.length} generators`) : null),
    rows.length ? kv(rows) : null,
    children.length ? h('div', {class: 'gen-children'}, children) : null);
}

function rolloutTag(r, testid = 'rollout-status') {
  if (!r) return null;
  return h('span', {class: ['tag', 'rollout', `r-${(r.status || 'unknown').toLowerCase()}`], testid, 'data-status': r.status, title: r.message || null}, r.status || 'Unknown');
}

function appRow(g) {
  const a = g.app;
  const step = g.rollout && g.rollout.step && g.rollout.step !== '-1' ? `step ${g.rollout.step}` : '';
  return h('tr', {testid: 'appset-app', 'data-app': `${g.namespace}/${g.name}`},
    h('td', {},
      a ? h('a', {class: 'app-name', href: appHref(g.namespace, g.name), testid: 'app-link'}, g.name) : h('span', {class: 'app-name'}, g.name),
      h('div', {class: 'app-ns'}, g.namespace, !g.owned && a ? ' · not owned by this set' : '')),
    h('td', {}, a ? syncBadge(a.sync) : h('span', {class: 'muted'}, 'not created yet')),
    h('td', {}, healthBadge(a ? a.health : 'Missing')),
    h('td', {}, a && a.operationPhase ? operationBadge(a.operationPhase) : null),
    h('td', {}, rolloutTag(g.rollout), step ? h('span', {class: 'muted', testid: 'rollout-step-of'}, ` ${step}`) : null));
}

// rollout shows the steps of a RollingSync, the Applications of each with
// their rollout status; a step is active while one of them is Pending or
// Progressing, and done when all are Healthy.
function rollout(set) {
  const strategy = set.spec.strategy || {};
  const steps = (strategy.rollingSync && strategy.rollingSync.steps) || [];
  const withStatus = set.applications.filter((g) => g.rollout);
  if (set.strategy !== 'RollingSync') {
    return h('div', {class: 'empty', testid: 'rollout-none'}, `${set.strategy}: every Application is updated at once.`);
  }
  const stepView = (title, attrs, head, apps) => {
    const active = apps.some((g) => ['Pending', 'Progressing'].includes(g.rollout.status));
    const done = apps.length > 0 && apps.every((g) => g.rollout.status === 'Healthy');
    return h('div', {class: ['rollout-step', active && 'active', done && 'done'], ...attrs},
      h('div', {class: 'step-head'}, h('strong', {}, title), head),
      apps.length
        ? h('div', {class: 'step-apps'}, apps.map((g) => h('span', {class: 'step-app', testid: 'rollout-app', 'data-app': `${g.namespace}/${g.name}`},
          g.app ? h('a', {href: appHref(g.namespace, g.name)}, g.name) : g.name, ' ', rolloutTag(g.rollout))))
        : h('div', {class: 'muted'}, 'No Application in this step.'));
  };
  const out = steps.map((s, i) => {
    const n = String(i + 1);
    const exprs = s.matchExpressions || [];
    const max = s.maxUpdate === undefined || s.maxUpdate === null ? '100% (default)' : String(s.maxUpdate);
    return stepView(`Step ${n}`, {testid: 'rollout-step', 'data-step': n},
      [
        exprs.length
          ? exprs.map((e) => h('code', {class: 'tag', testid: 'match-expression'}, expressionText(e)))
          : h('span', {class: 'muted'}, 'no match expressions'),
        h('span', {class: 'tag', testid: 'max-update'}, `maxUpdate ${max}`),
      ],
      withStatus.filter((g) => g.rollout.step === n));
  });
  const stray = withStatus.filter((g) => !steps.some((_, i) => g.rollout.step === String(i + 1)));
  if (stray.length) out.push(stepView('In no step', {testid: 'rollout-step', 'data-step': 'none'}, null, stray));
  if (!out.length) return h('div', {class: 'empty'}, 'RollingSync without steps.');
  return h('div', {class: 'body'}, out);
}

function conditions(list) {
  if (!list.length) return h('div', {class: 'empty'}, 'No conditions reported yet.');
  return h('div', {class: 'body'}, list.map((c) => {
    const bad = (c.type === 'ErrorOccurred' && c.status === 'True') || (c.type === 'ResourcesUpToDate' && c.status === 'False');
    return h('div', {class: ['condition', bad && (c.type === 'ErrorOccurred' ? 'err' : 'warn')], testid: 'appset-condition', 'data-type': c.type, 'data-status': c.status},
      h('div', {class: 'type'}, c.type, ' ', h('span', {class: 'tag'}, c.status), c.reason ? h('span', {class: 'muted'}, ` ${c.reason}`) : null),
      h('div', {}, c.message));
  }));
}

export function render(root, {ns, name}) {
  let alive = true;
  let members = new Set();
  const badges = h('div', {class: 'actions-badges'});
  const feedback = h('div', {class: 'feedback error', testid: 'appset-load-error', hidden: true});
  const summary = card('Summary', 'appset-summary');
  const gens = card('Generators', 'appset-generators');
  const conds = card('Conditions', 'appset-conditions');
  const apps = card('Applications', 'appset-apps');
  const steps = card('Rollout', 'appset-rollout');
  root.append(
    h('div', {class: 'crumbs'}, h('a', {href: '#/appsets'}, 'ApplicationSets'), ' / ', ns, ' / ', name),
    h('div', {class: 'page-head', testid: 'appset-page', 'data-appset': `${ns}/${name}`},
      h('h1', {}, name), h('span', {class: 'sub'}, 'ApplicationSet'), badges),
    feedback,
    h('div', {class: 'grid'},
      h('div', {class: 'stack'}, summary.el, gens.el, conds.el),
      h('div', {class: 'stack'}, apps.el, steps.el)));

  function show(set) {
    members = new Set(set.applications.map((g) => `${g.namespace}/${g.name}`));
    clear(badges).append(healthBadge(set.health, {testid: 'appset-health-badge', large: true}), ' ',
      h('span', {class: 'tag'}, set.strategy));
    if (set.deleting) badges.append(h('span', {class: 'tag'}, 'deleting'));
    const policy = set.spec.syncPolicy || {};
    clear(summary.content).append(h('div', {class: 'body'}, kv([
      ['Generators', set.generators.map(kindText).join(', ') || '—'],
      ['Template name', h('span', {class: 'mono', testid: 'template-name'}, set.spec.templateName || '—')],
      set.spec.goTemplate && ['Templating', 'Go templates'],
      ['Strategy', set.strategy],
      ['Applications sync', policy.applicationsSync || 'not set'],
      policy.preserveResourcesOnDeletion && ['On deletion', 'resources preserved'],
      ['Applications', appCounts(set.apps)],
      ['Resources count', String(set.resourcesCount)],
      ['Status', upToDate(set)],
      set.parent && ['Managed by', h('a', {href: appHref(set.parent.namespace, set.parent.name, 'tree'), testid: 'appset-parent'}, set.parent.name)],
    ])));
    clear(gens.content).append(set.spec.generators.length
      ? h('div', {class: 'body'}, set.spec.generators.map(generator))
      : h('div', {class: 'empty'}, 'No generators.'));
    gens.right.textContent = set.generators.length ? String(set.generators.length) : '';
    clear(conds.content).append(conditions(set.conditions));
    conds.right.textContent = set.conditions.length ? String(set.conditions.length) : '';
    apps.right.textContent = appCounts(set.apps);
    clear(apps.content).append(set.applications.length
      ? h('table', {class: 'list'},
        h('thead', {}, h('tr', {}, ['Name', 'Sync', 'Health', 'Operation', 'Rollout'].map((t) => h('th', {}, t)))),
        h('tbody', {}, set.applications.map(appRow)))
      : h('div', {class: 'empty', testid: 'appset-no-apps'}, 'This set has generated no Applications.'));
    clear(steps.content).append(rollout(set));
  }

  let seq = 0;
  async function load() {
    const mine = ++seq;
    try {
      const set = await api.appSet(ns, name);
      if (!alive || mine !== seq) return;
      feedback.hidden = true;
      show(set);
    } catch (e) {
      if (!alive || mine !== seq) return;
      feedback.hidden = false;
      feedback.textContent = e.describe ? e.describe() : String(e);
    }
  }
  const reload = debounce(load, 250);
  const unsubscribe = store.subscribe((change) => {
    const a = change.app;
    if (change.type === 'reset' || (a && (members.has(`${a.namespace}/${a.name}`) ||
      (a.appSet && a.appSet.namespace === ns && a.appSet.name === name)))) reload();
  });
  const timer = setInterval(load, POLL_MS);
  load();
  return () => { alive = false; reload.cancel(); unsubscribe(); clearInterval(timer); };
}
