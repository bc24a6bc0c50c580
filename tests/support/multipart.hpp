#pragma once
// A strict multipart/form-data parser for the fakes (the fake Bot API, the
// encoder's round-trip tests): it refuses what a real server would refuse or
// misread (no boundary, a missing CRLF, a part without a Content-Disposition
// name, a missing closing delimiter, bytes after it).

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lastgram::test {

struct parsed_part {
  std::string name;
  /// Empty for a text field.
  std::string filename;
  bool has_filename = false;
  std::string content_type;
  std::string data;
};

struct parsed_form {
  std::string boundary;
  std::vector<parsed_part> parts;

  /// The first part called `name`, or nullptr.
  const parsed_part* find(std::string_view name) const;
};

/// Parses `body` sent with the header `content_type`; on failure returns
/// nothing and says why in `error`.
std::optional<parsed_form> parse_multipart(std::string_view content_type, std::string_view body,
                                           std::string* error = nullptr);

/// Whether `data` starts like a JPEG file (FF D8 FF).
bool is_jpeg(std::string_view data);

/// A small byte string that starts with the JPEG magic bytes and holds every
/// byte value (NUL, CR, LF, "--" included), to check uploads stay intact.
std::string fake_jpeg(std::size_t size = 3000);

} // namespace lastgram::test
