#pragma once

/// Generated, deterministic Last.fm libraries for many users, served by the
/// fake Last.fm page by page in the real payloads' shape
/// (fixtures/lastfm/user-gettop{artists,albums,tracks}.json: numbers as
/// strings, "@attr" rank and paging blocks, image lists, nested artists), for
/// the indexer's tests and benchmark.

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "support/fake_lastfm.hpp"
#include "support/lastfm_payloads.hpp"

namespace lastgram::test {

/// One user's library: `artists` top artists named "Artist 1".."Artist N"
/// (rank order), `albums` albums "Album i" and `tracks` tracks "Track i" by
/// "Artist (i % artists) + 1", with strictly decreasing play counts that
/// depend on the user (so users rank differently). `extra_artists` are
/// appended after the generated ones, as Last.fm lists entries it did not
/// merge (e.g. "the beatles" beside "The Beatles").
struct library_spec {
  std::string user;
  int artists = 0;
  int albums = 0;
  int tracks = 0;
  std::vector<std::pair<std::string, std::int64_t>> extra_artists;
  /// The scrobbles user.getRecentTracks lists, newest first.
  std::vector<fake_scrobble> history;
  /// What user.getInfo says: the scrobble total (0: the history's
  /// scrobbles) and the registration time (Unix seconds).
  std::int64_t scrobbles = 0;
  std::int64_t registered_at = 0;
};

/// The play count of the generated entry at rank `rank` (1-based) of a
/// list of `n` entries for `user`.
std::int64_t library_playcount(const std::string& user, int rank, int n);

/// A set of libraries behind one fake. Not thread-safe to change while
/// served; add every library before `serve`.
class fake_library_set {
public:
  void add(library_spec spec);

  /// artist.getCorrection answers `to` for `from` (compared folded to ASCII
  /// lower case, as Last.fm matches names); other names get an empty
  /// corrections answer.
  void add_correction(std::string from, std::string to);

  /// Answers user.getTopArtists / getTopAlbums / getTopTracks (any
  /// `limit` and `page`), user.getRecentTracks and user.getInfo from the
  /// libraries (an unknown user gets an empty list), and
  /// artist.getCorrection from the corrections.
  void serve(fake_lastfm& fm) const;

  const std::vector<library_spec>& libraries() const {
    return libs_;
  }

private:
  std::vector<library_spec> libs_;
  std::vector<std::pair<std::string, std::string>> corrections_;
};

/// The user.getTopArtists body for one page of `spec`.
std::string top_artists_page(const library_spec& spec, int page, int limit);
std::string top_albums_page(const library_spec& spec, int page, int limit);
std::string top_tracks_page(const library_spec& spec, int page, int limit);

/// The artist.getCorrection body correcting to `name`; no correction when
/// `name` is empty.
std::string correction_body(const std::string& name);

} // namespace lastgram::test
