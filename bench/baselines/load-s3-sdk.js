// The floor of an s3:// archive's memory: a bare Node process that only loads the AWS SDK's
// S3 client and makes one, as the plugin does before it stores anything.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const { setTimeout } = require('node:timers');
const { S3Client } = require('@aws-sdk/client-s3');
const client = new S3Client({ region: 'us-east-1', endpoint: 'http://127.0.0.1:9', forcePathStyle: true });
// Held briefly, so that the sampler sees the process at its largest.
setTimeout(() => client.destroy(), 300);
