// SIGHUP at the node level: the running binary reloads its locale files
// without a restart, and keeps its translations when the new files are broken.

#include <catch2/catch.hpp>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "support/build_paths.hpp"
#include "i18n/temp_locales.hpp"
#include "support/process.hpp"

using namespace lastgram::test;
using namespace std::chrono_literals;

namespace {

std::string slurp(const std::filesystem::path& path) {
  std::ifstream in{path, std::ios::binary};
  std::stringstream out;
  out << in.rdbuf();
  return out.str();
}

void replace_in(const std::filesystem::path& path, const std::string& from, const std::string& to) {
  auto text = slurp(path);
  auto at = text.find(from);
  REQUIRE(at != std::string::npos);
  text.replace(at, from.size(), to);
  std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
}

} // namespace

TEST_CASE("SIGHUP reloads the locale files of a running node", "[e2e][sighup]") {
  temp_dir dir;
  namespace fs = std::filesystem;
  auto locales = fs::path{dir.file("locales")};
  fs::copy(lastgram::i18n::test::real_locales(), locales);
  child_process node{{LASTGRAM_BINARY, "run", "--config", std::string{LASTGRAM_SOURCE_DIR} + "/config.ini",
                      "--set", "server.enabled=false",
                      "--set", "node.data-dir=" + dir.file("data"),
                      "--set", "database.path=" + dir.file("data/db.sqlite3"),
                      "--set", "i18n.dir=" + locales.string()}};
  REQUIRE(node.wait_for_output("serving translations", 20s, true));
  node.write("/start\n");
  REQUIRE(node.wait_for_output("I'm lastgram:", 20s));

  replace_in(locales / "en.json", "I'm lastgram:", "I'm lastgram, freshly reloaded:");
  node.signal(SIGHUP);
  auto reloaded = node.wait_for_output("translations reloaded", 10s, true);
  INFO("stderr: " << node.err());
  REQUIRE(reloaded);
  node.write("/start\n");
  CHECK(node.wait_for_output("freshly reloaded", 10s));

  // A broken file is refused: the node keeps running on what it had.
  replace_in(locales / "en.json", "freshly reloaded:", "{broken");
  node.signal(SIGHUP);
  REQUIRE(node.wait_for_output("reload refused", 10s, true));
  node.write("/start\n");
  node.close_stdin();
  CHECK(node.wait(20s) == 0);
  auto out = node.out();
  auto first = out.find("freshly reloaded");
  REQUIRE(first != std::string::npos);
  CHECK(out.find("freshly reloaded", first + 1) != std::string::npos);
  CHECK(out.find("{broken") == std::string::npos);
}
