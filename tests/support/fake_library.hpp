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
};

/// The play count of the generated entry at rank `rank` (1-based) of a
/// list of `n` entries for `user`.
std::int64_t library_playcount(const std::string& user, int rank, int n);

/// A set of libraries behind one fake. Not thread-safe to change while
/// served; add every library before `serve`.
class fake_library_set {
public:
  void add(library_spec spec);

  /// Answers user.getTopArtists / getTopAlbums / getTopTracks (any
  /// `limit` and `page`) and user.getRecentTracks from the libraries; an
  /// unknown user gets an empty list.
  void serve(fake_lastfm& fm) const;

  const std::vector<library_spec>& libraries() const {
    return libs_;
  }

private:
  std::vector<library_spec> libs_;
};

/// The user.getTopArtists body for one page of `spec`.
std::string top_artists_page(const library_spec& spec, int page, int limit);
std::string top_albums_page(const library_spec& spec, int page, int limit);
std::string top_tracks_page(const library_spec& spec, int page, int limit);

} // namespace lastgram::test
