// The floor of this machine and sandbox: Node's https client alone, no CLI, no checks, no disk.
// Lists the account's recordings, then fetches every one's media with `concurrency` keep-alive
// requests in flight (through HTTPS_PROXY, as the CLI reaches the sandbox), discarding the bytes.
// A 429 is tried again at once. Prints the number of recordings fetched.
const { fetchMedia, forEachAtOnce, listRecordings } = require('./bare-client');

const [concurrencyText] = process.argv.slice(2);

async function main() {
  const sids = await listRecordings((recording) => recording.sid);
  await forEachAtOnce(sids, Number(concurrencyText), (sid) => fetchMedia(sid));
  console.log(sids.length);
}

main().catch((error) => {
  console.error(error.message);
  process.exit(1);
});
