#pragma once

/// A wss:// websocket server on loopback for testing the gateway's TLS
/// client: it presents a certificate of the test CA, records the SNI name
/// the client sent, greets each connection with one text frame and echoes
/// every frame back.

#include <cstdint>
#include <memory>
#include <string>

#include "support/test_http_server.hpp"

namespace lastgram::test {

class fake_gateway_tls {
public:
  /// Serves `identity` (e.g. test_ca::issue({"DNS:localhost"})); each
  /// connection first receives `greeting`.
  fake_gateway_tls(const tls_identity& identity, std::string greeting);
  ~fake_gateway_tls();

  fake_gateway_tls(const fake_gateway_tls&) = delete;
  fake_gateway_tls& operator=(const fake_gateway_tls&) = delete;

  std::uint16_t port() const;
  /// The SNI host name of the last TLS handshake ("" when none was sent).
  std::string server_name() const;
  /// Websocket handshakes completed.
  int accepted() const;

private:
  struct impl;
  std::shared_ptr<impl> impl_;
};

} // namespace lastgram::test
