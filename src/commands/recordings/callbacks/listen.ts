import { Flags } from '@oclif/core';
import {
  type CommandFlags,
  decryptionFlags,
  decryptionInputFrom,
  holdsFlag,
  mediaFlags,
  mediaFormatFrom,
  pathFrom,
  s3Flags,
  s3SettingsFrom,
} from '../../../cli/flags';
import { keyRingFrom } from '../../../cli/key-passphrase';
import { BadInputError } from '../../../errors';
import { holdsLocation } from '../../../holds/holds-file';
import { DEFAULT_LAYOUT, LAYOUT_FIELDS } from '../../../media/layout';
import { RecordingsCommand } from '../../../cli/recordings-command';
import { Interruption, whenAborted } from '../../../tasks/interruption';
import { findAuthToken } from '../../../callbacks/auth-token';
import {
  catchUpSettingsFrom,
  DEFAULT_CALLBACK_PATH,
  listenForCallbacks,
  type ListenOptions,
} from '../../../callbacks/listen-session';
import { docLink } from '../../../cli/doc-links';

export default class RecordingsCallbacksListen extends RecordingsCommand {
  static override description =
    'receive recording status callbacks: verify their signatures, show each event, and optionally forward them to your handler, download completed recordings and log every request';

  static docLink = docLink('step-1-start-a-listener', 'docs/callbacks.md');

  static override examples = [
    '$ twilio recordings:callbacks:listen --tunnel ngrok',
    '$ twilio recordings:callbacks:listen --public-url https://hooks.example.com --forward-to http://localhost:8080/recording-status',
    '$ twilio recordings:callbacks:listen --tunnel ngrok --download-dir ./recordings --delete-after-download',
    '$ twilio recordings:callbacks:listen --port 0 --log callbacks.jsonl -o json',
    '$ twilio recordings:callbacks:listen --tunnel ngrok --download-dir ./recordings --decrypt-key private.pem',
    '$ twilio recordings:callbacks:listen --forward-to http://localhost:8080/recording-status --inspect',
    '$ twilio recordings:callbacks:listen --tunnel ngrok --download-dir s3://my-recordings/archive --delete-after-download',
    '$ twilio recordings:callbacks:listen --public-url https://hooks.example.com --download-dir ./archive --delete-after-download --catch-up 10m',
  ];

  static override flags = {
    ...RecordingsCommand.flags,
    host: Flags.string({ description: 'the address to listen on; only this machine by default', default: '127.0.0.1' }),
    port: Flags.integer({
      description: 'the port to listen on, 0 for any free port',
      helpValue: 'PORT',
      min: 0,
      max: 65_535,
      default: 3000,
    }),
    path: Flags.string({ description: 'the path callbacks arrive at', default: DEFAULT_CALLBACK_PATH }),
    tunnel: Flags.string({
      description: 'open a public URL with this tunnel (needs the optional package @ngrok/ngrok and NGROK_AUTHTOKEN)',
      options: ['ngrok'],
      exclusive: ['public-url'],
    }),
    'public-url': Flags.string({
      description: 'the public https URL of a tunnel or reverse proxy you run that forwards to this listener',
      helpValue: 'URL',
      exclusive: ['tunnel'],
    }),
    'auth-token': Flags.string({
      description:
        "the account's auth token, to verify signatures (default: TWILIO_AUTH_TOKEN, or the profile's when it holds the auth token)",
      helpValue: 'TOKEN',
    }),
    verify: Flags.boolean({
      description:
        'verify X-Twilio-Signature and answer 403 to requests that fail; --no-verify accepts every request, and forwards it unsigned',
      default: true,
      allowNo: true,
    }),
    'forward-to': Flags.string({
      description:
        "relay each callback to your own handler, re-signed for this URL once verified (unsigned with --no-verify), and answer with the handler's answer",
      helpValue: 'URL',
    }),
    'download-dir': Flags.string({
      description:
        'download each completed recording into this folder, or to s3://BUCKET/PREFIX in an S3 or S3-compatible bucket, as its callback arrives',
      helpValue: 'DIR',
    }),
    'delete-after-download': Flags.boolean({
      description:
        'delete each downloaded recording from Twilio once its file (or object) is verified (needs --download-dir)',
      // No default: oclif would take a default false as given and ask for --download-dir every time.
      dependsOn: ['download-dir'],
    }),
    ...decryptionFlags,
    ...s3Flags,
    ...holdsFlag,
    format: mediaFlags.format,
    // Subaccounts' recordings go to the same folder, callbacks and catch-up alike: nothing puts {accountSid}/ in front.
    layout: Flags.string({
      helpValue: 'TEMPLATE',
      default: DEFAULT_LAYOUT,
      description: `where each file goes inside the folder, from the fields ${LAYOUT_FIELDS.map((field) => `{${field}}`).join(', ')}; must contain {sid}; add {accountSid}/ to keep subaccounts' recordings apart`,
    }),
    'catch-up': Flags.string({
      description:
        'at start and then every INTERVAL, also save (and with --delete-after-download delete) the completed recordings whose callbacks never arrived: those created since the last scan that the download folder lacks; SIGHUP scans at once',
      helpValue: 'INTERVAL',
      dependsOn: ['download-dir'],
    }),
    settle: Flags.string({
      description:
        'with --catch-up, take a recording only this long after it completed, so that its callback comes first (default: 2m)',
      helpValue: 'DURATION',
      dependsOn: ['catch-up'],
    }),
    'catch-up-since': Flags.string({
      description:
        "with --catch-up, where the first scan starts when the folder's manifest lists no recording (otherwise at the newest one it lists): a duration back from now or a date (default: 24h)",
      helpValue: 'DURATION|DATE',
      dependsOn: ['catch-up'],
    }),
    subaccounts: Flags.boolean({
      description:
        "with --catch-up, scan the subaccounts' recordings too; they are saved under --layout as their callbacks would be",
      // No default: oclif would take it as given and ask for --catch-up every time.
      dependsOn: ['catch-up'],
    }),
    log: Flags.string({
      description: 'append every request received to this file as a JSON line (for --replay)',
      helpValue: 'FILE',
    }),
    inspect: Flags.boolean({
      description:
        'serve a page on this machine that shows each request live, explains rejections, replays callbacks and sends test events; its URL, with its access token, is printed',
    }),
    'inspect-port': Flags.integer({
      description: 'the port of the --inspect page on 127.0.0.1 (default: any free port)',
      helpValue: 'PORT',
      min: 0,
      max: 65_535,
      // No default: oclif would take it as given and ask for --inspect every time.
      dependsOn: ['inspect'],
    }),
  };

  declare flags: CommandFlags<typeof RecordingsCallbacksListen.flags>;

  override async run(): Promise<void> {
    await super.run();
    const flags = this.flags;
    const format = flags['cli-output-format'];
    const downloadDir = pathFrom(flags, 'download-dir', './recordings');
    const logFile = pathFrom(flags, 'log', 'callbacks.jsonl');
    const s3 = s3SettingsFrom(flags, downloadDir, 'download-dir');
    const decryption = decryptionInputFrom(flags);
    if (decryption && !downloadDir) {
      throw new BadInputError('--decrypt-key decrypts what listen downloads: add --download-dir DIR.');
    }
    const keys = await keyRingFrom(decryption, this.passphrasePrompt());
    const options: ListenOptions = {
      host: flags.host,
      port: flags.port,
      path: flags.path,
      tunnel: flags.tunnel === 'ngrok' ? 'ngrok' : undefined,
      publicUrl: flags['public-url'],
      ngrokAuthToken: process.env.NGROK_AUTHTOKEN,
      authToken: findAuthToken({
        flag: flags['auth-token'],
        profile: this.currentProfile,
        environment: process.env.TWILIO_AUTH_TOKEN,
      }),
      verify: flags.verify,
      forwardTo: flags['forward-to'],
      download: downloadDir
        ? { dir: downloadDir, format: mediaFormatFrom(flags), layout: flags.layout, keys, s3 }
        : undefined,
      deleteAfterDownload: flags['delete-after-download'],
      holds: holdsLocation(pathFrom(flags, 'holds', 'holds.json'), process.env, this.pluginDataDir),
      logFile,
      output: flags.silent || format === 'none' ? 'none' : format === 'json' ? 'json' : 'text',
      inspect: flags.inspect ? { port: flags['inspect-port'] ?? 0 } : undefined,
      catchUp:
        flags['catch-up'] === undefined
          ? undefined
          : catchUpSettingsFrom(
              {
                interval: flags['catch-up'],
                settle: flags.settle ?? '2m',
                since: flags['catch-up-since'] ?? '24h',
                subaccounts: flags.subaccounts ?? false,
              },
              new Date(),
            ),
    };
    await listenForCallbacks(options, {
      api: this.recordingsApi(),
      writeLine: (line) => process.stdout.write(`${line}\n`),
      info: (message) => this.logger.info(message),
      warn: (message) => this.logger.warn(message),
      stopRequested: stopRequested(),
      onCatchUpRequested: (run) => process.on('SIGHUP', run),
    });
  }
}

/**
 * Resolves on the first Ctrl-C (SIGINT) or SIGTERM, quietly: the listener says itself what it
 * finishes. A second one exits at once. Not disposed, so that a second signal while the listener
 * shuts down still leaves at once.
 */
function stopRequested(): Promise<void> {
  const interruption = new Interruption({ onStop: () => undefined, onAbort: () => undefined });
  return whenAborted(interruption.signal);
}
