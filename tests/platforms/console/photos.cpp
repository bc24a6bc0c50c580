// Pictures on the console: saved as files in one directory, only the newest
// kept, and shown as their path in the plain rendering.

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "platforms/console/photo_files.hpp"
#include "platforms/render/plain.hpp"
#include "support/multipart.hpp"
#include "support/process.hpp"

using namespace lastgram;
namespace fs = std::filesystem;

namespace {

std::string read_file(const std::string& path) {
  std::ifstream in{path, std::ios::binary};
  return {std::istreambuf_iterator<char>{in}, std::istreambuf_iterator<char>{}};
}

std::size_t count_files(const std::string& dir) {
  return static_cast<std::size_t>(std::distance(fs::directory_iterator{dir}, fs::directory_iterator{}));
}

} // namespace

TEST_CASE("console photos: each picture is a new file and only the newest are kept",
          "[console][photo]") {
  test::temp_dir tmp;
  auto dir = tmp.file("data/collages");
  fs::create_directories(dir);
  tmp.write("data/collages/notes.txt", "not ours"); // left alone
  std::vector<std::string> paths;
  for (int i = 0; i < 5; ++i) {
    auto jpeg = test::fake_jpeg(1000 + static_cast<std::size_t>(i));
    auto saved = console::save_photo(dir, jpeg, 3);
    REQUIRE(saved.error.empty());
    CHECK(read_file(saved.path) == jpeg);
    paths.push_back(saved.path);
  }
  CHECK(count_files(dir) == 4); // three pictures and the other file
  CHECK_FALSE(fs::exists(paths[0]));
  CHECK_FALSE(fs::exists(paths[1]));
  for (int i = 2; i < 5; ++i)
    CHECK(fs::exists(paths[static_cast<std::size_t>(i)]));
  CHECK(fs::exists(dir + "/notes.txt"));
}

TEST_CASE("console photos: a directory that cannot be made is an error, not a crash",
          "[console][photo]") {
  test::temp_dir tmp;
  tmp.write("file", "x");
  auto saved = console::save_photo(tmp.file("file/collages"), test::fake_jpeg(), 3);
  CHECK(saved.path.empty());
  CHECK(saved.error.find("cannot create") == 0);
}

TEST_CASE("plain rendering shows a picture's path in its place", "[console][photo]") {
  outgoing_reply r;
  r.text.push_back(text_span{"Ana's 3x3", style_bold, {}});
  r.photo_jpeg = test::fake_jpeg(1234);
  r.image_url = "https://example.org/ignored.png";
  render::plain_options o;
  o.photo_path = "/data/collages/photo-1.jpg";
  CHECK(render::to_plain(r, o) == "Ana's 3x3\n[photo] /data/collages/photo-1.jpg");
  CHECK(render::to_plain(r) == "Ana's 3x3\n[photo] (JPEG, 1234 bytes, not saved)");
}
