// The page of `twilio recordings:callbacks:listen --inspect`. Plain browser JavaScript, no build step.
// Every value that came with a request is put on the page as text (textContent), never as HTML.
'use strict';

(function inspectorPage() {
  const token = new URLSearchParams(window.location.search).get('token') || '';
  const state = {
    session: null,
    limit: 0,
    dropped: 0,
    canReplay: false,
    canSend: false,
    // The newest `limit` rows (their table columns only), oldest first; a row's details are fetched when it is opened.
    rows: new Map(),
    // The rows drawn, by id: only those in view of the table's scroll box.
    drawn: new Map(),
    newest: 0,
    // Rows received, and rows changed, since the last frame.
    fresh: [],
    changed: new Set(),
    // The height of a row in pixels, measured once one is drawn.
    rowHeight: 0,
    tally: null,
    drawScheduled: false,
    selected: null,
    // Counts the details asked for, so that only the last one asked is shown.
    opened: 0,
    // The text filter: the ids of the kept requests that match, up to the newest one searched.
    search: { text: '', ids: new Set(), upTo: 0, generation: 0, running: false, again: false },
  };
  const REJECTED = new Set(['rejected', 'invalid', 'foreign-account', 'too-large', 'error']);
  const IGNORED = new Set(['not-found', 'method-not-allowed']);
  // The characters a terminal or a reader could be fooled by, shown as escapes as the CLI shows them.
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
  const NAMED = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

  const $ = (id) => document.getElementById(id);
  /** Until a row is drawn and measured. */
  const ESTIMATED_ROW_HEIGHT = 29;

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

  function verdictGroup(row) {
    if (row.verdict === 'accepted') return 'verified';
    if (REJECTED.has(row.verdict)) return 'rejected';
    if (IGNORED.has(row.verdict)) return 'ignored';
    return row.verdict;
  }

  function verdictLabel(row) {
    const group = verdictGroup(row);
    if (group === 'rejected' && row.verdict !== 'rejected') return `rejected (${row.verdict})`;
    if (group === 'test') return 'test';
    return group;
  }

  /** The handler's answer in a row: its status and time, from a row summary or a request's details. */
  function handlerLabel(status, ms) {
    if (status === undefined) return '';
    return status === null ? `unreachable after ${Math.round(ms)} ms` : `${status} in ${Math.round(ms)} ms`;
  }

  function durationLabel(row) {
    const duration = row.duration;
    return duration === null || duration === undefined || duration < 0 ? '' : `${duration}s`;
  }

  function timeLabel(time) {
    return new Date(time)
      .toISOString()
      .replace('T', ' ')
      .replace(/\.\d+Z$/, 'Z');
  }

  // --- filters ---------------------------------------------------------------------------------

  function matches(row) {
    const verdict = $('filter-verdict').value;
    const event = $('filter-event').value;
    if (verdict && verdictGroup(row) !== verdict) return false;
    if (event && row.event !== event) return false;
    const search = state.search;
    // Rows newer than the last search are shown once it has looked at them.
    if (search.text && !(row.id <= search.upTo && search.ids.has(row.id))) return false;
    return true;
  }

  /** Asks the listener which kept requests contain the text: their parameters and answers are not on the page. */
  async function runSearch() {
    const search = state.search;
    if (!search.text) return;
    if (search.running) {
      search.again = true;
      return;
    }
    search.running = true;
    const generation = search.generation;
    try {
      const answer = await get(`/api/search?text=${encodeURIComponent(search.text)}&after=${search.upTo}`);
      if (generation !== search.generation) return;
      for (const id of answer.ids) search.ids.add(id);
      search.upTo = answer.upTo;
      scheduleDraw();
    } catch {
      // The connection line says when the listener is gone; the next batch searches again.
    } finally {
      search.running = false;
      if (search.again) {
        search.again = false;
        runSearch();
      }
    }
  }

  function filterByText() {
    const search = state.search;
    search.text = $('filter-text').value.trim().toLowerCase();
    search.ids = new Set();
    search.upTo = 0;
    search.generation += 1;
    redraw();
    runSearch();
  }

  // --- rows ------------------------------------------------------------------------------------

  function rowElement(row) {
    const group = verdictGroup(row);
    const tr = el(
      'tr',
      { 'data-id': row.id, 'data-verdict': group, className: state.selected === row.id ? 'selected' : '' },
      [
        el('td', { className: 'time' }, timeLabel(row.time)),
        el('td', { className: 'method' }, visible(row.method)),
        el('td', { className: 'event' }, visible(row.event === undefined ? row.target : row.event)),
        el('td', { className: 'sid recording', title: row.recording }, visible(row.recording)),
        el('td', { className: 'sid call' }, visible(row.call)),
        el('td', { className: 'duration' }, durationLabel(row)),
        el('td', { className: `verdict verdict-${group}` }, verdictLabel(row)),
        el('td', { className: 'handler' }, handlerLabel(row.handler, row.handlerMs)),
        el('td', { className: 'download' }, visible(row.download)),
      ],
    );
    return tr;
  }

  /** Draws the rows again, as the filters now say. */
  function redraw() {
    state.drawn.clear();
    scheduleDraw();
  }

  /** Takes rows from the listener: the newest `limit` are kept, older ones leave the page at the next frame. */
  function receive(rows) {
    for (const row of rows) {
      // A page that connects while a batch is on its way gets some rows in its snapshot and again in the batch.
      if (row.id <= state.newest) continue;
      state.newest = row.id;
      state.rows.set(row.id, row);
      state.fresh.push(row);
    }
    while (state.rows.size > state.limit) {
      const oldest = state.rows.keys().next().value;
      state.rows.delete(oldest);
      state.search.ids.delete(oldest);
    }
    if (state.search.text && rows.length > 0) runSearch();
  }

  function update(rows) {
    for (const row of rows) {
      if (!state.rows.has(row.id)) continue;
      state.rows.set(row.id, row);
      state.changed.add(row.id);
      if (state.selected === row.id) openDetails(row.id);
    }
  }

  /**
   * Once a frame at most: the rows that match the filters, newest first, of which only those in view
   * of the scroll box are drawn, between two spacers as tall as the rows above and below. However
   * many requests arrive, a frame draws a screenful of rows.
   */
  function drawFrame() {
    state.drawScheduled = false;
    const box = $('rows-box');
    const height = state.rowHeight || ESTIMATED_ROW_HEIGHT;
    // Someone reading further down keeps the same rows in view while new ones arrive above them.
    const above = state.fresh.filter((row) => state.rows.has(row.id) && matches(row)).length;
    state.fresh = [];
    if (box.scrollTop > 0 && above > 0) box.scrollTop += above * height;
    const shown = [];
    for (const row of state.rows.values()) if (matches(row)) shown.push(row);
    // The box grows with its rows up to its largest height: as many rows as fill that are drawn.
    const boxHeight = parseFloat(window.getComputedStyle(box).maxHeight) || window.innerHeight;
    const inView = Math.ceil(boxHeight / height) + 2;
    const first = Math.max(0, Math.min(Math.floor(box.scrollTop / height), shown.length - inView));
    const last = Math.min(shown.length, first + inView);
    const drawn = new Map();
    const trs = [];
    for (let index = first; index < last; index += 1) {
      const row = shown[shown.length - 1 - index];
      const kept = state.changed.has(row.id) ? undefined : state.drawn.get(row.id);
      const tr = kept || rowElement(row);
      drawn.set(row.id, tr);
      trs.push(tr);
    }
    state.changed.clear();
    state.drawn = drawn;
    $('rows').replaceChildren(...trs);
    setSpacer('rows-above', first * height);
    setSpacer('rows-below', (shown.length - last) * height);
    $('requests').dataset.kept = String(state.rows.size);
    $('requests').dataset.shown = String(shown.length);
    if (!state.rowHeight && trs.length > 0) {
      state.rowHeight = trs[0].getBoundingClientRect().height || ESTIMATED_ROW_HEIGHT;
      if (state.rowHeight !== height) scheduleDraw();
    }
    if (state.tally) drawTally(state.tally);
    drawKept();
  }

  /** A spacer row's height (a style property set from script, which the page's CSP allows). */
  function setSpacer(id, pixels) {
    const spacer = $(id);
    spacer.hidden = pixels <= 0;
    spacer.firstElementChild.style.height = `${pixels}px`;
  }

  function scheduleDraw() {
    if (state.drawScheduled) return;
    state.drawScheduled = true;
    window.requestAnimationFrame(drawFrame);
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
    const tr = state.drawn.get(id);
    if (tr) tr.classList.add('selected');
    openDetails(id);
  }

  /** Fetches a request's details from the listener and shows them, unless another row was opened meanwhile. */
  async function openDetails(id) {
    const asked = ++state.opened;
    try {
      const details = await get(`/api/requests/${id}`);
      if (asked === state.opened) showDetails(details);
    } catch (error) {
      if (asked !== state.opened) return;
      $('details').replaceChildren(el('p', { className: 'error' }, visible(error.message)));
      $('details').hidden = false;
    }
  }

  // --- calls -----------------------------------------------------------------------------------

  /** A GET of the listener's API, with the token in a header rather than in the URL. */
  async function get(path) {
    const response = await fetch(path, { headers: { 'x-inspector-token': token }, credentials: 'omit' });
    return answerOf(response);
  }

  async function call(path, body) {
    const response = await fetch(path, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-inspector-token': token },
      body: JSON.stringify(body),
      credentials: 'omit',
    });
    return answerOf(response);
  }

  async function answerOf(response) {
    const answer = await response.json().catch(() => ({ error: `answered ${response.status}` }));
    if (!response.ok) throw new Error(answer.error || `answered ${response.status}`);
    return answer;
  }

  async function replayEntry(id) {
    const output = $('replay-result');
    output.className = '';
    output.textContent = 'Replaying…';
    try {
      const { row } = await call('/api/replay', { id });
      output.textContent = `Replayed as #${row.id}: ${handlerLabel(row.handler, row.handlerMs)}`;
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
      state.rows = new Map(snapshot.rows.map((row) => [row.id, row]));
      state.newest = snapshot.rows.length > 0 ? snapshot.rows[snapshot.rows.length - 1].id : 0;
      state.fresh = [];
      state.changed.clear();
      drawSession();
      drawTally(snapshot.tally);
      drawKept();
      drawForm(snapshot.events);
      filterByText();
      setConnection(true);
    });
    events.addEventListener('rows', (message) => {
      const batch = JSON.parse(message.data);
      state.dropped = batch.dropped;
      state.tally = batch.tally;
      receive(batch.rows);
      update(batch.updated);
      scheduleDraw();
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
    $('filter-text').addEventListener('input', filterByText);
    $('rows-box').addEventListener('scroll', scheduleDraw, { passive: true });
    $('rows').addEventListener('click', (event) => {
      const tr = event.target.closest('tr[data-id]');
      if (tr) select(Number(tr.dataset.id));
    });
    $('send-form').addEventListener('submit', sendTest);
    connect();
  });
})();
