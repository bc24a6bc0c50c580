// Artist names as Last.fm files them (artist.getCorrection, cached in
// artist_corrections) and the recent-scrobble fact of the botted-account
// rule.

#include "actors/database/store_impl.hpp"

#include <algorithm>
#include <string>
#include <unordered_map>
#include <vector>

namespace lastgram::database {

using namespace detail;

namespace {

constexpr std::size_t kNamesPerQuery = 200;

} // namespace

result<std::unordered_map<std::string, std::string>>
store::artist_corrections(const std::vector<std::string>& names) {
  using map = std::unordered_map<std::string, std::string>;
  return impl_->guard("artist_corrections", [&]() -> result<map> {
    map out;
    std::vector<std::string> folded;
    folded.reserve(names.size());
    for (const auto& n : names)
      if (auto f = normalize_name(n); !f.empty())
        folded.push_back(std::move(f));
    for (std::size_t first = 0; first < folded.size(); first += kNamesPerQuery) {
      auto last = std::min(folded.size(), first + kNamesPerQuery);
      std::string q = "SELECT normalized_name, canonical_name FROM artist_corrections"
                      " WHERE normalized_name IN (";
      for (auto i = first; i < last; ++i)
        q += (i == first ? ":n" : ", :n") + std::to_string(i - first);
      q += ")";
      std::string key;
      std::string canonical;
      soci::statement st{impl_->sql};
      st.exchange(soci::into(key));
      st.exchange(soci::into(canonical));
      for (auto i = first; i < last; ++i)
        st.exchange(soci::use(folded[i], "n" + std::to_string(i - first)));
      st.alloc();
      st.prepare(q);
      st.define_and_bind();
      st.execute(false);
      while (st.fetch())
        out[key] = canonical;
    }
    return out;
  });
}

result<void> store::put_artist_correction(std::string_view name, std::string_view canonical,
                                          std::int64_t now) {
  return impl_->guard("put_artist_correction", [&]() -> result<void> {
    std::string key = normalize_name(name);
    std::string to{canonical.empty() ? name : canonical};
    long long at = now;
    if (key.empty())
      return {};
    impl_->sql << "INSERT INTO artist_corrections (normalized_name, canonical_name, checked_at)"
                  " VALUES (:k, :c, :at) ON CONFLICT (normalized_name) DO UPDATE SET"
                  " canonical_name = excluded.canonical_name, checked_at = excluded.checked_at",
      soci::use(key, "k"), soci::use(to, "c"), soci::use(at, "at");
    return {};
  });
}

result<void> store::set_fm_recent(std::int64_t user_id, std::int64_t scrobbles,
                                  std::int64_t at) {
  return impl_->guard("set_fm_recent", [&]() -> result<void> {
    long long u = user_id, s = scrobbles, a = at;
    impl_->sql << "UPDATE users SET fm_recent_scrobbles = :s, fm_recent_at = :a WHERE id = :u",
      soci::use(s, "s"), soci::use(a, "a"), soci::use(u, "u");
    return {};
  });
}

} // namespace lastgram::database
