// What the bare download clients share: Node's https client alone, the account's credentials from
// TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN, keep-alive connections through HTTPS_PROXY (as the CLI
// reaches the sandbox), a listing of every recording, and a media fetch and a delete that try a 429
// again at once.
const https = require('node:https');
const { HttpsProxyAgent } = require('https-proxy-agent');

const accountSid = process.env.TWILIO_ACCOUNT_SID;
const authorization = `Basic ${Buffer.from(`${accountSid}:${process.env.TWILIO_AUTH_TOKEN}`).toString('base64')}`;
const agent = new HttpsProxyAgent(process.env.HTTPS_PROXY, { keepAlive: true });
const base = `https://api.twilio.com/2010-04-01/Accounts/${accountSid}`;

/** Sends a request, giving each chunk of the answer's body to onData with its status; resolves with the status. */
function send(method, url, onData) {
  return new Promise((resolve, reject) => {
    const request = https.request(url, { method, agent, headers: { Authorization: authorization } }, (response) => {
      response.on('data', (chunk) => onData(chunk, response.statusCode));
      response.on('end', () => resolve(response.statusCode));
      response.on('error', reject);
    });
    request.on('error', reject);
    request.end();
  });
}

function get(url, onData) {
  return send('GET', url, onData);
}

/** Every recording of the account, in pages of 1,000, each kept as `keep` makes it. */
async function listRecordings(keep) {
  const recordings = [];
  let next = `${base}/Recordings.json?PageSize=1000`;
  while (next) {
    const chunks = [];
    const status = await get(next, (chunk) => chunks.push(chunk));
    if (status !== 200) throw new Error(`list answered ${status}`);
    const page = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    for (const recording of page.recordings) recordings.push(keep(recording));
    next = page.next_page_uri ? `https://api.twilio.com${page.next_page_uri}` : undefined;
  }
  return recordings;
}

/**
 * Fetches one recording's media, asking again at once after a 429. Before each try, `receiver()`
 * may give what takes a 200 answer's body: `{ data(chunk), end() }`; without one the bytes are discarded.
 */
async function fetchMedia(sid, receiver = () => undefined) {
  for (;;) {
    const body = receiver();
    const status = await get(`${base}/Recordings/${sid}.wav`, (chunk, code) => {
      if (body && code === 200) body.data(chunk);
    });
    if (status === 429) continue;
    if (status !== 200) throw new Error(`${sid} answered ${status}`);
    body?.end();
    return;
  }
}

/** Deletes one recording, asking again at once after a 429. */
async function deleteRecording(sid) {
  for (;;) {
    const status = await send('DELETE', `${base}/Recordings/${sid}.json`, () => undefined);
    if (status === 429) continue;
    if (status !== 204) throw new Error(`deleting ${sid} answered ${status}`);
    return;
  }
}

/** Runs `work` on every item with `concurrency` in flight, then closes the connections. */
async function forEachAtOnce(items, concurrency, work) {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]);
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  agent.destroy();
}

module.exports = { deleteRecording, fetchMedia, forEachAtOnce, listRecordings };
