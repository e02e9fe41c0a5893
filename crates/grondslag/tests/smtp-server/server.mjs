// A real SMTP server for Grondslag's e-mail tests: the `smtp-server` package on loopback,
// every message parsed by `mailparser`.
//
//   node server.mjs PORT OUTPUT_FILE
//
// PORT 0 takes a free port. Once listening, the server prints `listening PORT` on standard
// output. Each message it receives is appended to OUTPUT_FILE as one line of JSON,
// {"from", "to", "subject", "text"}, with `to` the envelope's recipients, before the server
// answers the DATA command: when the sender's SMTP transaction is done, the line is there.
import { appendFileSync } from 'node:fs';
import { SMTPServer } from 'smtp-server';
import { simpleParser } from 'mailparser';

const [port, output] = process.argv.slice(2);
if (port === undefined || !output) {
  console.error('usage: node server.mjs PORT OUTPUT_FILE');
  process.exit(2);
}

const server = new SMTPServer({
  // Plain SMTP on loopback: no TLS, no login.
  disabledCommands: ['STARTTLS', 'AUTH'],
  banner: 'Grondslag test SMTP server',
  logger: false,
  onData(stream, session, callback) {
    simpleParser(stream)
      .then((mail) => {
        const line = {
          from: mail.from ? mail.from.text : null,
          to: session.envelope.rcptTo.map((r) => r.address),
          subject: mail.subject ?? null,
          text: mail.text ?? null,
        };
        appendFileSync(output, JSON.stringify(line) + '\n');
        callback();
      })
      .catch((err) => callback(err));
  },
});

server.on('error', (err) => console.error(err));
server.listen(Number(port), '127.0.0.1', () => {
  console.log(`listening ${server.server.address().port}`);
});

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => server.close(() => process.exit(0)));
}
