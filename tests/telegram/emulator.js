'use strict';

// Runs the Telegram Bot API emulator `telegram-test-api` (pinned in
// package.json) on 127.0.0.1:<port> for lastgram's tests:
//
//   node emulator.js <port>
//
// prints "ready <port>" once it listens, and exits on SIGTERM, SIGINT or the
// end of standard input (so it dies with the test process that started it).
//
// On top of the package (whose behaviour tests/support/telegram_emulator.hpp
// documents) this script adds what lastgram's tests need and the package
// lacks, without changing how the package answers anything else:
// - getUpdates honours `timeout` (long polling) instead of answering at once;
// - sendPhoto is stored as a bot message like sendMessage; an uploaded photo
//   (multipart/form-data, parsed strictly) must be a JPEG and is stored as
//   "upload:<width>x<height>:<bytes>:<sha256 prefix>";
// - editMessageMedia replaces a bot message's photo (an attach:// upload),
//   caption and keyboard;
// - answerCallbackQuery (checked against the ids handed out), answerInlineQuery
//   and setMyCommands answer `true` and are recorded;
// - webhook POSTs carry X-Telegram-Bot-Api-Secret-Token when setWebhook had a
//   secret_token, have a 10 s deadline and bypass any HTTP proxy;
// - updates never leak the package's internal `botToken` field, and callback
//   queries get a chat_instance;
// - client routes under /lastgram/ send a message, a button press or an inline
//   query and answer the ids the bot will see, and report what was recorded;
// - getChatMember answers a ChatMember object shaped like Telegram's (owner,
//   administrator or member) with the status a test set through
//   /lastgram/setChatMember ("member" otherwise), and counts the calls.

const crypto = require('crypto');
const path = require('path');
const TelegramServer = require('telegram-test-api');

// The axios instance the package posts webhooks with (resolved from the
// package's own folder, so it is the same module object).
const axios = require(require.resolve('axios', {
  paths: [path.dirname(require.resolve('telegram-test-api'))],
}));

const port = Number(process.argv[2]);
if (!Number.isInteger(port) || port <= 0 || port > 65535) {
  process.stderr.write('usage: node emulator.js <port>\n');
  process.exit(2);
}

// Stored messages outlive any test (the package drops them after storeTimeout).
const server = new TelegramServer({ port, host: '127.0.0.1', storeTimeout: 24 * 3600 });

// -- updates as Telegram shapes them --------------------------------------------

const formatUpdate = TelegramServer.formatUpdate;
const withoutToken = (message) => {
  if (!message || typeof message !== 'object') return message;
  const copy = { ...message };
  delete copy.botToken;
  return copy;
};
TelegramServer.formatUpdate = (update) => {
  if (update.inlineQuery) return { update_id: update.updateId, inline_query: update.inlineQuery };
  const out = formatUpdate(update);
  if (out.message) out.message = withoutToken(out.message);
  const query = out.callback_query;
  if (query && query.message) {
    query.message = withoutToken(query.message);
    if (query.message.chat) query.chat_instance = String(query.message.chat.id);
  }
  return out;
};

// -- webhooks ---------------------------------------------------------------------

axios.interceptors.request.use((config) => {
  Object.values(server.webhooks).forEach((hook) => {
    if (hook.url === config.url && hook.secret_token) {
      config.headers = { ...config.headers, 'X-Telegram-Bot-Api-Secret-Token': String(hook.secret_token) };
    }
  });
  config.proxy = false;
  config.timeout = config.timeout || 10000;
  return config;
});

// The package's own client routes start a webhook delivery without awaiting
// it: a refused delivery must not take the whole emulator down.
process.on('unhandledRejection', (error) => {
  process.stderr.write(`emulator: ${error && error.message ? error.message : error}\n`);
});

// -- helpers ----------------------------------------------------------------------

function reply(res, status, body) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}
const ok = (res, result) => reply(res, 200, { ok: true, result });
const badRequest = (res, what) => reply(res, 400, { ok: false, error_code: 400, description: `Bad Request: ${what}` });

// The width and height of a baseline or progressive JPEG (its SOFn marker),
// or null when `buf` is not a JPEG.
function jpegSize(buf) {
  if (buf.length < 4 || buf[0] !== 0xff || buf[1] !== 0xd8 || buf[2] !== 0xff) return null;
  let i = 2;
  while (i + 9 < buf.length) {
    if (buf[i] !== 0xff) return null;
    const marker = buf[i + 1];
    const length = buf.readUInt16BE(i + 2);
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      return { height: buf.readUInt16BE(i + 5), width: buf.readUInt16BE(i + 7) };
    }
    i += 2 + length;
  }
  return null;
}

// A multipart/form-data body, strictly: every part has a Content-Disposition
// with a name, lines end in CRLF, and the closing delimiter is there. Fields
// become strings; files become { filename, contentType, data }.
function parseMultipart(body, contentType) {
  const m = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType);
  if (!m) throw new Error('multipart without a boundary');
  const delimiter = Buffer.from(`--${m[1] || m[2]}`);
  const out = {};
  let pos = body.indexOf(delimiter);
  if (pos !== 0) throw new Error('multipart body does not start with its boundary');
  for (;;) {
    pos += delimiter.length;
    if (body.slice(pos, pos + 2).toString() === '--') return out;
    if (body.slice(pos, pos + 2).toString() !== '\r\n') throw new Error('boundary line not ended by CRLF');
    pos += 2;
    const headerEnd = body.indexOf('\r\n\r\n', pos);
    if (headerEnd < 0) throw new Error('part headers not ended');
    const headers = body.slice(pos, headerEnd).toString('utf8').split('\r\n');
    const next = body.indexOf(Buffer.concat([Buffer.from('\r\n'), delimiter]), headerEnd + 4);
    if (next < 0) throw new Error('no closing delimiter');
    const data = body.slice(headerEnd + 4, next);
    const disposition = headers.find((h) => /^content-disposition:/i.test(h)) || '';
    const name = /; name="([^"]*)"/.exec(disposition);
    if (!/form-data/i.test(disposition) || !name) throw new Error('part without a form-data name');
    const filename = /; filename="([^"]*)"/.exec(disposition);
    if (filename) {
      const type = headers.find((h) => /^content-type:/i.test(h)) || '';
      out[name[1]] = { filename: filename[1], contentType: type.replace(/^content-type:\s*/i, ''), data };
    } else {
      out[name[1]] = data.toString('utf8');
    }
    pos = next + 2;
  }
}

// What a bot message records for an uploaded photo; throws unless it is a JPEG.
function uploadedPhoto(file) {
  if (!file || !Buffer.isBuffer(file.data)) throw new Error('no uploaded file');
  const size = jpegSize(file.data);
  if (!size) throw new Error('the uploaded photo is not a JPEG');
  if (file.data.length > 10 * 1024 * 1024) throw new Error('photo over 10 MB');
  const sha = crypto.createHash('sha256').update(file.data).digest('hex').slice(0, 16);
  return `upload:${size.width}x${size.height}:${file.data.length}:${sha}`;
}

// Query parameters overlaid with a JSON, form or multipart body; JSON-valued
// form fields (reply_markup, commands, results, media, ...) are decoded.
function readParams(req, url) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on('data', (chunk) => {
      size += chunk.length;
      if (size > (12 << 20)) reject(new Error('body too large'));
      else chunks.push(chunk);
    });
    req.on('error', reject);
    req.on('end', () => {
      const params = Object.fromEntries(url.searchParams);
      const raw = Buffer.concat(chunks);
      const text = raw.toString('utf8');
      const type = req.headers['content-type'] || '';
      try {
        if (/json/.test(type) && text.length > 0) {
          Object.assign(params, JSON.parse(text));
        } else {
          if (/^multipart\/form-data/i.test(type)) Object.assign(params, parseMultipart(raw, type));
          else Object.assign(params, Object.fromEntries(new URLSearchParams(text)));
          ['reply_markup', 'commands', 'results', 'scope', 'media', 'reply_parameters'].forEach((key) => {
            if (typeof params[key] === 'string') params[key] = JSON.parse(params[key]);
          });
        }
      } catch (error) {
        reject(new Error(`can't parse request body: ${error.message}`));
        return;
      }
      resolve(params);
    });
  });
}

const recorded = new Map();
function record(token) {
  if (!recorded.has(token)) {
    recorded.set(token, { commands: [], callback_answers: [], inline_answers: [], chat_member_calls: 0 });
  }
  return recorded.get(token);
}

// -- bot methods ------------------------------------------------------------------

const userEvents = ['AddedUserMessage', 'AddedUserCommand', 'AddedUserCallbackQuery', 'AddedUserInlineQuery'];
const pollers = new Set();
const hasUnread = (token) => server.storage.userMessages.some((u) => u.botToken === token && !u.isRead);

/** `${chat_id}:${user_id}` -> the status getChatMember answers. */
const memberStatuses = new Map();

// A ChatMember object as the Bot API shapes it for `status`.
function chatMember(userId, status) {
  const user = { id: Number(userId), is_bot: false, first_name: `User ${userId}` };
  if (status === 'creator') return { status, user, is_anonymous: false };
  if (status === 'administrator') {
    return {
      status, user, can_be_edited: false, is_anonymous: false, can_manage_chat: true,
      can_delete_messages: true, can_manage_video_chats: true, can_restrict_members: true,
      can_promote_members: false, can_change_info: true, can_invite_users: true,
      can_post_stories: false, can_edit_stories: false, can_delete_stories: false,
      can_pin_messages: true,
    };
  }
  return { status, user };
}

const botMethods = {
  getchatmember(token, params, res) {
    if (params.chat_id === undefined || params.user_id === undefined) {
      badRequest(res, 'chat_id and user_id are required');
      return;
    }
    record(token).chat_member_calls += 1;
    const status = memberStatuses.get(`${params.chat_id}:${params.user_id}`) || 'member';
    ok(res, chatMember(params.user_id, status));
  },

  getupdates(token, params, res) {
    const timeoutS = Math.min(Math.max(Number(params.timeout) || 0, 0), 50);
    const deliver = () => ok(res, server.getUpdates(token));
    if (timeoutS === 0 || hasUnread(token)) {
      deliver();
      return;
    }
    let finished = false;
    const poller = {};
    const onUpdate = () => { if (hasUnread(token)) poller.finish(true); };
    const timer = setTimeout(() => poller.finish(true), timeoutS * 1000);
    poller.finish = (send) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      userEvents.forEach((event) => server.off(event, onUpdate));
      pollers.delete(poller);
      if (send) deliver();
    };
    userEvents.forEach((event) => server.on(event, onUpdate));
    // A poller that went away must not consume (and lose) the next updates.
    res.on('close', () => poller.finish(false));
    pollers.add(poller);
  },

  sendphoto(token, params, res) {
    if (params.chat_id === undefined || !params.photo) {
      badRequest(res, 'chat_id and photo are required');
      return;
    }
    if (typeof params.photo === 'object') {
      try {
        params.photo = uploadedPhoto(params.photo);
      } catch (error) {
        badRequest(res, error.message);
        return;
      }
    }
    if (params.reply_parameters && params.reply_parameters.message_id !== undefined) {
      params.reply_to_message_id = params.reply_parameters.message_id;
    }
    ok(res, server.addBotMessage(params, token));
  },

  editmessagemedia(token, params, res) {
    const media = params.media;
    if (params.chat_id === undefined || params.message_id === undefined || !media
        || media.type !== 'photo' || typeof media.media !== 'string') {
      badRequest(res, 'chat_id, message_id and a photo media are required');
      return;
    }
    const attached = /^attach:\/\/(.+)$/.exec(media.media);
    let photo = media.media;
    try {
      if (attached) photo = uploadedPhoto(params[attached[1]]);
    } catch (error) {
      badRequest(res, error.message);
      return;
    }
    const stored = server.storage.botMessages.find((u) => String(u.messageId) === String(params.message_id)
      && String(u.message.chat_id) === String(params.chat_id));
    if (!stored) {
      badRequest(res, 'message to edit not found');
      return;
    }
    const edited = { ...stored.message, photo, caption: media.caption || '' };
    if (media.parse_mode) edited.parse_mode = media.parse_mode;
    if (params.reply_markup) edited.reply_markup = params.reply_markup;
    else delete edited.reply_markup;
    stored.message = edited;
    server.emit('EditedMessageText');
    ok(res, { message_id: stored.messageId, chat: { id: Number(params.chat_id) } });
  },

  answercallbackquery(token, params, res) {
    const id = Number(params.callback_query_id);
    // Ids are known from the moment they are handed out: in webhook mode the
    // package counts a callback only after the bot answered the POST, and a
    // fast bot answers the query before that.
    if (!Number.isInteger(id) || !handedOutCallbacks.has(id)) {
      badRequest(res, 'query is too old and response timeout expired or query ID is invalid');
      return;
    }
    record(token).callback_answers.push({
      callback_query_id: String(params.callback_query_id),
      text: params.text || '',
      show_alert: params.show_alert === true || params.show_alert === 'true',
      url: params.url || '',
    });
    ok(res, true);
  },

  answerinlinequery(token, params, res) {
    if (!params.inline_query_id || !Array.isArray(params.results)) {
      badRequest(res, 'inline_query_id and a results array are required');
      return;
    }
    record(token).inline_answers.push({
      inline_query_id: String(params.inline_query_id),
      results: params.results,
      cache_time: params.cache_time === undefined ? 300 : Number(params.cache_time),
      is_personal: params.is_personal === true || params.is_personal === 'true',
      next_offset: params.next_offset || '',
    });
    ok(res, true);
  },

  setmycommands(token, params, res) {
    if (!Array.isArray(params.commands)) {
      badRequest(res, 'commands must be an array');
      return;
    }
    const entry = {
      commands: params.commands,
      scope: params.scope || { type: 'default' },
      language_code: params.language_code || '',
    };
    const all = record(token).commands;
    const same = all.findIndex((c) => c.language_code === entry.language_code
      && JSON.stringify(c.scope) === JSON.stringify(entry.scope));
    if (same >= 0) all[same] = entry;
    else all.push(entry);
    ok(res, true);
  },
};

// -- client routes (the simulated user) -------------------------------------------

let nextInlineQueryId = 1;

// Runs `add` (which stores the update or delivers it to the webhook) and
// answers `ids`, or the webhook's refusal.
async function addAndAnswer(res, ids, add) {
  try {
    await add();
    ok(res, ids);
  } catch (error) {
    reply(res, 502, { ok: false, error_code: 502, description: `webhook delivery failed: ${error.message}` });
  }
}

/** Callback query ids given to simulated presses. */
const handedOutCallbacks = new Set();

const clientRoutes = {
  '/lastgram/sendMessage': (params, res) => {
    if (!params.botToken || !params.chat || !params.from) {
      badRequest(res, 'botToken, chat and from are required');
      return;
    }
    const ids = { message_id: server.messageId, update_id: server.updateId };
    addAndAnswer(res, ids, () => server.addUserMessage(params));
  },

  '/lastgram/sendCallback': (params, res) => {
    if (!params.botToken || !params.from || !params.message) {
      badRequest(res, 'botToken, from and message are required');
      return;
    }
    const ids = { id: String(server.callbackId), update_id: server.updateId };
    handedOutCallbacks.add(server.callbackId);
    addAndAnswer(res, ids, () => server.addUserCallback(params));
  },

  '/lastgram/sendInlineQuery': (params, res) => {
    if (!params.botToken || !params.from) {
      badRequest(res, 'botToken and from are required');
      return;
    }
    const inlineQuery = {
      id: String(nextInlineQueryId++),
      from: params.from,
      query: params.query || '',
      offset: params.offset || '',
    };
    if (params.chat_type) inlineQuery.chat_type = params.chat_type;
    const ids = { id: inlineQuery.id, update_id: server.updateId };
    addAndAnswer(res, ids, async () => {
      // `message: {}` keeps the package's deleteMessage scan from tripping on it.
      await server.addUserUpdate({ ...server.getCommonFields(params.botToken), inlineQuery, message: {} });
      server.emit('AddedUserInlineQuery');
    });
  },

  '/lastgram/setChatMember': (params, res) => {
    const statuses = ['creator', 'administrator', 'member', 'restricted', 'left', 'kicked'];
    if (params.chat_id === undefined || params.user_id === undefined || !statuses.includes(params.status)) {
      badRequest(res, 'chat_id, user_id and a ChatMember status are required');
      return;
    }
    memberStatuses.set(`${params.chat_id}:${params.user_id}`, params.status);
    ok(res, true);
  },

  '/lastgram/state': (params, res) => {
    const hook = server.webhooks[params.botToken];
    ok(res, {
      ...record(params.botToken),
      webhook: hook ? { url: hook.url, secret_token: hook.secret_token || '' } : null,
    });
  },
};

// -- dispatch -----------------------------------------------------------------------

// Everything not handled here goes to the package's express app, which
// start() serves as `webServer`.
const packageApp = server.webServer;
const dispatch = (req, res) => {
  const url = new URL(req.url, 'http://127.0.0.1');
  const bot = /^\/bot([^/]+)\/([A-Za-z]+)$/.exec(url.pathname);
  let handle;
  if (bot && (req.method === 'GET' || req.method === 'POST') && botMethods[bot[2].toLowerCase()]) {
    const token = decodeURIComponent(bot[1]);
    handle = (params) => botMethods[bot[2].toLowerCase()](token, params, res);
  } else if (req.method === 'POST' && clientRoutes[url.pathname]) {
    handle = (params) => clientRoutes[url.pathname](params, res);
  } else {
    packageApp(req, res);
    return;
  }
  readParams(req, url).then(handle).catch((error) => reply(res, 400, { message: error.message }));
};
// start() logs the app's settings.env.
dispatch.settings = packageApp.settings;
server.webServer = dispatch;

// -- life cycle -------------------------------------------------------------------

let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  // The package's stop() waits for requests in flight: answer the long polls.
  [...pollers].forEach((poller) => poller.finish(true));
  setTimeout(() => process.exit(0), 3000).unref();
  try {
    await server.stop();
  } catch (error) {
    process.stderr.write(`emulator: stop: ${error.message}\n`);
  }
  process.exit(0);
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.stdin.on('end', stop);
process.stdin.on('error', stop);
process.stdin.resume();

server.start().then(
  () => process.stdout.write(`ready ${port}\n`),
  (error) => {
    process.stderr.write(`emulator: cannot listen on 127.0.0.1:${port}: ${error.message}\n`);
    process.exit(1);
  },
);
