import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { BadInputError } from '../../../src/errors';
import { resolveEndpoint } from '../../../src/destinations/s3-client';

describe('S3 client settings', () => {
  it('takes an explicit endpoint first', () => {
    const env = { AWS_ENDPOINT_URL_S3: 'http://s3.example', AWS_ENDPOINT_URL: 'http://all.example' };
    expect(resolveEndpoint({ endpoint: 'https://r2.example.com/' }, env)).to.equal('https://r2.example.com');
  });

  it('takes AWS_ENDPOINT_URL_S3 before AWS_ENDPOINT_URL', () => {
    const env = { AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:9000', AWS_ENDPOINT_URL: 'http://all.example' };
    expect(resolveEndpoint({}, env)).to.equal('http://127.0.0.1:9000');
  });

  it('takes AWS_ENDPOINT_URL alone', () => {
    expect(resolveEndpoint({}, { AWS_ENDPOINT_URL: 'http://all.example' })).to.equal('http://all.example');
  });

  it('leaves AWS itself when nothing names an endpoint', () => {
    expect(resolveEndpoint({}, {})).to.equal(undefined);
  });

  for (const [endpoint, reason] of [
    ['not a url', /is not a URL/],
    ['ftp://s3.example', /http or https/],
    ['https://key:secret@s3.example', /leave credentials out/],
    ['https://s3.example/?x=1', /query and fragment/],
  ] as const) {
    it(`refuses the endpoint ${endpoint} in one line`, () => {
      expect(() => resolveEndpoint({ endpoint }, {}))
        .to.throw(BadInputError, reason)
        .with.property('message')
        .that.does.not.include('\n');
    });
  }

  it('does not print the password of an endpoint it refuses', () => {
    expect(() => resolveEndpoint({}, { AWS_ENDPOINT_URL_S3: 'ftp://key:hunter2@s3.example' }))
      .to.throw(BadInputError)
      .with.property('message')
      .that.does.not.include('hunter2');
  });

  it('loads the AWS SDK only when a client is made, not with the destination modules', () => {
    const script = [
      "require('./src/destinations/s3-url');",
      "require('./src/destinations/object-store');",
      "require('./src/destinations/manifest-objects');",
      "process.stdout.write(String(Object.keys(require.cache).some((path) => path.includes('@aws-sdk'))));",
    ].join('');
    const loaded = execFileSync(process.execPath, ['-r', 'ts-node/register/transpile-only', '-e', script], {
      cwd: resolve(__dirname, '../../..'),
      encoding: 'utf8',
    });
    expect(loaded).to.equal('false');
  });
});
