// An independent Ed25519 signer for the signature tests: Node's built-in
// crypto makes a fresh key pair and signs `count` requests the way Discord
// does (timestamp + body). Prints one JSON object:
//   {"public_key": hex, "requests": [{"timestamp", "body", "signature"}...]}
// Usage: node sign.js [count]
'use strict';
const crypto = require('crypto');

const count = Number(process.argv[2] || 8);
const { publicKey, privateKey } = crypto.generateKeyPairSync('ed25519');
// The raw 32-byte key is the JWK's "x" (base64url).
const raw = Buffer.from(publicKey.export({ format: 'jwk' }).x, 'base64url');
const requests = [];
for (let i = 0; i < count; ++i) {
  const timestamp = String(Math.floor(Date.now() / 1000) - i);
  const body = JSON.stringify({
    type: 1 + (i % 3),
    id: crypto.randomBytes(8).readBigUInt64BE().toString(),
    token: crypto.randomBytes(24).toString('base64url'),
    note: 'ünïcödé ' + crypto.randomBytes(4 + i).toString('hex'),
  });
  const signature = crypto.sign(null, Buffer.from(timestamp + body, 'utf8'), privateKey);
  requests.push({ timestamp, body, signature: signature.toString('hex') });
}
process.stdout.write(JSON.stringify({ public_key: raw.toString('hex'), requests }) + '\n');
