#pragma once

/// Pictures the bot drew, on the console: each JPEG becomes a file in one
/// directory (normally <node.data-dir>/collages), and only the newest few
/// are kept so that a long session does not fill the disk.

#include <cstddef>
#include <string>

namespace lastgram::console {

/// Where a picture went: `path` on success, else `error` (for the user's
/// screen and the log; names the directory, never anything secret).
struct saved_photo {
  std::string path;
  std::string error;
};

/// Writes `jpeg` as a new file in `dir` (created when missing), named
/// `photo-<milliseconds since the epoch>-<sequence>.jpg` so that names sort
/// by age, then deletes the oldest such files beyond `keep` (at least 1).
/// Other files in `dir` are left alone.
saved_photo save_photo(const std::string& dir, const std::string& jpeg, std::size_t keep);

} // namespace lastgram::console
