// The page of `twilio recordings:callbacks:listen --inspect`. Plain browser JavaScript, no build step.
// Every value that came with a request is put on the page as text (textContent), never as HTML.
'use strict';

(function inspectorPage() {
  const token = new URLSearchParams(window.location.search).get('token') || '';
  const state = {
    session: null,
    limit: 0,
    dropped: 0,
    entries: new Map(),
    canReplay: false,
    canSend: false,
    selected: null,
    pending: [],
    tally: null,
    rows: new Map(),
    drawScheduled: false,
  };
  const REJECTED = new Set(['rejected', 'invalid', 'foreign-account', 'too-large', 'error']);
  const IGNORED = new Set(['not-found', 'method-not-allowed']);
  // The characters a terminal or a reader could be fooled by, shown as escapes as the CLI shows them.
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
  const NAMED = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

  const $ = (id) => document.getElementById(id);

  /** Text made visible: control characters and bidirectional marks as escapes. */
  function visible(value) {
    if (value === null || value === undefined) return '';
    return String(value).replace(UNPRINTABLE, (char) => {
      if (NAMED[char]) return NAMED[char];
      const code = char.charCodeAt(0);
      return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
    });
  }

  /** An element with attributes and children; strings become text nodes. */
  function el(tag, attributes, children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes || {})) {
      if (value === undefined || value === null || value === false) continue;
      if (name === 'className') node.className = value;
      else node.setAttribute(name, value === true ? '' : String(value));
    }
    for (const child of [].concat(children === undefined ? [] : children)) {
      if (child === null || child === undefined || child === false) continue;
      node.append(
        typeof child === 'string' || typeof child === 'number' ? document.createTextNode(String(child)) : child,
      );
    }
    return node;
  }

  function verdictGroup(entry) {
    if (entry.verdict === 'accepted') return 'verified';
    if (REJECTED.has(entry.verdict)) return 'rejected';
    if (IGNORED.has(entry.verdict)) return 'ignored';
    return entry.verdict;
  }

  function verdictLabel(entry) {
    const group = verdictGroup(entry);
    if (group === 'rejected' && entry.verdict !== 'rejected') return `rejected (${entry.verdict})`;
    if (group === 'test') return 'test';
    return group;
  }

  function handlerLabel(entry) {
    const handler = entry.handler;
    if (!handler) return '';
    const ms = `${Math.round(handler.latencyMs)} ms`;
    return handler.status === undefined ? `unreachable after ${ms}` : `${handler.status} in ${ms}`;
  }

  function downloadLabel(entry) {
    return entry.downloads
      .map((download) =>
        download.outcome === 'saved'
          ? download.deleted
            ? 'saved, deleted'
            : 'saved'
          : `not saved: ${download.error || download.outcome}`,
      )
      .join('; ');
  }

  function durationLabel(entry) {
    const duration = entry.event && entry.event.duration;
    return duration === null || duration === undefined || duration < 0 ? '' : `${duration}s`;
  }

  // --- filters ---------------------------------------------------------------------------------

  function matches(entry) {
    const verdict = $('filter-verdict').value;
    const event = $('filter-event').value;
    const text = $('filter-text').value.trim().toLowerCase();
    if (verdict && verdictGroup(entry) !== verdict) return false;
    if (event && (!entry.event || entry.event.status !== event)) return false;
    if (text && !searchText(entry).includes(text)) return false;
    return true;
  }

  function searchText(entry) {
    const parts = [entry.method, entry.target, entry.verdict, entry.reason || '', String(entry.status)];
    for (const [key, value] of entry.params) parts.push(`${key}=${value}`);
    if (entry.handler && entry.handler.body) parts.push(entry.handler.body);
    return parts.join('\n').toLowerCase();
  }

  // --- rows ------------------------------------------------------------------------------------

  function row(entry) {
    const event = entry.event;
    const group = verdictGroup(entry);
    const tr = el(
      'tr',
      { 'data-id': entry.id, 'data-verdict': group, className: state.selected === entry.id ? 'selected' : '' },
      [
        el('td', { className: 'time' }, entry.time.replace('T', ' ').replace(/\.\d+Z$/, 'Z')),
        el('td', { className: 'method' }, visible(entry.method)),
        el('td', { className: 'event' }, event ? visible(event.status) : visible(entry.target)),
        el(
          'td',
          { className: 'sid recording', title: event ? event.recordingSid : '' },
          event ? event.recordingSid : '',
        ),
        el('td', { className: 'sid call' }, event ? event.callSid || event.conferenceSid || '' : ''),
        el('td', { className: 'duration' }, durationLabel(entry)),
        el('td', { className: `verdict verdict-${group}` }, verdictLabel(entry)),
        el('td', { className: 'handler' }, handlerLabel(entry)),
        el('td', { className: 'download' }, visible(downloadLabel(entry))),
      ],
    );
    tr.addEventListener('click', () => select(entry.id));
    state.rows.set(entry.id, tr);
    return tr;
  }

  /** Redraws every row, newest first, as the filters say. */
  function redraw() {
    state.rows.clear();
    const rows = [...state.entries.values()].reverse().filter(matches).map(row);
    $('rows').replaceChildren(...rows);
  }

  /** Adds rows that arrived since the last frame at the top, and drops rows no longer kept. */
  function drawPending() {
    state.drawScheduled = false;
    // Only the newest `limit` can stay on the page: older ones are never drawn.
    const fresh = document.createDocumentFragment();
    for (const entry of state.pending.slice(-state.limit).reverse()) {
      if (matches(entry)) fresh.append(row(entry));
    }
    state.pending = [];
    $('rows').prepend(fresh);
    while (state.entries.size > state.limit) {
      const oldest = state.entries.keys().next().value;
      state.entries.delete(oldest);
      const gone = state.rows.get(oldest);
      if (gone) gone.remove();
      state.rows.delete(oldest);
    }
    if (state.tally) drawTally(state.tally);
    drawKept();
  }

  function scheduleDraw() {
    if (state.drawScheduled) return;
    state.drawScheduled = true;
    window.requestAnimationFrame(drawPending);
  }

  function replaceRow(entry) {
    const old = state.rows.get(entry.id);
    if (old) old.replaceWith(row(entry));
    if (state.selected === entry.id) showDetails(entry);
  }

  // --- session ---------------------------------------------------------------------------------

  function drawSession() {
    const session = state.session;
    const facts = [
      ['Callback URL', el('code', {}, visible(session.callbackUrl))],
      ['TwiML', el('code', {}, visible(session.twiml))],
      ['Verification', visible(session.verification)],
      [
        'Forward to',
        session.forwardTo ? el('code', {}, visible(session.forwardTo)) : 'no handler (add --forward-to URL)',
      ],
    ];
    if (session.downloadDir) facts.push(['Downloads to', el('code', {}, visible(session.downloadDir))]);
    $('session-facts').replaceChildren(...facts.flatMap(([name, value]) => [el('dt', {}, name), el('dd', {}, value)]));
  }

  function drawTally(tally) {
    const counters = [
      ['received', tally.received],
      ['verified', tally.verified],
      ['rejected', tally.rejected],
      ['forwarded', tally.forwarded],
      ['downloaded', tally.downloaded],
      ['deleted', tally.deleted],
    ];
    if (tally.unverified > 0) counters.splice(2, 0, ['unverified', tally.unverified]);
    $('counters').replaceChildren(
      ...counters.map(([name, count]) => el('li', { 'data-counter': name }, [el('b', {}, count), name])),
    );
  }

  function drawKept() {
    $('kept').textContent =
      state.dropped > 0
        ? `Showing the last ${state.limit} requests; ${state.dropped} older ones are no longer kept (the counters include them).`
        : `The page keeps the last ${state.limit} requests.`;
  }

  // --- details ---------------------------------------------------------------------------------

  function pairs(list) {
    return el(
      'table',
      { className: 'pairs' },
      el(
        'tbody',
        {},
        list.map(([key, value]) =>
          el('tr', {}, [
            el('td', { className: 'mono' }, visible(key)),
            el('td', { className: 'mono' }, visible(value)),
          ]),
        ),
      ),
    );
  }

  function rejectionSection(entry) {
    const rejection = entry.rejection;
    const parts = [el('h3', {}, 'Why it was rejected'), el('p', { className: 'error reason' }, visible(entry.reason))];
    if (!rejection) return parts;
    parts.push(
      pairs([
        ['URL', `${rejection.url.differed ? 'differed' : 'not the cause found'}: ${rejection.url.note}`],
        [
          'token or parameters',
          `${rejection.tokenOrParams.differed === true ? 'differed' : rejection.tokenOrParams.differed === false ? 'the same' : 'unknown'}: ${rejection.tokenOrParams.note}`,
        ],
        ['signature received', rejection.receivedStart === null ? 'none' : rejection.receivedStart],
      ]),
      el('h3', {}, 'URL forms checked (start of the signature each expects)'),
      pairs(rejection.checked.map((form) => [form.url, form.expectedStart])),
    );
    return parts;
  }

  function handlerSection(entry) {
    const handler = entry.handler;
    if (!handler) return [];
    const sent = handler.request;
    const parts = [
      el('h3', {}, 'Sent to the handler'),
      el('pre', { className: 'handler-request' }, visible(`${sent.method} ${sent.url}`)),
      pairs(Object.entries(sent.headers)),
    ];
    if (sent.body) parts.push(el('pre', {}, visible(sent.body)));
    parts.push(el('h3', {}, 'The handler answered'));
    if (handler.status === undefined) {
      parts.push(
        el(
          'p',
          { className: 'error handler-answer' },
          visible(`no answer after ${handler.latencyMs} ms: ${handler.error}`),
        ),
      );
      return parts;
    }
    parts.push(
      el('p', { className: 'handler-answer' }, `${handler.status} in ${handler.latencyMs} ms`),
      pairs(Object.entries(handler.headers || {})),
      el('pre', { className: 'handler-body' }, visible(handler.body) + (handler.bodyCut ? '\n… (cut)' : '')),
    );
    return parts;
  }

  function showDetails(entry) {
    const details = $('details');
    const title = entry.event ? `${entry.event.status} ${entry.event.recordingSid}` : entry.target;
    const summary = [
      ['verdict', verdictLabel(entry)],
      ['answered', String(entry.status)],
      ['received', entry.time],
      ['URL', entry.url],
    ];
    if (entry.reason) summary.push(['reason', entry.reason]);
    for (const warning of entry.warnings) summary.push(['warning', warning]);
    if (entry.replayOf) summary.push(['replay of', `request #${entry.replayOf}`]);
    for (const download of entry.downloads) {
      summary.push([
        'download',
        download.outcome === 'saved'
          ? `saved to ${download.path} (${download.bytes} bytes)${download.deleted ? ', deleted from Twilio' : ''}`
          : `not saved: ${download.error || download.outcome}`,
      ]);
    }
    const children = [el('h2', {}, `#${entry.id} ${visible(entry.method)} ${visible(title)}`), pairs(summary)];
    if (REJECTED.has(entry.verdict) && entry.reason) children.push(...rejectionSection(entry));
    children.push(el('h3', {}, 'Parameters'), pairs(entry.params));
    children.push(el('h3', {}, 'Headers'), pairs(Object.entries(entry.headers)));
    children.push(el('h3', {}, 'Body'), el('pre', { className: 'body' }, visible(entry.body) || '(empty)'));
    children.push(...handlerSection(entry));
    if (entry.curl) {
      children.push(
        el('h3', {}, 'As curl, signed for where it was sent'),
        el('pre', { className: 'curl' }, entry.curl),
      );
    }
    const actions = el('div', { className: 'actions' });
    if (entry.curl) {
      const copy = el('button', { type: 'button', className: 'secondary' }, 'Copy as curl');
      copy.addEventListener('click', () => navigator.clipboard && navigator.clipboard.writeText(entry.curl));
      actions.append(copy);
    }
    if (entry.replayable && state.canReplay) {
      const replay = el('button', { type: 'button', id: 'replay' }, 'Replay to the handler');
      replay.addEventListener('click', () => replayEntry(entry.id));
      actions.append(replay);
    }
    actions.append(el('output', { id: 'replay-result' }));
    children.push(actions);
    details.replaceChildren(...children);
    details.hidden = false;
  }

  function select(id) {
    state.selected = id;
    for (const tr of $('rows').querySelectorAll('tr.selected')) tr.classList.remove('selected');
    const tr = $('rows').querySelector(`tr[data-id="${id}"]`);
    if (tr) tr.classList.add('selected');
    const entry = state.entries.get(id);
    if (entry) showDetails(entry);
  }

  // --- calls -----------------------------------------------------------------------------------

  async function call(path, body) {
    const response = await fetch(path, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-inspector-token': token },
      body: JSON.stringify(body),
      credentials: 'omit',
    });
    const answer = await response.json().catch(() => ({ error: `answered ${response.status}` }));
    if (!response.ok) throw new Error(answer.error || `answered ${response.status}`);
    return answer;
  }

  async function replayEntry(id) {
    const output = $('replay-result');
    output.className = '';
    output.textContent = 'Replaying…';
    try {
      const { entry } = await call('/api/replay', { id });
      output.textContent = `Replayed as #${entry.id}: ${handlerLabel(entry)}`;
    } catch (error) {
      output.className = 'error';
      output.textContent = visible(error.message);
    }
  }

  async function sendTest(event) {
    event.preventDefault();
    const output = $('send-result');
    output.className = '';
    output.textContent = 'Sending…';
    try {
      const { results } = await call('/api/send', {
        event: $('send-event').value,
        method: $('send-method').value,
        to: $('send-to').value,
        params: $('send-params').value.split('\n'),
      });
      output.textContent = results
        .map(
          (result) => `${result.event}: ${result.status ? `answered ${result.status}` : `no answer (${result.error})`}`,
        )
        .join(' · ');
    } catch (error) {
      output.className = 'error';
      output.textContent = visible(error.message);
    }
  }

  // --- live updates ----------------------------------------------------------------------------

  function connect() {
    const events = new EventSource(`/api/events?token=${encodeURIComponent(token)}`);
    events.addEventListener('snapshot', (message) => {
      const snapshot = JSON.parse(message.data);
      state.session = snapshot.session;
      state.limit = snapshot.limit;
      state.dropped = snapshot.dropped;
      state.canReplay = snapshot.canReplay;
      state.canSend = snapshot.canSend;
      state.entries = new Map(snapshot.entries.map((entry) => [entry.id, entry]));
      state.pending = [];
      drawSession();
      drawTally(snapshot.tally);
      drawKept();
      drawForm(snapshot.events);
      redraw();
      setConnection(true);
    });
    events.addEventListener('entry', (message) => {
      const { entry, tally, dropped } = JSON.parse(message.data);
      state.entries.set(entry.id, entry);
      state.dropped = dropped;
      state.pending.push(entry);
      state.tally = tally;
      scheduleDraw();
    });
    events.addEventListener('update', (message) => {
      const { entry, tally } = JSON.parse(message.data);
      if (!state.entries.has(entry.id)) return;
      state.entries.set(entry.id, entry);
      drawTally(tally);
      replaceRow(entry);
    });
    events.addEventListener('open', () => setConnection(true));
    events.addEventListener('error', () => setConnection(false));
  }

  function setConnection(live) {
    const line = $('connection');
    line.classList.toggle('lost', !live);
    line.textContent = live
      ? 'Live: new requests appear as they arrive.'
      : 'Lost the connection to the listener: it stopped, or the URL or its token is wrong. Retrying…';
  }

  function drawForm(events) {
    const select = $('send-event');
    if (select.options.length === 0) select.replaceChildren(...events.map((name) => el('option', {}, name)));
    const toHandler = $('send-to').querySelector('option[value="handler"]');
    toHandler.disabled = !state.session.forwardTo;
    $('send-button').disabled = !state.canSend;
    if (!state.canSend)
      $('send-result').textContent = 'Test events are signed with the auth token, which this listener was not given.';
  }

  document.addEventListener('DOMContentLoaded', () => {
    for (const id of ['filter-verdict', 'filter-event']) $(id).addEventListener('change', redraw);
    $('filter-text').addEventListener('input', redraw);
    $('send-form').addEventListener('submit', sendTest);
    connect();
  });
})();
