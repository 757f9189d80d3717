// The usual script: list with the twilio helper library, then delete each recording in turn.
const twilio = require('twilio');

async function main() {
  const [limit, before] = process.argv.slice(2);
  const client = twilio(process.env.TWILIO_ACCOUNT_SID, process.env.TWILIO_AUTH_TOKEN);
  const recordings = await client.recordings.list({
    dateCreatedBefore: new Date(before),
    limit: Number(limit),
    pageSize: 1000,
  });
  for (const recording of recordings) await client.recordings(recording.sid).remove();
  console.log(recordings.length);
}

main().catch((error) => {
  console.error(error.message);
  process.exit(1);
});
