// An independent Ed25519 signer for the signature tests (Node's built-in
// crypto), signing the way Discord does: timestamp + body.
//
//   node sign.js [count]
//     makes a fresh key pair and signs `count` made-up requests; prints
//     {"public_key": hex, "requests": [{"timestamp", "body", "signature"}...]}
//   node sign.js seed <64 hex digits>
//     reads [[timestamp, body], ...] as JSON on standard input and signs each
//     with the key of that seed; prints {"public_key": hex, "signatures": [hex...]}
'use strict';
const crypto = require('crypto');

function keyFromSeed(seedHex) {
  // PKCS#8 wrapping of a raw Ed25519 seed (RFC 8410).
  const der = Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'),
                             Buffer.from(seedHex, 'hex')]);
  return crypto.createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
}

function rawPublic(key) {
  // The raw 32-byte key is the JWK's "x" (base64url).
  const pub = crypto.createPublicKey(key);
  return Buffer.from(pub.export({ format: 'jwk' }).x, 'base64url').toString('hex');
}

function sign(privateKey, timestamp, body) {
  return crypto.sign(null, Buffer.from(timestamp + body, 'utf8'), privateKey).toString('hex');
}

if (process.argv[2] === 'seed') {
  const privateKey = keyFromSeed(process.argv[3]);
  let input = '';
  process.stdin.on('data', (chunk) => { input += chunk; });
  process.stdin.on('end', () => {
    const pairs = input.trim() ? JSON.parse(input) : [];
    const signatures = pairs.map(([timestamp, body]) => sign(privateKey, timestamp, body));
    process.stdout.write(JSON.stringify({ public_key: rawPublic(privateKey), signatures }) + '\n');
  });
} else {
  const count = Number(process.argv[2] || 8);
  const { privateKey } = crypto.generateKeyPairSync('ed25519');
  const requests = [];
  for (let i = 0; i < count; ++i) {
    const timestamp = String(Math.floor(Date.now() / 1000) - i);
    const body = JSON.stringify({
      type: 1 + (i % 3),
      id: crypto.randomBytes(8).readBigUInt64BE().toString(),
      token: crypto.randomBytes(24).toString('base64url'),
      note: 'ünïcödé ' + crypto.randomBytes(4 + i).toString('hex'),
    });
    requests.push({ timestamp, body, signature: sign(privateKey, timestamp, body) });
  }
  process.stdout.write(JSON.stringify({ public_key: rawPublic(privateKey), requests }) + '\n');
}
