#pragma once

/// The fake Discord REST API (tests/discord/fake_rest.js, run with node) on
/// loopback: validates every request against Discord's OpenAPI description
/// and records it; tests read the records and validate callback bodies.

#include <memory>
#include <string>

#include "support/process.hpp"

namespace lastgram::test {

class fake_discord_rest {
public:
  /// Starts the server; `token` is the bot token it accepts. Throws when
  /// node or the fake's node_modules are missing or it does not start.
  explicit fake_discord_rest(const std::string& token = "");
  ~fake_discord_rest();

  /// The base URL to give the bot as discord.api-url.
  std::string url() const;
  /// Every request so far as a JSON array of {method, path, route, body,
  /// valid, errors, authorized}.
  std::string requests_json() const;
  /// Whether `callback_json` is a body Discord accepts as an interaction
  /// callback; `errors` (when given) receives the validator's complaints.
  bool valid_callback(const std::string& callback_json, std::string* errors = nullptr) const;

private:
  unsigned short port_ = 0;
  std::unique_ptr<child_process> proc_;
};

/// The node binary on PATH ("" when there is none).
std::string find_node();

} // namespace lastgram::test
