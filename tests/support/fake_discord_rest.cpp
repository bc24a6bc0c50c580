#include "support/fake_discord_rest.hpp"
#include "support/build_paths.hpp"

#include <csignal>
#include <cstdlib>
#include <sstream>
#include <stdexcept>
#include <unistd.h>

#include "support/http_probe.hpp"

namespace lastgram::test {

std::string find_node() {
  const char* path = std::getenv("PATH");
  std::stringstream dirs{path ? path : ""};
  for (std::string dir; std::getline(dirs, dir, ':');)
    for (const char* name : {"node", "nodejs"})
      if (auto file = dir + "/" + name; access(file.c_str(), X_OK) == 0)
        return file;
  return {};
}

fake_discord_rest::fake_discord_rest(const std::string& token) {
  auto node = find_node();
  if (node.empty())
    throw std::runtime_error("fake Discord REST: node is not on PATH");
  std::string dir = std::string{LASTGRAM_SOURCE_DIR} + "/tests/discord";
  if (access((dir + "/node_modules/ajv").c_str(), F_OK) != 0)
    throw std::runtime_error("fake Discord REST: run `npm ci` in tests/discord (scripts/test.sh "
                             "does)");
  port_ = free_port();
  proc_ = std::make_unique<child_process>(
    std::vector<std::string>{node, dir + "/fake_rest.js", std::to_string(port_), token});
  if (!proc_->wait_for_output("listening", std::chrono::seconds{20}))
    throw std::runtime_error("fake Discord REST did not start: " + proc_->err());
}

fake_discord_rest::~fake_discord_rest() {
  proc_->signal(SIGTERM);
  proc_->wait(std::chrono::seconds{5});
}

std::string fake_discord_rest::url() const {
  return "http://127.0.0.1:" + std::to_string(port_) + "/api/v10";
}

std::string fake_discord_rest::requests_json() const {
  return http_get(port_, "/__requests").body;
}

bool fake_discord_rest::valid_callback(const std::string& callback_json,
                                       std::string* errors) const {
  auto reply = http_exchange(port_, http_request_text("POST", "/__validate/callback",
                                                      callback_json,
                                                      {{"Content-Type", "application/json"}}));
  if (!reply)
    return false;
  if (errors != nullptr)
    *errors = reply->body;
  return reply->body.find("\"valid\":true") != std::string::npos;
}

} // namespace lastgram::test
