// The floor of this machine and sandbox: Node's https client alone, no CLI, no checks, no disk.
// Lists the account's recordings, then fetches every one's media with `concurrency` keep-alive
// requests in flight (through HTTPS_PROXY, as the CLI reaches the sandbox), discarding the bytes.
// A 429 is tried again at once. Prints the number of recordings fetched.
const https = require('node:https');
const { HttpsProxyAgent } = require('https-proxy-agent');

const [concurrencyText] = process.argv.slice(2);
const accountSid = process.env.TWILIO_ACCOUNT_SID;
const authorization = `Basic ${Buffer.from(`${accountSid}:${process.env.TWILIO_AUTH_TOKEN}`).toString('base64')}`;
const agent = new HttpsProxyAgent(process.env.HTTPS_PROXY, { keepAlive: true });
const base = `https://api.twilio.com/2010-04-01/Accounts/${accountSid}`;

function get(url, onData) {
  return new Promise((resolve, reject) => {
    const request = https.get(url, { agent, headers: { Authorization: authorization } }, (response) => {
      response.on('data', onData);
      response.on('end', () => resolve(response.statusCode));
      response.on('error', reject);
    });
    request.on('error', reject);
  });
}

async function listSids() {
  const sids = [];
  let next = `${base}/Recordings.json?PageSize=1000`;
  while (next) {
    const chunks = [];
    const status = await get(next, (chunk) => chunks.push(chunk));
    if (status !== 200) throw new Error(`list answered ${status}`);
    const page = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    for (const recording of page.recordings) sids.push(recording.sid);
    next = page.next_page_uri ? `https://api.twilio.com${page.next_page_uri}` : undefined;
  }
  return sids;
}

async function main() {
  const sids = await listSids();
  let next = 0;
  const worker = async () => {
    while (next < sids.length) {
      const sid = sids[next++];
      let status;
      do status = await get(`${base}/Recordings/${sid}.wav`, () => undefined);
      while (status === 429);
      if (status !== 200) throw new Error(`${sid} answered ${status}`);
    }
  };
  await Promise.all(Array.from({ length: Number(concurrencyText) }, worker));
  agent.destroy();
  console.log(sids.length);
}

main().catch((error) => {
  console.error(error.message);
  process.exit(1);
});
