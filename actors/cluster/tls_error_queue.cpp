// A workaround for CAF 0.17.6's OpenSSL module, which tears a TLS cluster
// apart whenever one connection fails.
//
// libcaf_openssl (session.cpp) calls SSL_read, SSL_write, SSL_connect and
// SSL_accept without clearing the thread's OpenSSL error queue first, and
// never drains it after a failure. Every session of a node runs on the
// middleman's one multiplexer thread, so a single failed session (a peer
// killed mid-connection, a `cluster status` client closing without
// close_notify, a client with a foreign certificate) leaves an error behind.
// OpenSSL 3 then reports SSL_ERROR_SSL for the next harmless "want read" of
// any other session, and CAF closes that connection too; its peer sees the
// same unexpected EOF and does the same. Measured before this file: one
// `cluster status` call made all three nodes drop and rejoin each other twice
// within a second.
//
// OpenSSL documents that the queue must be empty before each of these calls
// (SSL_get_error(3)). The definitions below are found by the dynamic linker
// before libssl's, for every library of the process (the executable comes
// first in symbol lookup), clear the queue and call libssl's. Asio's SSL
// engine clears the queue itself, so the HTTP client and server are not
// affected. Remove this file with the move to CAF 0.18, whose OpenSSL module
// clears the queue itself.

#include "actors/cluster/tls_error_queue.hpp"

#include <dlfcn.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <cstdio>
#include <cstdlib>

namespace {

/// libssl's definition of `name`, the next one after ours.
template <class Fn>
Fn next_definition(const char* name) {
  auto* fn = dlsym(RTLD_NEXT, name);
  if (fn == nullptr) {
    std::fprintf(stderr, "lastgram: cannot find libssl's %s: %s\n", name, dlerror());
    std::abort();
  }
  return reinterpret_cast<Fn>(fn);
}

} // namespace

extern "C" {

int SSL_read(SSL* ssl, void* buf, int num) {
  static const auto real = next_definition<int (*)(SSL*, void*, int)>("SSL_read");
  ERR_clear_error();
  return real(ssl, buf, num);
}

int SSL_write(SSL* ssl, const void* buf, int num) {
  static const auto real = next_definition<int (*)(SSL*, const void*, int)>("SSL_write");
  ERR_clear_error();
  return real(ssl, buf, num);
}

int SSL_connect(SSL* ssl) {
  static const auto real = next_definition<int (*)(SSL*)>("SSL_connect");
  ERR_clear_error();
  return real(ssl);
}

int SSL_accept(SSL* ssl) {
  static const auto real = next_definition<int (*)(SSL*)>("SSL_accept");
  ERR_clear_error();
  return real(ssl);
}

} // extern "C"

namespace lastgram::cluster {

bool tls_error_queue_workaround_linked() {
  return true;
}

} // namespace lastgram::cluster
