// The durable inbox (table update_inbox, migration 3): updates stored before
// they are acknowledged, claimed with a lease by the process handling them,
// marked replied and done, and pruned once done for long enough.

#include "actors/database/store_impl.hpp"
#include "actors/database/hot_sql.hpp"
#include "actors/database/transaction.hpp"

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace lastgram::database {

using namespace detail;

namespace {

/// An unfinished row as recovery reads it, with the claim it had, so that
/// taking it over can check nobody else took it meanwhile.
struct stale_row {
  long long id = 0;
  inbox_entry entry;
  std::string claimed_by;
  long long claimed_at = 0;
  long long received_at = 0;
};

std::vector<stale_row> stale_rows(soci::session& sql, const std::string& platform,
                                  const std::string& claimer, long long cutoff, long long limit) {
  std::vector<stale_row> rows;
  stale_row row;
  int replied = 0;
  soci::statement st
    = (sql.prepare << "SELECT id, update_id, payload, received_at, replied, claimed_by,"
                      " claimed_at FROM update_inbox"
                      " WHERE done_at = 0 AND platform = :p AND claimed_by <> :me"
                      " AND claimed_at <= :cutoff ORDER BY id LIMIT :lim",
       soci::into(row.id), soci::into(row.entry.update_id), soci::into(row.entry.payload),
       soci::into(row.received_at), soci::into(replied), soci::into(row.claimed_by),
       soci::into(row.claimed_at), soci::use(platform, "p"), soci::use(claimer, "me"),
       soci::use(cutoff, "cutoff"), soci::use(limit, "lim"));
  st.execute();
  while (st.fetch()) {
    row.entry.replied = replied != 0;
    row.entry.received_at = row.received_at;
    rows.push_back(row);
  }
  return rows;
}

} // namespace

inbox_add_statement::inbox_add_statement(soci::session& sql)
  : st((sql.prepare << hot_sql::inbox_add,
        soci::use(platform, "p"), soci::use(update_id, "u"), soci::use(payload, "body"),
        soci::use(at, "now"), soci::use(me, "me"))) {
}

inbox_mark_statements::inbox_mark_statements(soci::session& sql)
  : replied((sql.prepare << hot_sql::inbox_replied, soci::use(platform, "p"),
             soci::use(update_id, "u"))),
    done((sql.prepare << hot_sql::inbox_done,
          soci::use(at, "now"), soci::use(platform, "p"), soci::use(update_id, "u"))) {
}

result<std::vector<std::string>> store::inbox_add(const std::vector<inbox_entry>& entries,
                                                  std::string_view claimer, std::int64_t now) {
  using res = result<std::vector<std::string>>;
  return impl_->guard("inbox_add", [&]() -> res {
    auto& sql = impl_->sql;
    std::vector<std::string> fresh;
    if (entries.empty())
      return fresh;
    if (!impl_->inbox_insert)
      impl_->inbox_insert = std::make_unique<inbox_add_statement>(sql);
    auto& ins = *impl_->inbox_insert;
    ins.me.assign(claimer);
    ins.at = now;
    auto add = [&](const inbox_entry& e) {
      ins.platform = to_string(e.platform);
      ins.update_id = e.update_id;
      ins.payload = e.payload;
      ins.st.execute(true);
      if (ins.st.get_affected_rows() > 0)
        fresh.push_back(e.update_id);
    };
    // A webhook's one update is one statement, committed on its own: one
    // round trip. A batch (a poll's hundred updates) is one transaction:
    // one commit, one flush, not a hundred.
    if (entries.size() == 1) {
      add(entries.front());
      return fresh;
    }
    detail::write_transaction tr{sql, impl_->backend};
    for (auto& e : entries)
      add(e);
    tr.commit();
    return fresh;
  });
}

result<bool> store::inbox_add(const inbox_entry& entry, std::string_view claimer,
                              std::int64_t now) {
  auto fresh = inbox_add(std::vector<inbox_entry>{entry}, claimer, now);
  if (!fresh)
    return fresh.error();
  return !fresh.value().empty();
}

result<std::vector<inbox_entry>> store::inbox_claim(platform_kind platform,
                                                    std::string_view claimer, std::int64_t now,
                                                    std::int64_t lease_seconds,
                                                    std::int64_t limit) {
  using res = result<std::vector<inbox_entry>>;
  return impl_->guard("inbox_claim", [&]() -> res {
    auto& sql = impl_->sql;
    std::string p{to_string(platform)};
    std::string me{claimer};
    long long at = now;
    long long cutoff = now - lease_seconds;
    long long lim = std::max<std::int64_t>(0, limit);
    // Renewing locks every unfinished row of ours. On PostgreSQL it takes
    // them in update-id order, the order a batch of marks takes them in
    // (inbox_mark): two orders on two connections deadlocked under load.
    const char* renew
      = impl_->backend == backend_kind::postgresql
          ? "UPDATE update_inbox SET claimed_at = :now WHERE id IN (SELECT id FROM update_inbox"
            " WHERE claimed_by = :me AND done_at = 0"
            " ORDER BY platform, update_id COLLATE \"C\" FOR UPDATE)"
          : "UPDATE update_inbox SET claimed_at = :now WHERE claimed_by = :me AND done_at = 0";
    sql << renew, soci::use(at, "now"), soci::use(me, "me");
    std::vector<inbox_entry> out;
    for (auto& row : stale_rows(sql, p, me, cutoff, lim)) {
      // Compare-and-set on the claim we read: when another process took the
      // row since, nothing changes and the row is not ours.
      auto n = execute_counting(sql,
                                "UPDATE update_inbox SET claimed_by = :me, claimed_at = :now"
                                " WHERE id = :id AND done_at = 0 AND claimed_by = :old"
                                " AND claimed_at = :old_at",
                                soci::use(me, "me"), soci::use(at, "now"),
                                soci::use(row.id, "id"), soci::use(row.claimed_by, "old"),
                                soci::use(row.claimed_at, "old_at"));
      if (n > 0) {
        row.entry.platform = platform;
        out.push_back(std::move(row.entry));
      }
    }
    return out;
  });
}

result<std::int64_t> store::inbox_mark(platform_kind platform,
                                       const std::vector<std::string>& replied,
                                       const std::vector<std::string>& done, std::int64_t now) {
  return impl_->guard("inbox_mark", [&]() -> result<std::int64_t> {
    auto& sql = impl_->sql;
    long long changed = 0;
    // One transaction for every mark gathered while the previous batch was
    // on its way (see inbox_claimer). Rows are taken in update-id order (as
    // renewing a lease takes them: see inbox_claim), each with its replied
    // mark before its done mark, so a row both replied and done in one batch
    // ends both.
    std::map<std::string_view, std::pair<bool, bool>> rows;
    for (auto& id : replied)
      rows[id].first = true;
    for (auto& id : done)
      rows[id].second = true;
    if (rows.empty())
      return changed;
    if (!impl_->inbox_marks)
      impl_->inbox_marks = std::make_unique<inbox_mark_statements>(sql);
    auto& marks = *impl_->inbox_marks;
    marks.platform = to_string(platform);
    marks.at = now;
    auto apply = [&changed](soci::statement& st) {
      st.execute(true);
      changed += st.get_affected_rows();
    };
    auto mark = [&](std::string_view id, std::pair<bool, bool> which) {
      marks.update_id = id;
      if (which.first)
        apply(marks.replied);
      if (which.second)
        apply(marks.done);
    };
    // One mark is one statement, committed on its own (one round trip).
    if (rows.size() == 1 && !(rows.begin()->second.first && rows.begin()->second.second)) {
      mark(rows.begin()->first, rows.begin()->second);
      return static_cast<std::int64_t>(changed);
    }
    detail::write_transaction tr{sql, impl_->backend};
    for (auto& [id, which] : rows)
      mark(id, which);
    tr.commit();
    return static_cast<std::int64_t>(changed);
  });
}

result<void> store::inbox_mark(platform_kind platform, std::string_view update_id,
                               lastgram::inbox_mark which, std::int64_t now) {
  std::vector<std::string> one{std::string{update_id}};
  auto changed = which == lastgram::inbox_mark::replied ? inbox_mark(platform, one, {}, now)
                                                        : inbox_mark(platform, {}, one, now);
  if (!changed)
    return changed.error();
  if (changed.value() == 0)
    return not_found("inbox_mark: no such update");
  return {};
}

result<std::optional<inbox_holder>> store::inbox_owner(platform_kind platform,
                                                      std::string_view update_id) {
  using res = result<std::optional<inbox_holder>>;
  return impl_->guard("inbox_owner", [&]() -> res {
    std::string p{to_string(platform)};
    std::string u{update_id};
    inbox_holder holder;
    long long done_at = 0;
    impl_->sql << "SELECT claimed_by, done_at FROM update_inbox"
                  " WHERE platform = :p AND update_id = :u",
      soci::into(holder.claimed_by), soci::into(done_at), soci::use(p, "p"),
      soci::use(u, "u");
    if (!impl_->sql.got_data())
      return std::optional<inbox_holder>{};
    holder.done = done_at > 0;
    return std::optional<inbox_holder>{std::move(holder)};
  });
}

result<std::int64_t> store::inbox_prune(std::int64_t done_before) {
  return impl_->guard("inbox_prune", [&]() -> result<std::int64_t> {
    long long before = done_before;
    return static_cast<std::int64_t>(
      execute_counting(impl_->sql,
                       "DELETE FROM update_inbox WHERE done_at > 0 AND done_at <= :before",
                       soci::use(before, "before")));
  });
}

result<std::int64_t> store::inbox_pending(platform_kind platform) {
  return impl_->guard("inbox_pending", [&]() -> result<std::int64_t> {
    std::string p{to_string(platform)};
    long long count = 0;
    impl_->sql << "SELECT COUNT(*) FROM update_inbox WHERE done_at = 0 AND platform = :p",
      soci::into(count), soci::use(p, "p");
    return static_cast<std::int64_t>(count);
  });
}

result<std::vector<inbox_entry>> store::inbox_unfinished(platform_kind platform) {
  return impl_->guard("inbox_unfinished", [&]() -> result<std::vector<inbox_entry>> {
    std::string p{to_string(platform)};
    std::vector<inbox_entry> out;
    inbox_entry row;
    row.platform = platform;
    long long received = 0;
    int replied = 0;
    soci::statement st = (impl_->sql.prepare
                            << "SELECT update_id, payload, received_at, replied FROM update_inbox"
                               " WHERE done_at = 0 AND platform = :p ORDER BY id",
                          soci::into(row.update_id), soci::into(row.payload),
                          soci::into(received), soci::into(replied), soci::use(p, "p"));
    st.execute();
    while (st.fetch()) {
      row.received_at = received;
      row.replied = replied != 0;
      out.push_back(row);
    }
    return out;
  });
}

} // namespace lastgram::database
