// The floor of this machine and sandbox for a scan: Node's https client alone, no CLI, no checks,
// no ordering. Reads a plan of whole-day ranges (a JSON file of [accountSid, firstDay, lastDay]),
// lists each range with `concurrency` keep-alive requests in flight (through HTTPS_PROXY, as the CLI
// reaches the sandbox), following a range's next pages, JSON.parse-ing each page and counting its
// recordings. A 429 is tried again at once. Fails unless it counted `expected` recordings.
const https = require('node:https');
const { readFileSync } = require('node:fs');
const { HttpsProxyAgent } = require('https-proxy-agent');

const [planFile, concurrencyText, expectedText] = process.argv.slice(2);
const plan = JSON.parse(readFileSync(planFile, 'utf8'));
const parentSid = process.env.TWILIO_ACCOUNT_SID;
const authorization = `Basic ${Buffer.from(`${parentSid}:${process.env.TWILIO_AUTH_TOKEN}`).toString('base64')}`;
const agent = new HttpsProxyAgent(process.env.HTTPS_PROXY, { keepAlive: true });

function get(url) {
  return new Promise((resolve, reject) => {
    const request = https.get(url, { agent, headers: { Authorization: authorization } }, (response) => {
      const chunks = [];
      response.on('data', (chunk) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode, body: Buffer.concat(chunks) }));
      response.on('error', reject);
    });
    request.on('error', reject);
  });
}

async function main() {
  let counted = 0;
  let next = 0;
  const worker = async () => {
    while (next < plan.length) {
      const [accountSid, firstDay, lastDay] = plan[next++];
      // The sandbox reads both day bounds as inclusive.
      let url =
        `https://api.twilio.com/2010-04-01/Accounts/${accountSid}/Recordings.json` +
        `?PageSize=1000&DateCreated%3E=${firstDay}&DateCreated%3C=${lastDay}`;
      while (url) {
        let answer;
        do answer = await get(url);
        while (answer.status === 429);
        if (answer.status !== 200) throw new Error(`list answered ${answer.status}`);
        const page = JSON.parse(answer.body.toString('utf8'));
        counted += page.recordings.length;
        url = page.next_page_uri ? `https://api.twilio.com${page.next_page_uri}` : undefined;
      }
    }
  };
  await Promise.all(Array.from({ length: Number(concurrencyText) }, worker));
  agent.destroy();
  if (counted !== Number(expectedText)) throw new Error(`counted ${counted} recordings, expected ${expectedText}`);
}

main().catch((error) => {
  console.error(error.message);
  process.exit(1);
});
