#include "support/fake_gateway.hpp"
#include "support/build_paths.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/websocket/stream.hpp>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <deque>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace lastgram::test {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using boost::system::error_code;

namespace {

std::string read_fixture(const std::string& name) {
  std::ifstream in(std::string(LASTGRAM_FIXTURES_DIR) + "/discord/" + name, std::ios::binary);
  if (!in)
    throw std::runtime_error("missing fixture discord/" + name);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string to_json(const rapidjson::Value& v) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  v.Accept(w);
  return {buf.GetString(), buf.GetSize()};
}

std::string dispatch_frame(const std::string& t, std::int64_t s, const std::string& d) {
  return R"({"op":0,"t":")" + t + R"(","s":)" + std::to_string(s) + R"(,"d":)" + d + "}";
}

/// The interaction fixture with its id replaced by `id`.
std::string interaction_payload(const std::string& fixture, const std::string& id) {
  rapidjson::Document doc;
  doc.Parse(fixture.data(), fixture.size());
  doc["id"].SetString(id.data(), static_cast<rapidjson::SizeType>(id.size()), doc.GetAllocator());
  return to_json(doc);
}

} // namespace

/// One client connection of the fake: one write in flight, a queue behind it.
struct gateway_conn : std::enable_shared_from_this<gateway_conn> {
  gateway_conn(tcp::socket sock, int number) : ws(std::move(sock)), id(number) {
  }
  websocket::stream<tcp::socket> ws;
  beast::flat_buffer buffer;
  http::request<http::string_body> upgrade;
  std::deque<std::string> out;
  bool writing = false;
  bool closed = false;
  int id;
};

struct fake_gateway::impl : std::enable_shared_from_this<fake_gateway::impl> {
  options opts;
  std::string fixture = read_fixture("interaction-application-command-slash-options.json");
  asio::io_context ioc;
  asio::executor_work_guard<asio::io_context::executor_type> work{ioc.get_executor()};
  tcp::acceptor acceptor{ioc};
  std::thread thread;
  std::uint16_t port = 0;

  // Everything below is touched on the I/O thread, and read by the test
  // under `mutex`.
  mutable std::mutex mutex;
  std::vector<frame> frames;
  std::vector<std::string> targets;
  std::string problems;
  int connection_count = 0;
  std::shared_ptr<gateway_conn> current;
  std::vector<std::weak_ptr<gateway_conn>> all;
  bool ack = true;
  bool black_hole = false;
  std::string session_id;
  bool session_valid = false;
  int session_count = 0;
  std::int64_t seq = 0;
  int interactions = 0;
  /// The session's dispatches by seq, for replay on Resume.
  std::map<std::int64_t, std::string> log;
  /// Open connections by number -> the shard they identified as (-1 before).
  std::map<int, std::int32_t> open_shards;
  std::vector<int> closes;

  void start() {
    tcp::endpoint ep{asio::ip::make_address("127.0.0.1"), 0};
    acceptor.open(ep.protocol());
    acceptor.set_option(asio::socket_base::reuse_address(true));
    acceptor.bind(ep);
    acceptor.listen();
    port = acceptor.local_endpoint().port();
    do_accept();
    thread = std::thread([this] { ioc.run(); });
  }

  /// Closes the acceptor and every connection, then lets run() return once
  /// their handlers completed (no handler is left holding this object).
  void stop() {
    asio::post(ioc, [self = shared_from_this()] {
      error_code ignored;
      self->acceptor.close(ignored);
      for (auto& w : self->all)
        if (auto c = w.lock()) {
          c->closed = true;
          c->ws.next_layer().close(ignored);
        }
      self->current.reset();
    });
    work.reset();
    if (thread.joinable())
      thread.join();
  }

  std::string url() const { return "ws://127.0.0.1:" + std::to_string(port); }

  void problem(const std::string& what) {
    std::lock_guard<std::mutex> guard(mutex);
    problems += what + "; ";
  }

  void do_accept() {
    acceptor.async_accept([self = shared_from_this()](error_code ec, tcp::socket sock) {
      if (ec)
        return;
      int number;
      {
        std::lock_guard<std::mutex> guard(self->mutex);
        number = ++self->connection_count;
      }
      auto c = std::make_shared<gateway_conn>(std::move(sock), number);
      self->all.push_back(c);
      http::async_read(c->ws.next_layer(), c->buffer, c->upgrade,
                       [self, c](error_code ec2, std::size_t) { self->on_upgrade(c, ec2); });
      self->do_accept();
    });
  }

  void on_upgrade(const std::shared_ptr<gateway_conn>& c, error_code ec) {
    if (ec)
      return problem("bad upgrade request: " + ec.message());
    {
      std::lock_guard<std::mutex> guard(mutex);
      targets.emplace_back(c->upgrade.target());
      open_shards[c->id] = -1;
    }
    c->ws.async_accept(c->upgrade, [self = shared_from_this(), c](error_code ec2) {
      if (ec2)
        return self->problem("websocket accept: " + ec2.message());
      // A new connection replaces the old one, as on Discord's side (with
      // one shard).
      if (!self->opts.concurrent_shards && self->current && self->current != c) {
        error_code ignored;
        self->current->closed = true;
        self->current->ws.next_layer().close(ignored);
      }
      self->current = c;
      self->black_hole = false;
      self->write(c, R"({"op":10,"d":{"heartbeat_interval":)" +
                       std::to_string(self->opts.heartbeat_interval_ms) + "}}");
      self->do_read(c);
    });
  }

  void do_read(const std::shared_ptr<gateway_conn>& c) {
    c->ws.async_read(c->buffer, [self = shared_from_this(), c](error_code ec, std::size_t) {
      if (ec) {
        c->closed = true;
        std::lock_guard<std::mutex> guard(self->mutex);
        self->open_shards.erase(c->id);
        if (ec == websocket::error::closed)
          self->closes.push_back(c->ws.reason().code);
        return;
      }
      auto text = beast::buffers_to_string(c->buffer.data());
      c->buffer.consume(c->buffer.size());
      self->on_frame(c, text);
      if (!c->closed)
        self->do_read(c);
    });
  }

  void write(const std::shared_ptr<gateway_conn>& c, std::string text) {
    if (c->closed || (c == current && black_hole))
      return;
    c->out.push_back(std::move(text));
    if (!c->writing)
      do_write(c);
  }

  void do_write(const std::shared_ptr<gateway_conn>& c) {
    if (c->out.empty() || c->closed)
      return;
    c->writing = true;
    c->ws.text(true);
    c->ws.async_write(asio::buffer(c->out.front()), [self = shared_from_this(), c](error_code ec, std::size_t) {
      c->writing = false;
      if (ec) {
        c->closed = true;
        return;
      }
      c->out.pop_front();
      self->do_write(c);
    });
  }

  void close(const std::shared_ptr<gateway_conn>& c, std::uint16_t code) {
    if (!c || c->closed)
      return;
    c->closed = true;
    c->ws.async_close(websocket::close_reason(code), [c](error_code) {});
  }

  void on_frame(const std::shared_ptr<gateway_conn>& c, const std::string& text) {
    rapidjson::Document doc;
    doc.Parse(text.data(), text.size());
    int op = doc.IsObject() && doc.HasMember("op") && doc["op"].IsInt() ? doc["op"].GetInt() : -1;
    {
      std::lock_guard<std::mutex> guard(mutex);
      frames.push_back(frame{c->id, op, text, std::chrono::steady_clock::now()});
    }
    if (c != current && !opts.concurrent_shards)
      return problem("a frame on a replaced connection");
    switch (op) {
      case 1:
        if (ack)
          write(c, R"({"op":11})");
        return;
      case 2:
        return on_identify(c, doc["d"]);
      case 6:
        return on_resume(c, doc["d"]);
      default:
        return problem("unexpected opcode " + std::to_string(op));
    }
  }

  bool token_ok(const rapidjson::Value& d) {
    return d.IsObject() && d.HasMember("token") && d["token"].IsString() &&
           d["token"].GetString() == opts.token;
  }

  void on_identify(const std::shared_ptr<gateway_conn>& c, const rapidjson::Value& d) {
    if (!token_ok(d))
      return close(c, 4004);
    if (!d.HasMember("intents") || !d["intents"].IsInt() || d["intents"].GetInt() != 1)
      problem("identify intents are not 1 (GUILDS)");
    if (!d.HasMember("shard") || !d["shard"].IsArray() || d["shard"].Size() != 2 ||
        d["shard"][1].GetInt() != opts.shard_count)
      problem("identify shard is not [id, " + std::to_string(opts.shard_count) + "]");
    else if (opts.concurrent_shards)
      claim_shard(c, d["shard"][0].GetInt());
    if (!d.HasMember("properties") || !d["properties"].IsObject())
      problem("identify without properties");
    std::lock_guard<std::mutex> guard(mutex);
    session_id = "session-" + std::to_string(++session_count);
    session_valid = true;
    seq = 0;
    log.clear();
    std::string ready = R"({"v":10,"user":{"id":"1","username":"lastgram","bot":true},"guilds":[],)"
                        R"("session_id":")" + session_id + R"(","resume_gateway_url":")" + url() +
                        R"(","shard":[0,)" + std::to_string(opts.shard_count) +
                        R"(],"application":{"id":"1","flags":0}})";
    auto frame_text = dispatch_frame("READY", ++seq, ready);
    log[seq] = frame_text;
    write(c, frame_text);
  }

  /// Marks `c` as shard `shard`'s session; a second open one is a problem.
  void claim_shard(const std::shared_ptr<gateway_conn>& c, std::int32_t shard) {
    bool twice = false;
    {
      std::lock_guard<std::mutex> guard(mutex);
      for (auto& [conn, s] : open_shards)
        twice = twice || (conn != c->id && s == shard);
      open_shards[c->id] = shard;
    }
    if (twice)
      problem("shard " + std::to_string(shard) + " identified while another session of it is open");
  }

  void on_resume(const std::shared_ptr<gateway_conn>& c, const rapidjson::Value& d) {
    if (!token_ok(d))
      return close(c, 4004);
    std::lock_guard<std::mutex> guard(mutex);
    bool same = d.HasMember("session_id") && d["session_id"].IsString() &&
                d["session_id"].GetString() == session_id;
    if (!same || !session_valid || !d.HasMember("seq") || !d["seq"].IsInt64())
      return write(c, R"({"op":9,"d":false})");
    for (auto it = log.upper_bound(d["seq"].GetInt64()); it != log.end(); ++it)
      write(c, it->second);
    auto frame_text = dispatch_frame("RESUMED", ++seq, "{}");
    log[seq] = frame_text;
    write(c, frame_text);
  }

  void interaction() {
    std::string payload;
    {
      std::lock_guard<std::mutex> guard(mutex);
      payload = interaction_payload(fixture,
                                    opts.interaction_prefix + std::to_string(++interactions));
    }
    dispatch("INTERACTION_CREATE", payload);
  }

  void dispatch(const std::string& event, const std::string& d) {
    std::string frame_text;
    {
      std::lock_guard<std::mutex> guard(mutex);
      frame_text = dispatch_frame(event, ++seq, d);
      log[seq] = frame_text;
    }
    if (current)
      write(current, frame_text);
  }
};

fake_gateway::fake_gateway(options opts) : impl_(std::make_shared<impl>()) {
  impl_->opts = std::move(opts);
  impl_->start();
}

fake_gateway::fake_gateway() : fake_gateway(options{}) {
}

fake_gateway::~fake_gateway() {
  impl_->stop();
}

std::string fake_gateway::url() const {
  return impl_->url();
}

void fake_gateway::send_interaction() {
  asio::post(impl_->ioc, [i = impl_] { i->interaction(); });
}

void fake_gateway::send_dispatch(std::string event, std::string d) {
  asio::post(impl_->ioc, [i = impl_, event = std::move(event), d = std::move(d)] {
    i->dispatch(event, d);
  });
}

void fake_gateway::set_ack_heartbeats(bool on) {
  asio::post(impl_->ioc, [i = impl_, on] { i->ack = on; });
}

void fake_gateway::set_black_hole(bool on) {
  asio::post(impl_->ioc, [i = impl_, on] { i->black_hole = on; });
}

void fake_gateway::send_reconnect() {
  asio::post(impl_->ioc, [i = impl_] {
    if (i->current)
      i->write(i->current, R"({"op":7,"d":null})");
  });
}

void fake_gateway::send_invalid_session(bool resumable) {
  asio::post(impl_->ioc, [i = impl_, resumable] {
    if (!resumable) {
      std::lock_guard<std::mutex> guard(i->mutex);
      i->session_valid = false;
    }
    if (i->current)
      i->write(i->current, resumable ? R"({"op":9,"d":true})" : R"({"op":9,"d":false})");
  });
}

void fake_gateway::close_client(std::uint16_t code) {
  asio::post(impl_->ioc, [i = impl_, code] { i->close(i->current, code); });
}

std::vector<fake_gateway::frame> fake_gateway::received() const {
  std::lock_guard<std::mutex> guard(impl_->mutex);
  return impl_->frames;
}

std::vector<fake_gateway::frame> fake_gateway::received(int op) const {
  std::vector<frame> out;
  for (auto& f : received())
    if (f.op == op)
      out.push_back(f);
  return out;
}

int fake_gateway::connections() const {
  std::lock_guard<std::mutex> guard(impl_->mutex);
  return impl_->connection_count;
}

std::vector<std::string> fake_gateway::targets() const {
  std::lock_guard<std::mutex> guard(impl_->mutex);
  return impl_->targets;
}

std::string fake_gateway::session_id() const {
  std::lock_guard<std::mutex> guard(impl_->mutex);
  return impl_->session_id;
}

std::int64_t fake_gateway::last_seq() const {
  std::lock_guard<std::mutex> guard(impl_->mutex);
  return impl_->seq;
}

std::vector<std::int32_t> fake_gateway::live_shards() const {
  std::vector<std::int32_t> out;
  {
    std::lock_guard<std::mutex> guard(impl_->mutex);
    for (auto& [conn, shard] : impl_->open_shards)
      if (shard >= 0)
        out.push_back(shard);
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<int> fake_gateway::close_codes() const {
  std::lock_guard<std::mutex> guard(impl_->mutex);
  return impl_->closes;
}

std::string fake_gateway::problems() const {
  std::lock_guard<std::mutex> guard(impl_->mutex);
  return impl_->problems;
}

} // namespace lastgram::test
