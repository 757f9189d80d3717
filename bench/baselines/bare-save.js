// The floor for memory: one recording's media streamed to a file with Node's https client and
// fs.createWriteStream, through HTTPS_PROXY as the CLI reaches the sandbox; nothing else loaded.
const fs = require('node:fs');
const https = require('node:https');
const { pipeline } = require('node:stream/promises');
const { HttpsProxyAgent } = require('https-proxy-agent');

async function main() {
  const [sid, file] = process.argv.slice(2);
  const accountSid = process.env.TWILIO_ACCOUNT_SID;
  const authorization = `Basic ${Buffer.from(`${accountSid}:${process.env.TWILIO_AUTH_TOKEN}`).toString('base64')}`;
  const agent = new HttpsProxyAgent(process.env.HTTPS_PROXY);
  const url = `https://api.twilio.com/2010-04-01/Accounts/${accountSid}/Recordings/${sid}.wav`;
  const response = await new Promise((resolve, reject) =>
    https.get(url, { agent, headers: { Authorization: authorization } }, resolve).on('error', reject),
  );
  if (response.statusCode !== 200) throw new Error(`${sid} answered ${response.statusCode}`);
  await pipeline(response, fs.createWriteStream(file, { mode: 0o600 }));
}

main().catch((error) => {
  console.error(error.message);
  process.exit(1);
});
