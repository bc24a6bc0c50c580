// Suggestions from a user's indexed library (Discord's autocomplete): a
// prefix of the folded names, most played first.
//
// The prefix is compared with substr() on a length counted here in code
// points, which SQLite and PostgreSQL both read as characters; LIKE would
// need its wildcards escaped and compares case differently per backend.

#include "actors/database/store_impl.hpp"

#include <algorithm>
#include <string>
#include <vector>

namespace lastgram::database {

namespace {

/// The most names one call returns (Discord offers at most 25 choices).
constexpr std::int64_t max_names = 25;

long long code_points(const std::string& s) {
  long long n = 0;
  for (unsigned char c : s)
    if ((c & 0xC0) != 0x80)
      ++n;
  return n;
}

} // namespace

result<std::vector<std::string>> store::library_names(platform_kind platform,
                                                      std::string_view platform_id,
                                                      entity_kind kind, std::string_view prefix,
                                                      std::int64_t limit) {
  return impl_->guard("library_names", [&]() -> result<std::vector<std::string>> {
    std::vector<std::string> out;
    long long lim = std::min(limit, max_names);
    if (lim <= 0)
      return out;
    std::string pf{to_string(platform)};
    std::string id{platform_id};
    std::string k{to_string(kind)};
    // One bound value per use: SOCI's PostgreSQL backend numbers each
    // placeholder of the text, so a name used twice is not shared.
    std::string p1 = normalize_name(prefix);
    std::string p2 = p1;
    std::string p3 = p1;
    long long n1 = code_points(p1);
    long long n2 = n1;
    long long n3 = n1;
    bool named_item = kind != entity_kind::artist;
    std::string q = "SELECT e.name, e.artist_name FROM users u"
                    " JOIN user_plays p ON p.user_id = u.id"
                    " JOIN entities e ON e.id = p.entity_id"
                    " WHERE u.platform = :pf AND u.platform_id = :id AND e.kind = :k"
                    " AND p.playcount > 0";
    if (!p1.empty()) {
      q += " AND (substr(e.normalized_name, 1, :n1) = :p1";
      if (named_item)
        q += " OR substr(e.normalized_artist, 1, :n2) = :p2"
             " OR substr(e.normalized_artist || ' - ' || e.normalized_name, 1, :n3) = :p3";
      q += ")";
    }
    q += " ORDER BY p.playcount DESC, e.id ASC LIMIT :lim";
    std::string name;
    std::string artist;
    soci::statement st{impl_->sql};
    st.exchange(soci::into(name));
    st.exchange(soci::into(artist));
    st.exchange(soci::use(pf, "pf"));
    st.exchange(soci::use(id, "id"));
    st.exchange(soci::use(k, "k"));
    if (!p1.empty()) {
      st.exchange(soci::use(n1, "n1"));
      st.exchange(soci::use(p1, "p1"));
      if (named_item) {
        st.exchange(soci::use(n2, "n2"));
        st.exchange(soci::use(p2, "p2"));
        st.exchange(soci::use(n3, "n3"));
        st.exchange(soci::use(p3, "p3"));
      }
    }
    st.exchange(soci::use(lim, "lim"));
    st.alloc();
    st.prepare(q);
    st.define_and_bind();
    st.execute(false);
    while (st.fetch())
      out.push_back(named_item && !artist.empty() ? artist + " - " + name : name);
    return out;
  });
}

} // namespace lastgram::database
