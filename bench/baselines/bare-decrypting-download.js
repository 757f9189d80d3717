// The floor of decrypting while downloading on this machine and sandbox: the bare client of
// bare-download.js (no CLI, no checks, no disk), which, given a private key file, also unwraps each
// encrypted recording's content key (RSA-OAEP, SHA-256) and deciphers its media (AES-256-GCM, tag
// checked), discarding the plaintext. Prints the number of recordings fetched.
const crypto = require('node:crypto');
const https = require('node:https');
const { readFileSync } = require('node:fs');
const { HttpsProxyAgent } = require('https-proxy-agent');

const [concurrencyText, privateKeyPath] = process.argv.slice(2);
const privateKey = privateKeyPath ? crypto.createPrivateKey(readFileSync(privateKeyPath)) : undefined;
const accountSid = process.env.TWILIO_ACCOUNT_SID;
const authorization = `Basic ${Buffer.from(`${accountSid}:${process.env.TWILIO_AUTH_TOKEN}`).toString('base64')}`;
const agent = new HttpsProxyAgent(process.env.HTTPS_PROXY, { keepAlive: true });
const base = `https://api.twilio.com/2010-04-01/Accounts/${accountSid}`;
const TAG_BYTES = 16;

function get(url, onData) {
  return new Promise((resolve, reject) => {
    const request = https.get(url, { agent, headers: { Authorization: authorization } }, (response) => {
      response.on('data', (chunk) => onData(chunk, response.statusCode));
      response.on('end', () => resolve(response.statusCode));
      response.on('error', reject);
    });
    request.on('error', reject);
  });
}

async function listRecordings() {
  const recordings = [];
  let next = `${base}/Recordings.json?PageSize=1000`;
  while (next) {
    const chunks = [];
    const status = await get(next, (chunk) => chunks.push(chunk));
    if (status !== 200) throw new Error(`list answered ${status}`);
    const page = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    recordings.push(...page.recordings.map((r) => ({ sid: r.sid, details: r.encryption_details })));
    next = page.next_page_uri ? `https://api.twilio.com${page.next_page_uri}` : undefined;
  }
  return recordings;
}

/** A decipher for one recording, or undefined when it is plain or no key was given. */
function decipherFor(details) {
  if (!privateKey || !details) return undefined;
  const wrapped = details.encrypted_cek ?? details.encryption_cek;
  const iv = details.iv ?? details.encryption_iv;
  const key = crypto.privateDecrypt(
    { key: privateKey, padding: crypto.constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' },
    Buffer.from(wrapped, 'base64'),
  );
  return crypto.createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64'), { authTagLength: TAG_BYTES });
}

async function fetchOne({ sid, details }) {
  for (;;) {
    const decipher = decipherFor(details);
    let held = Buffer.alloc(0);
    const status = await get(`${base}/Recordings/${sid}.wav`, (chunk, code) => {
      if (!decipher || code !== 200) return;
      // The tag is the last 16 bytes: hold them back until the body ends.
      const joined = held.length > 0 ? Buffer.concat([held, chunk]) : chunk;
      decipher.update(joined.subarray(0, Math.max(0, joined.length - TAG_BYTES)));
      held = joined.subarray(Math.max(0, joined.length - TAG_BYTES));
    });
    if (status === 429) continue;
    if (status !== 200) throw new Error(`${sid} answered ${status}`);
    if (decipher) {
      decipher.setAuthTag(held);
      decipher.final();
    }
    return;
  }
}

async function main() {
  const recordings = await listRecordings();
  let next = 0;
  const worker = async () => {
    while (next < recordings.length) await fetchOne(recordings[next++]);
  };
  await Promise.all(Array.from({ length: Number(concurrencyText) }, worker));
  agent.destroy();
  console.log(recordings.length);
}

main().catch((error) => {
  console.error(error.message);
  process.exit(1);
});
