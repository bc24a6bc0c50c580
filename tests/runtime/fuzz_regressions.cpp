// Every input the fuzzers crashed on (fuzz/regressions/<target>/), and every
// seed (fuzz/corpus/<target>/, the fixtures the JSON targets start from), run
// through the same bodies as the libFuzzer targets (fuzz/targets.hpp), here
// compiled with g++ under the suite's sanitizers: a fixed crash stays fixed.

#include "support/build_paths.hpp"
#include "fuzz/targets.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;
using body = void (*)(const std::uint8_t*, std::size_t);

struct fuzz_target {
  std::string name;
  body run;
  /// Fixture folders (under tests/fixtures/) it is seeded from, if any.
  std::vector<std::string> fixtures;
};

// One line per target of fuzz/targets/ (a test below checks none is missed).
const std::vector<fuzz_target>& targets() {
  using namespace lastgram::fuzz;
  static const std::vector<fuzz_target> all = {
    {"telegram_update", fuzz_telegram_update, {"telegram"}},
    {"telegram_response", fuzz_telegram_response, {"telegram"}},
    {"telegram_html", fuzz_telegram_html, {}},
    {"fm_response", fuzz_fm_response, {"lastfm"}},
    {"http_request", fuzz_http_request, {}},
    {"ini", fuzz_ini, {}},
    {"command_line", fuzz_command_line, {}},
    {"i18n_format", fuzz_i18n_format, {}},
    {"discord_interaction", fuzz_discord_interaction, {"discord"}},
    {"discord_gateway", fuzz_discord_gateway, {}},
    {"discord_rest", fuzz_discord_rest, {}},
    {"discord_markdown", fuzz_discord_markdown, {}},
  };
  return all;
}

const fs::path fuzz_dir = fs::path(LASTGRAM_SOURCE_DIR) / "fuzz";

std::vector<fs::path> inputs_in(const fs::path& dir) {
  std::vector<fs::path> out;
  if (!fs::is_directory(dir))
    return out;
  for (const auto& entry : fs::directory_iterator(dir))
    if (entry.is_regular_file() && entry.path().filename().string().front() != '.')
      out.push_back(entry.path());
  return out;
}

// Runs every input of `dir`; returns how many there were.
std::size_t run_all(const fuzz_target& t, const fs::path& dir) {
  auto files = inputs_in(dir);
  for (const auto& file : files) {
    std::ifstream in(file, std::ios::binary);
    std::string bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    INFO(t.name << " on " << file.string());
    CHECK_NOTHROW(t.run(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()));
  }
  return files.size();
}

} // namespace

TEST_CASE("fuzz regression inputs and seeds run clean through their targets", "[fuzz]") {
  for (const auto& t : targets()) {
    run_all(t, fuzz_dir / "regressions" / t.name);
    auto seeds = run_all(t, fuzz_dir / "corpus" / t.name);
    for (const auto& f : t.fixtures)
      seeds += run_all(t, fs::path(LASTGRAM_FIXTURES_DIR) / f);
    INFO(t.name);
    // A target without seeds starts the fuzzer from nothing: say so here.
    CHECK(seeds > 0);
  }
}

TEST_CASE("every fuzz target has its line in the regression test", "[fuzz]") {
  std::set<std::string> known;
  for (const auto& t : targets())
    known.insert(t.name);
  for (const auto& file : inputs_in(fuzz_dir / "targets")) {
    INFO(file.string());
    CHECK(known.count(file.stem().string()) == 1);
  }
}

TEST_CASE("the fuzz property helpers refuse invalid UTF-8 and throw on a broken property",
          "[fuzz]") {
  CHECK_FALSE(lastgram::fuzz::valid_utf8("\xC0\xAF"));
  CHECK_FALSE(lastgram::fuzz::valid_utf8("\xED\xA0\x80"));
  CHECK_FALSE(lastgram::fuzz::valid_utf8("\xE2\x82"));
  CHECK(lastgram::fuzz::valid_utf8("caf\xC3\xA9 \xF0\x9F\x8E\xB5"));
  CHECK_THROWS_AS(lastgram::fuzz::require(false, "t", "what"),
                  lastgram::fuzz::property_violation);
}
