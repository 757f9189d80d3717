import { Flags } from '@oclif/core';
import type { CommandFlags } from '../../../cli/flags';
import { RecordingsCommand } from '../../../cli/recordings-command';
import { OperationFailedError } from '../../../errors';
import { requireAuthToken } from '../../../callbacks/auth-token';
import { SEND_EVENTS, sendFailure, sendRecordingCallbacks } from '../../../callbacks/sender';
import { WebhookClient } from '../../../callbacks/webhook-request';
import { docLink } from '../../../cli/doc-links';

export default class RecordingsCallbacksSend extends RecordingsCommand {
  static override description =
    'send realistic recording status callbacks, signed with the auth token, to a URL, and report how each was answered (exit 1 unless all are 2xx)';

  static docLink = docLink('step-3-test-your-handler-without-a-call', 'docs/callbacks.md');

  static override examples = [
    '$ twilio recordings:callbacks:send http://localhost:8080/recording-status',
    '$ twilio recordings:callbacks:send https://example.com/hooks/recording --event all --method GET',
    '$ twilio recordings:callbacks:send http://localhost:8080/recording-status --event absent --param ErrorCode=16102',
    '$ twilio recordings:callbacks:send http://localhost:8080/recording-status --recording-sid REXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX',
    '$ twilio recordings:callbacks:send http://localhost:8080/recording-status --replay callbacks.jsonl -o json',
  ];

  static override args = [
    { name: 'URL', description: 'the URL of the handler to send the callbacks to', required: true },
  ];

  static override flags = {
    ...RecordingsCommand.flags,
    event: Flags.string({
      description:
        'the status to send; all sends in-progress and completed for one recording, then absent and failed for two more, on one call',
      options: [...SEND_EVENTS],
      default: 'completed',
    }),
    method: Flags.string({
      description: 'the HTTP method, as RecordingStatusCallbackMethod sets it',
      options: ['POST', 'GET'],
      default: 'POST',
    }),
    'recording-sid': Flags.string({
      description: 'describe this recording of the account, with its real metadata',
      helpValue: 'RE…',
    }),
    param: Flags.string({
      description: 'add or replace a parameter (Key=Value), or leave one out (Key alone); repeatable',
      helpValue: 'KEY=VALUE',
      multiple: true,
    }),
    replay: Flags.string({
      description:
        'resend the verified callbacks logged by "recordings:callbacks:listen --log", re-signed for URL (never the rejected ones)',
      helpValue: 'FILE',
      exclusive: ['event', 'recording-sid', 'param'],
    }),
    encrypted: Flags.boolean({
      description:
        'describe a recording encrypted with Voice Recording Encryption: completed callbacks carry EncryptionDetails (a JSON string), as Twilio sends them',
      exclusive: ['replay'],
    }),
    'include-unverified': Flags.boolean({
      description:
        'with --replay, also resend, signed, the requests "listen --no-verify" took without checking their signature',
      dependsOn: ['replay'],
    }),
    'auth-token': Flags.string({
      description:
        "the account's auth token, to sign the callbacks (default: TWILIO_AUTH_TOKEN, or the profile's when it holds the auth token)",
      helpValue: 'TOKEN',
    }),
    properties: Flags.string({
      description: 'the result properties to show as columns',
      default: 'event, status, latencyMs, recordingSid, body',
    }),
  };

  declare flags: CommandFlags<typeof RecordingsCallbacksSend.flags>;

  override async run(): Promise<void> {
    await super.run();
    const token = requireAuthToken(
      { flag: this.flags['auth-token'], profile: this.currentProfile, environment: process.env.TWILIO_AUTH_TOKEN },
      'Signing callbacks',
    );
    const client = new WebhookClient();
    const results = await sendRecordingCallbacks(
      {
        url: this.args.URL,
        event: this.flags.event,
        method: this.flags.method,
        recordingSid: this.flags['recording-sid'],
        params: this.flags.param ?? [],
        replayFile: this.flags.replay,
        includeUnverified: this.flags['include-unverified'] ?? false,
        encrypted: this.flags.encrypted ?? false,
        authToken: token.token,
      },
      { api: this.recordingsApi(), client, warn: (message) => this.logger.warn(message) },
    ).finally(() => client.close());
    const records = this.recordOutput(this.flags.properties);
    records.write(
      results.map((result) => ({ ...result, body: result.error ? `no answer: ${result.error}` : result.body })),
    );
    records.end();
    const failure = sendFailure(this.args.URL, results);
    if (failure) throw new OperationFailedError(failure);
  }
}
