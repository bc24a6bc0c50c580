// A fake Discord REST API for lastgram's tests, on 127.0.0.1:<port>.
// Every request is matched to its operation in Discord's OpenAPI description
// (tests/fixtures/discord/openapi.json) and its JSON body validated against
// the operation's schema ($refs resolved by Ajv's JSON Schema 2020-12 build);
// a request Discord would refuse gets Discord's 400 "Invalid Form Body" and is
// recorded as invalid. A multipart/form-data request (an upload) is parsed
// strictly: its payload_json is validated against the operation's multipart
// schema, and its files[n] parts must match the attachments listed and be
// JPEGs (recorded with their size and SHA-256). Tests read what was sent from GET /__requests and can
// validate an interaction callback body they received over HTTP with
// POST /__validate/callback.
//
// Usage: node fake_rest.js <port> [bot token]   (prints "listening <port>")
'use strict';
const http = require('http');
const fs = require('fs');
const path = require('path');
const Ajv2020 = require('ajv/dist/2020');

const port = Number(process.argv[2] || 0);
const token = process.argv[3] || '';
const spec = JSON.parse(fs.readFileSync(
  path.join(__dirname, '..', 'fixtures', 'discord', 'openapi.json'), 'utf8'));

const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
ajv.addSchema(spec, 'openapi.json');

// Path templates as regular expressions, most literal segments first so that
// ".../messages/@original" wins over ".../messages/{message_id}".
const routes = Object.keys(spec.paths).map((template) => ({
  template,
  literal: template.split('/').filter((s) => s && !s.startsWith('{')).length,
  regex: new RegExp('^' + template.replace(/[.@]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+') + '$'),
})).sort((a, b) => b.literal - a.literal);

const validators = new Map();
// The validator of an operation's body in `media` (application/json, or
// multipart/form-data for payload_json), null when the operation takes none.
function bodyValidator(template, method, media) {
  const key = method + ' ' + template + ' ' + media;
  if (!validators.has(key)) {
    const op = spec.paths[template][method];
    const content = op && op.requestBody && op.requestBody.content;
    let v = null;
    if (content && content[media]) {
      const pointer = ['paths', template, method, 'requestBody', 'content', media, 'schema']
        .map((s) => encodeURIComponent(s.replace(/~/g, '~0').replace(/\//g, '~1'))).join('/');
      v = ajv.getSchema('openapi.json#/' + pointer);
    }
    validators.set(key, v);
  }
  return validators.get(key);
}

/// Checks one request; returns {template, errors} (errors empty when valid).
/// `media` is the body's type: a multipart body's payload_json is checked
/// against the operation's multipart/form-data schema, which an operation
/// that takes no upload does not have.
function check(method, urlPath, body, media = 'application/json') {
  const route = routes.find((r) => r.regex.test(urlPath));
  if (!route) return { template: null, errors: ['no such path in the OpenAPI description'] };
  const m = method.toLowerCase();
  if (!spec.paths[route.template][m]) return { template: route.template, errors: ['method not allowed'] };
  const validate = bodyValidator(route.template, m, media);
  if (media !== 'application/json' && !validate) {
    return { template: route.template, errors: [`the operation does not take ${media}`] };
  }
  if (body === undefined) {
    return { template: route.template, errors: validate && spec.paths[route.template][m].requestBody.required ? ['body required'] : [] };
  }
  if (!validate) return { template: route.template, errors: [] };
  const ok = validate(body);
  return {
    template: route.template,
    errors: ok ? [] : validate.errors.map((e) => `${e.instancePath || '/'} ${e.message}`),
  };
}

/// Parses a multipart/form-data body (a Buffer) strictly: the boundary from
/// `contentType`, CRLF line ends, a Content-Disposition with a name on every
/// part, the closing delimiter last. Returns {parts} or {error}.
function parseMultipart(contentType, raw) {
  const m = /^multipart\/form-data;\s*boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType || '');
  if (!m) return { error: 'multipart without a boundary' };
  const boundary = m[1] || m[2];
  const first = Buffer.from('--' + boundary + '\r\n');
  const delimiter = Buffer.from('\r\n--' + boundary);
  if (!raw.subarray(0, first.length).equals(first)) return { error: 'the body does not start with the boundary' };
  const parts = [];
  let pos = first.length;
  for (;;) {
    const headEnd = raw.indexOf('\r\n\r\n', pos);
    const next = raw.indexOf(delimiter, pos);
    if (headEnd < 0 || next < 0 || headEnd + 4 > next) return { error: 'a part is not closed by the boundary' };
    const part = { name: null, filename: null, contentType: null };
    for (const line of raw.subarray(pos, headEnd).toString('utf8').split('\r\n')) {
      const colon = line.indexOf(':');
      if (colon < 0) return { error: 'a part header without a colon' };
      const key = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      if (key === 'content-disposition') {
        if (!/^form-data\s*;/i.test(value)) return { error: 'Content-Disposition is not form-data' };
        const name = /;\s*name="([^"]*)"/i.exec(value);
        const file = /;\s*filename="([^"]*)"/i.exec(value);
        part.name = name ? name[1] : null;
        part.filename = file ? file[1] : null;
      } else if (key === 'content-type') {
        part.contentType = value;
      }
    }
    if (!part.name) return { error: 'a part without a Content-Disposition name' };
    part.data = raw.subarray(headEnd + 4, next);
    parts.push(part);
    pos = next + delimiter.length;
    const rest = raw.subarray(pos).toString('latin1');
    if (rest.startsWith('\r\n')) { pos += 2; continue; }
    if (rest === '--' || rest === '--\r\n') return { parts };
    return { error: 'the boundary is not followed by CRLF or --' };
  }
}

/// Reads a multipart request Discord-style: payload_json is the JSON body,
/// files[n] are the uploads. Every attachment the payload lists must have its
/// files[id] part, and every file must be a JPEG (FF D8 FF) with a file name.
/// Returns {body, files, errors}.
function readUpload(contentType, raw) {
  const parsed = parseMultipart(contentType, raw);
  if (parsed.error) return { errors: ['malformed multipart: ' + parsed.error] };
  const errors = [];
  const files = [];
  let body;
  for (const p of parsed.parts) {
    if (p.name === 'payload_json') {
      try { body = JSON.parse(p.data.toString('utf8')); } catch (e) { errors.push('payload_json is not JSON'); }
    } else if (/^files\[\d+\]$/.test(p.name)) {
      const jpeg = p.data.length >= 3 && p.data[0] === 0xff && p.data[1] === 0xd8 && p.data[2] === 0xff;
      if (!p.filename) errors.push(`${p.name} has no filename`);
      if (!jpeg) errors.push(`${p.name} is not a JPEG`);
      files.push({ name: p.name, filename: p.filename, content_type: p.contentType, size: p.data.length,
        jpeg, sha: require('crypto').createHash('sha256').update(p.data).digest('hex') });
    } else {
      errors.push(`unexpected part ${p.name}`);
    }
  }
  if (body === undefined) errors.push('no payload_json part');
  const listed = body && ((body.data && body.data.attachments) || body.attachments) || [];
  for (const a of listed) {
    if (!files.some((f) => f.name === `files[${a.id}]`)) errors.push(`attachment ${a.id} has no files[${a.id}] part`);
  }
  for (const f of files) {
    if (!listed.some((a) => f.name === `files[${a.id}]`)) errors.push(`${f.name} is not listed in attachments`);
  }
  return { body, files, errors };
}

const requests = [];
let nextId = 100000;

function reply(res, status, obj) {
  const text = obj === undefined ? '' : JSON.stringify(obj);
  res.writeHead(status, Object.assign({ 'Content-Type': 'application/json' },
    status < 300 ? { 'X-RateLimit-Bucket': 'b1', 'X-RateLimit-Remaining': '4', 'X-RateLimit-Reset-After': '1' } : {}));
  res.end(text);
}

function message(body) {
  return Object.assign({ id: String(nextId++), channel_id: '555', type: 0, content: '', embeds: [],
    components: [], attachments: [], mentions: [], timestamp: new Date().toISOString() }, body || {});
}

function answer(req, res, urlPath, body) {
  if (urlPath === '/applications/@me' && req.method === 'GET') return reply(res, 200, { id: '1234', name: 'lastgram-test' });
  if (urlPath === '/gateway/bot') return reply(res, 200, { url: 'ws://127.0.0.1', shards: 1,
    session_start_limit: { total: 1000, remaining: 1000, reset_after: 0, max_concurrency: 1 } });
  if (/\/commands$/.test(urlPath) && req.method === 'PUT')
    return reply(res, 200, (body || []).map((c) => Object.assign({ id: String(nextId++), application_id: '1234', version: '1' }, c)));
  if (/\/callback$/.test(urlPath)) return reply(res, 204);
  if (/^\/webhooks\//.test(urlPath)) return reply(res, 200, message(body));
  return reply(res, 200, {});
}

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => { chunks.push(c); });
  req.on('end', () => {
    const rawBuffer = Buffer.concat(chunks);
    const raw = rawBuffer.toString('utf8');
    const url = new URL(req.url, 'http://127.0.0.1');
    if (url.pathname === '/__requests') return reply(res, 200, requests);
    const multipart = /^multipart\//i.test(req.headers['content-type'] || '');
    let body;
    let upload = null;
    if (multipart) {
      upload = readUpload(req.headers['content-type'], rawBuffer);
      body = upload.body;
    } else {
      try {
        body = raw ? JSON.parse(raw) : undefined;
      } catch (e) {
        return reply(res, 400, { code: 50109, message: 'The request body contains invalid JSON.' });
      }
    }
    if (url.pathname === '/__validate/callback') {
      const r = check('POST', '/interactions/1/t/callback', body);
      return reply(res, 200, { valid: r.errors.length === 0, errors: r.errors });
    }
    // Strip the API version prefix the bot's api-url may carry.
    const apiPath = url.pathname.replace(/^\/api\/v10/, '');
    const r = check(req.method, apiPath, body, multipart ? 'multipart/form-data' : 'application/json');
    if (upload) r.errors = upload.errors.concat(r.errors);
    const auth = req.headers.authorization || '';
    const tokenRoute = /^\/(webhooks|interactions)\//.test(apiPath);
    const authorized = tokenRoute || (token && auth === 'Bot ' + token);
    requests.push({ method: req.method, path: apiPath, route: r.template, body: body === undefined ? null : body,
      multipart, files: upload ? upload.files : [],
      valid: r.errors.length === 0, errors: r.errors, authorized: Boolean(authorized) });
    if (!authorized) return reply(res, 401, { code: 0, message: '401: Unauthorized' });
    if (r.errors.length) {
      process.stderr.write(`refused ${req.method} ${apiPath}: ${r.errors.join('; ')}\n`);
      return reply(res, 400, { code: 50035, message: 'Invalid Form Body', errors: { _errors: r.errors.map((m) => ({ code: 'INVALID', message: m })) } });
    }
    return answer(req, res, apiPath, body);
  });
});

server.listen(port, '127.0.0.1', () => {
  process.stdout.write(`listening ${server.address().port}\n`);
});
