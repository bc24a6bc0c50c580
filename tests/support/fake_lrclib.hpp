#pragma once

/// A fake lrclib for tests: a real HTTP server on loopback serving records
/// shaped like lrclib's public API (id, trackName, artistName, albumName,
/// duration, instrumental, plainLyrics, syncedLyrics):
/// - GET /api/get?artist_name=&track_name=[&album_name=][&duration=]: the
///   record whose artist and track match (case-insensitive) and, as lrclib
///   does, whose album matches when one is given and whose duration is
///   within 2 s when one is given; else 404 with lrclib's error body;
/// - GET /api/get/{id}: the record, or 404;
/// - GET /api/search?q=: every record whose "artist track" contains each
///   word of q (case-insensitive), as a JSON array.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace lastgram::test {

class fake_lrclib {
public:
  struct record {
    std::int64_t id = 0;
    std::string track;
    std::string artist;
    std::string album;
    double duration = 0;
    bool instrumental = false;
    /// Empty sends null, as lrclib does for an instrumental.
    std::string plain;
    std::string synced;
  };

  fake_lrclib();
  ~fake_lrclib();
  fake_lrclib(const fake_lrclib&) = delete;
  fake_lrclib& operator=(const fake_lrclib&) = delete;

  /// Serves `r` from now on.
  void add(record r);

  /// "http://127.0.0.1:PORT": the root for `lyrics.lrclib-url`.
  std::string url() const;

  /// Paths (with queries) received so far, in order.
  std::vector<std::string> targets() const;

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

/// The records the lyrics tests ask for: 101, long lyrics in 40 stanzas
/// ("Stanza N line M ...") for Feels Like We Only Go Backwards by Tame
/// Impala on Lonerism, found by names; 102, synced lyrics only for
/// "99 Problems (Explicit)" by Jay-Z on another album, so that /api/get
/// misses and the search finds it; 103, Flim by Aphex Twin, instrumental.
void add_sample_lyrics(fake_lrclib& lrclib);

/// One record as lrclib's JSON object.
std::string lrclib_json(const fake_lrclib::record& r);

} // namespace lastgram::test
