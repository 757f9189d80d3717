import type { ObservedRequest } from '../../../../src/callbacks/callback-listener';
import type { RecordingStatusEvent } from '../../../../src/callbacks/callback-event';
import { AC } from '../callback-fixtures';

function event(recordingSid: string, status: string): RecordingStatusEvent {
  return {
    accountSid: AC,
    callSid: null,
    conferenceSid: null,
    recordingSid,
    recordingUrl: null,
    status,
    duration: 5,
    channels: 1,
    source: null,
    startTime: null,
    errorCode: null,
    track: null,
    params: {},
  };
}

/** A verified callback as the listener hands it on to the inspector. */
export function observedCallback(recordingSid: string, status = 'completed'): ObservedRequest {
  return {
    time: new Date('2026-01-14T09:30:00.000Z'),
    method: 'POST',
    target: '/recording-status',
    status: 204,
    verdict: 'accepted',
    event: event(recordingSid, status),
    warnings: [],
    url: 'http://127.0.0.1:3000/recording-status',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: `RecordingSid=${recordingSid}`,
    params: [['RecordingSid', recordingSid]],
  };
}
