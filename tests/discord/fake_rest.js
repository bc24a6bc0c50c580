// A fake Discord REST API for lastgram's tests, on 127.0.0.1:<port>.
// Every request is matched to its operation in Discord's OpenAPI description
// (tests/fixtures/discord/openapi.json) and its JSON body validated against
// the operation's schema ($refs resolved by Ajv's JSON Schema 2020-12 build);
// a request Discord would refuse gets Discord's 400 "Invalid Form Body" and is
// recorded as invalid. Tests read what was sent from GET /__requests and can
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
function bodyValidator(template, method) {
  const key = method + ' ' + template;
  if (!validators.has(key)) {
    const op = spec.paths[template][method];
    const content = op && op.requestBody && op.requestBody.content;
    let v = null;
    if (content && content['application/json']) {
      const pointer = ['paths', template, method, 'requestBody', 'content', 'application/json', 'schema']
        .map((s) => encodeURIComponent(s.replace(/~/g, '~0').replace(/\//g, '~1'))).join('/');
      v = ajv.getSchema('openapi.json#/' + pointer);
    }
    validators.set(key, v);
  }
  return validators.get(key);
}

/// Checks one request; returns {template, errors} (errors empty when valid).
function check(method, urlPath, body) {
  const route = routes.find((r) => r.regex.test(urlPath));
  if (!route) return { template: null, errors: ['no such path in the OpenAPI description'] };
  const m = method.toLowerCase();
  if (!spec.paths[route.template][m]) return { template: route.template, errors: ['method not allowed'] };
  const validate = bodyValidator(route.template, m);
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
  let raw = '';
  req.on('data', (c) => { raw += c; });
  req.on('end', () => {
    const url = new URL(req.url, 'http://127.0.0.1');
    if (url.pathname === '/__requests') return reply(res, 200, requests);
    let body;
    try {
      body = raw ? JSON.parse(raw) : undefined;
    } catch (e) {
      return reply(res, 400, { code: 50109, message: 'The request body contains invalid JSON.' });
    }
    if (url.pathname === '/__validate/callback') {
      const r = check('POST', '/interactions/1/t/callback', body);
      return reply(res, 200, { valid: r.errors.length === 0, errors: r.errors });
    }
    // Strip the API version prefix the bot's api-url may carry.
    const apiPath = url.pathname.replace(/^\/api\/v10/, '');
    const r = check(req.method, apiPath, body);
    const auth = req.headers.authorization || '';
    const tokenRoute = /^\/(webhooks|interactions)\//.test(apiPath);
    const authorized = tokenRoute || (token && auth === 'Bot ' + token);
    requests.push({ method: req.method, path: apiPath, route: r.template, body: body === undefined ? null : body,
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
