// The lastgram executable: everything happens in runtime/cli.cpp.
#include <csignal>

#include "runtime/cli.hpp"

int main(int argc, char** argv) {
  // A peer that closes its socket (Redis, PostgreSQL, an HTTP client) must
  // give a write error, not kill the node.
  std::signal(SIGPIPE, SIG_IGN);
  return lastgram::runtime::main_cli(argc, argv);
}
