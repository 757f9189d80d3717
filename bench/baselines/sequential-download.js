// The usual script: list with the twilio helper library, then fetch each recording's media one at a time.
const fs = require('node:fs');
const path = require('node:path');
const axios = require('axios');
const twilio = require('twilio');

async function main() {
  const [outputDir, limit] = process.argv.slice(2);
  const accountSid = process.env.TWILIO_ACCOUNT_SID;
  const authToken = process.env.TWILIO_AUTH_TOKEN;
  const client = twilio(accountSid, authToken);
  const recordings = await client.recordings.list({ limit: Number(limit), pageSize: 1000 });
  for (const recording of recordings) {
    const url = `https://api.twilio.com/2010-04-01/Accounts/${accountSid}/Recordings/${recording.sid}.wav`;
    const response = await axios.get(url, {
      auth: { username: accountSid, password: authToken },
      responseType: 'arraybuffer',
    });
    fs.writeFileSync(path.join(outputDir, `${recording.sid}.wav`), response.data);
  }
  console.log(recordings.length);
}

main().catch((error) => {
  console.error(error.message);
  process.exit(1);
});
