#pragma once

/// Redis helpers shared by the tests that talk to a real redis-server: where
/// the fixture's server listens, a private server a test may stop and
/// restart, and a raw command for checking what Redis holds.

#include <string>
#include <vector>

#include "support/eventually.hpp"
#include "support/process.hpp"

namespace lastgram::test {

/// The port of the fixture's redis-server: LASTGRAM_TEST_REDIS_PORT_OVERRIDE
/// when set (running a test binary by hand), else LASTGRAM_TEST_REDIS_PORT.
int shared_redis_port();

/// The URL of a redis-server on 127.0.0.1:port.
std::string redis_url(int port);

/// One command on a fresh connection, bypassing the code under test: what
/// Redis holds. Returns the string or status reply, an integer reply as
/// text, "(nil)" for nil and "(error)" for an error reply or when nothing
/// answered.
std::string redis_command(int port, const std::vector<std::string>& args);

/// A redis-server of the test's own: a child process on 127.0.0.1 that the
/// test can shut down and start again on the same port, without persistence,
/// its files in a temporary directory. The destructor kills and reaps it
/// whatever state the test left it in.
class redis_server {
public:
  /// Starts a server on a free loopback port; `extra` are further
  /// redis-server arguments (e.g. {"--requirepass", "pw"}).
  explicit redis_server(std::vector<std::string> extra = {});
  /// Starts a server on `port` (which nobody else may be listening on).
  explicit redis_server(unsigned short port, std::vector<std::string> extra = {});
  ~redis_server();
  redis_server(const redis_server&) = delete;
  redis_server& operator=(const redis_server&) = delete;

  unsigned short port() const { return port_; }
  std::string url() const { return redis_url(port_); }
  bool running() const { return pid_ > 0; }

  /// Starts the server (again) and waits until it accepts connections.
  void start();
  /// SHUTDOWN NOSAVE through the protocol (what an operator or a crash looks
  /// like to clients), then reaps the child so that the port is free.
  void shutdown();
  /// The command that authenticates a connection: {"AUTH", password} when
  /// started with --requirepass, else empty.
  std::vector<std::string> hello() const;

private:
  bool accepts_connections();

  unsigned short port_;
  std::vector<std::string> extra_;
  temp_dir dir_;
  int pid_ = -1;
};

} // namespace lastgram::test
