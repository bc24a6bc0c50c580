#pragma once

// The generated world of bench/groups_scale: a vocabulary of artists (each
// with 3 albums and 10 tracks), users whose libraries are drawn from it with
// a Zipf-like popularity (so the popular artists are in most libraries and
// the rare ones in a few), one group, and the crowns that group would hold.
// Everything is a pure function of the spec (seeded), so both backends load
// the same rows and the queries ask about names that exist.

#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace lastgram::bench {

struct scale_spec {
  int users = 10000;
  /// Artists, albums and tracks in each library (each kind).
  int per_kind = 1000;
  int members = 1000;
  /// Distinct artists in the vocabulary (albums: 3 each, tracks: 10 each).
  int artists = 100000;
  std::uint64_t seed = 42;
};

/// Entity ids: artists 1..A, albums A+1..4A, tracks 4A+1..14A.
struct entity_name {
  const char* kind;
  std::string name;
  std::string artist;
};

struct play_row {
  std::int64_t entity;
  std::int64_t plays;
};

/// A current crown of the group: the top member of an artist (ties: the
/// lower user id) with at least 30 plays.
struct generated_crown {
  std::int64_t entity;
  std::int64_t user;
  std::int64_t plays;
};

class scale_world {
public:
  explicit scale_world(const scale_spec& spec);

  const scale_spec& spec() const { return spec_; }

  std::int64_t entity_count() const { return 14LL * spec_.artists; }

  /// The entity with id `id` (1-based).
  entity_name entity(std::int64_t id) const;

  /// User `u` (1-based): its plays of every kind, sorted by entity id.
  std::vector<play_row> library(int u) const;

  /// Whether user `u` is a member of the group.
  bool member(int u) const { return u % stride_ == 0 && u / stride_ <= spec_.members; }

  /// The group's crowns (computed from every member's library).
  std::vector<generated_crown> crowns() const;

  /// The entity id of the artist of popularity rank `r` (0 = most popular);
  /// likewise for albums and tracks (rank within their kind).
  std::int64_t artist_id(std::int64_t r) const { return 1 + r; }
  std::int64_t album_id(std::int64_t r) const { return 1 + spec_.artists + r; }
  std::int64_t track_id(std::int64_t r) const { return 1 + 4LL * spec_.artists + r; }

private:
  void draw(std::mt19937_64& rng, const std::vector<double>& cdf, std::int64_t first_id,
            double scale, std::vector<play_row>& out) const;

  scale_spec spec_;
  int stride_ = 1;
  std::vector<double> artist_cdf_, album_cdf_, track_cdf_;
};

} // namespace lastgram::bench
