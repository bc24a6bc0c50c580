#pragma once

/// The caching engine's typed interface: byte strings by key with an explicit
/// TTL in seconds at every write (callers serialize their structs), and the
/// cluster-wide token bucket the Last.fm client draws from. It answers from
/// the in-process cache while Redis is down; it never fails a read (a miss is
/// an answer).

#include <cstdint>
#include <string>

#include "caf/replies_to.hpp"
#include "caf/typed_actor.hpp"

#include "messages/atoms.hpp"

namespace lastgram {

using get_atom = caf::atom_constant<caf::atom("get")>;
using put_atom = caf::atom_constant<caf::atom("put")>;
using erase_atom = caf::atom_constant<caf::atom("erase")>;
using claim_atom = caf::atom_constant<caf::atom("claim")>;
using bucket_atom = caf::atom_constant<caf::atom("bucket")>;
using incr_atom = caf::atom_constant<caf::atom("incr")>;

/// A cache read: `found` false on a miss.
struct cache_value {
  bool found = false;
  std::string value;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, cache_value& x) {
  return f(caf::meta::type_name("cache_value"), x.found, x.value);
}

/// The caching engine.
/// - (get, key) -> cache_value
/// - (put, key, value, ttl seconds) -> bool (false: not stored anywhere)
/// - (erase, key) -> bool
/// - (claim, key, value, ttl seconds) -> bool: set if absent (one-shot
///   tokens, leases)
/// - (bucket, key, rate per second, burst) -> wait in milliseconds before
///   the caller may spend one token (0: spent now)
/// - (incr, key, ttl seconds) -> the counter's new value: a fixed window
///   that starts at 1 and expires `ttl` after its first increment (per-user
///   command rate limits; shared by the nodes when Redis is configured)
using cache_actor = caf::typed_actor<
  caf::replies_to<get_atom, std::string>::with<cache_value>,
  caf::replies_to<put_atom, std::string, std::string, std::int64_t>::with<bool>,
  caf::replies_to<erase_atom, std::string>::with<bool>,
  caf::replies_to<claim_atom, std::string, std::string, std::int64_t>::with<bool>,
  caf::replies_to<bucket_atom, std::string, double, std::int64_t>::with<std::int64_t>,
  caf::replies_to<incr_atom, std::string, std::int64_t>::with<std::int64_t>>;

} // namespace lastgram
