#pragma once

// One `lastgram` process of a loopback cluster in an end-to-end test: its
// name, its cluster and HTTP ports, and the process once started.

#include <memory>
#include <string>

#include "support/process.hpp"

namespace lastgram::test {

struct cluster_node {
  std::string name;
  unsigned short cluster_port = free_port();
  unsigned short http_port = free_port();
  std::unique_ptr<child_process> proc;

  std::string endpoint() const {
    return "127.0.0.1:" + std::to_string(cluster_port);
  }
};

} // namespace lastgram::test
