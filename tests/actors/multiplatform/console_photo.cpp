// The console chat with a command that answers with a picture: the JPEG is
// written under the photo directory and its path printed with the caption.

#include <catch2/catch.hpp>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <regex>

#include <caf/all.hpp>

#include "actors/test_config.hpp"
#include "messages/command.hpp"
#include "platforms/console/console.hpp"
#include "support/eventually.hpp"
#include "support/multipart.hpp"
#include "support/process.hpp"

using namespace lastgram;
using namespace std::chrono_literals;

namespace {

caf::behavior drawing_commands(caf::event_based_actor*) {
  return {[](const incoming_message& msg) {
    command_result res;
    res.outcome = command_outcome::ok;
    outgoing_reply r;
    r.chat_id = msg.chat.id;
    r.text.push_back(text_span{"collage of " + msg.text, style_plain, {}});
    r.photo_jpeg = test::fake_jpeg(2000 + msg.text.size());
    res.replies.push_back(std::move(r));
    return res;
  }};
}

std::string read_file(const std::string& path) {
  std::ifstream in{path, std::ios::binary};
  return {std::istreambuf_iterator<char>{in}, std::istreambuf_iterator<char>{}};
}

} // namespace

TEST_CASE("console: a picture is written under the data directory and its path printed",
          "[console][photo]") {
  test::test_config cfg;
  caf::actor_system sys{cfg};
  test::temp_dir tmp;
  auto out_path = tmp.file("out.txt");
  std::FILE* out = std::fopen(out_path.c_str(), "w+");
  REQUIRE(out != nullptr);
  auto engine = caf::actor_cast<command_actor>(sys.spawn(drawing_commands));
  auto opts = std::make_shared<console::options>();
  opts->settings.user_id = "1";
  opts->settings.user_name = "Ana";
  opts->out = out;
  opts->photo_dir = tmp.file("data/collages");
  opts->max_photos = 2;
  std::atomic<bool> finished{false};
  opts->on_finished = [&finished] { finished = true; };
  caf::scoped_actor self{sys};
  auto con = console::spawn_console(self.ptr(), [engine] { return engine; }, opts);
  for (auto line : {"/a", "/bb", "/ccc"})
    caf::anon_send(con, line_atom::value, std::string{line});
  caf::anon_send(con, eof_atom::value);
  REQUIRE(test::eventually([&] { return finished.load(); }, 10s));
  std::fclose(out);
  auto printed = read_file(out_path);
  std::regex photo_line{"\\[photo\\] (\\S+\\.jpg)"};
  std::vector<std::string> paths;
  for (std::sregex_iterator it{printed.begin(), printed.end(), photo_line}, end; it != end; ++it)
    paths.push_back((*it)[1]);
  REQUIRE(paths.size() == 3);
  CHECK(printed.find("collage of /ccc\n[photo] " + paths[2]) != std::string::npos);
  CHECK(paths[0].rfind(opts->photo_dir + "/", 0) == 0);
  // Only the newest two are kept, with the bytes the command drew.
  CHECK_FALSE(std::filesystem::exists(paths[0]));
  CHECK(read_file(paths[1]) == test::fake_jpeg(2000 + 3));
  CHECK(read_file(paths[2]) == test::fake_jpeg(2000 + 4));
  caf::anon_send_exit(con, caf::exit_reason::user_shutdown);
}
