// A user's recording status handler as Twilio's docs build it: express with twilio.webhook() validating
// X-Twilio-Signature. Prints its URL once listening; GET /count tells how many callbacks it accepted.
const express = require('express');
const twilio = require('twilio');

const path = '/hooks/recording';
let accepted = 0;
const app = express();
app.use(express.urlencoded({ extended: false }));
app.post(path, twilio.webhook(process.env.TWILIO_AUTH_TOKEN), (req, res) => {
  accepted += 1;
  res.type('text/plain').send(`stored ${req.body.RecordingSid}`);
});
app.get('/count', (req, res) => res.json({ accepted }));
const server = app.listen(0, '127.0.0.1', () => {
  console.log(`http://127.0.0.1:${server.address().port}${path}`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
