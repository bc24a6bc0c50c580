// Migration 9: crown counters kept by the database itself, so /crownsinfo
// reads a handful of index entries instead of every crown of the group.
//
// `group_crown_holders` counts, per group, entity kind and user, the crowns
// the user holds now; `crowns.holder_plays` is the current holder's count
// (NULL while nobody holds the crown). Triggers keep both in step with
// `crown_holders` (a holding opened, closed, moved or refreshed, a user's
// holdings cascading away with the user) and with `crowns` (a crown moved to
// another group or entity, a crown deleted). The trigger bodies are the same
// statements on both backends: a SQLite trigger runs them directly, a
// PostgreSQL trigger through a PL/pgSQL function. No statement holds a colon:
// SOCI would take it for a bound parameter.

#include "actors/database/migrations.hpp"

#include <string>
#include <vector>

namespace lastgram::database {

namespace {

// The (group, kind) of the crown `crown` (an SQL expression, e.g.
// OLD.crown_id) as two scalar subqueries.
std::string group_of(const std::string& crown) {
  return "(SELECT c.group_id FROM crowns c WHERE c.id = " + crown + ")";
}

std::string kind_of_crown(const std::string& crown) {
  return "(SELECT e.kind FROM crowns c JOIN entities e ON e.id = c.entity_id WHERE c.id = "
         + crown + ")";
}

// One crown less for (group, kind, user), the row dropped at zero; `when`
// guards both statements.
std::vector<std::string> count_down(const std::string& group, const std::string& kind,
                                    const std::string& user, const std::string& when) {
  std::string key = " WHERE group_id = " + group + " AND kind = " + kind + " AND user_id = "
                    + user;
  return {
    "UPDATE group_crown_holders SET crowns = crowns - 1" + key + " AND " + when,
    "DELETE FROM group_crown_holders" + key + " AND crowns <= 0",
  };
}

// One crown more for the rows `select` yields (group_id, kind, user_id).
std::string count_up(const std::string& select) {
  return "INSERT INTO group_crown_holders (group_id, kind, user_id, crowns) " + select
         + " ON CONFLICT (group_id, kind, user_id)"
           " DO UPDATE SET crowns = group_crown_holders.crowns + 1";
}

std::string count_up_holding(const std::string& when) {
  return count_up("SELECT c.group_id, e.kind, NEW.user_id, 1 FROM crowns c"
                  " JOIN entities e ON e.id = c.entity_id WHERE c.id = NEW.crown_id AND "
                  + when);
}

std::vector<std::string> count_down_holding(const std::string& when) {
  auto out = count_down(group_of("OLD.crown_id"), kind_of_crown("OLD.crown_id"), "OLD.user_id",
                        when);
  out.push_back("UPDATE crowns SET holder_plays = NULL WHERE id = OLD.crown_id AND " + when);
  return out;
}

struct trigger_spec {
  std::string name;
  /// e.g. "AFTER INSERT ON crown_holders".
  std::string event;
  std::string when;
  std::vector<std::string> body;
  /// PostgreSQL: what the function returns (OLD lets a BEFORE DELETE go on).
  std::string returns = "NULL";
};

// The DDL of one trigger on both backends.
void add_trigger(std::vector<std::string>& out, const trigger_spec& t) {
  std::string sqlite = "{sqlite}CREATE TRIGGER " + t.name + " " + t.event
                       + " FOR EACH ROW WHEN " + t.when + " BEGIN ";
  std::string pg = "{postgresql}CREATE FUNCTION " + t.name
                   + "_fn() RETURNS trigger LANGUAGE plpgsql AS $body$ BEGIN ";
  for (const auto& s : t.body) {
    sqlite += s + "; ";
    pg += s + "; ";
  }
  out.push_back(sqlite + "END");
  out.push_back(pg + "RETURN " + t.returns + "; END $body$");
  out.push_back("{postgresql}CREATE TRIGGER " + t.name + " " + t.event + " FOR EACH ROW WHEN ("
                + t.when + ") EXECUTE FUNCTION " + t.name + "_fn()");
}

std::vector<std::string> concat(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

void add_holding_triggers(std::vector<std::string>& out) {
  add_trigger(out, {"crown_holders_count_insert", "AFTER INSERT ON crown_holders",
                    "NEW.is_current = 1",
                    {count_up_holding("1 = 1"),
                     "UPDATE crowns SET holder_plays = NEW.playcount WHERE id = NEW.crown_id"}});
  // A holding that stays the same holding (same user, same crown, still
  // current) only refreshes holder_plays; anything else closes the old one
  // and opens the new one.
  std::string same = "(OLD.is_current = 1 AND NEW.is_current = 1 AND OLD.user_id = NEW.user_id"
                     " AND OLD.crown_id = NEW.crown_id)";
  add_trigger(out,
              {"crown_holders_count_update", "AFTER UPDATE ON crown_holders",
               "OLD.is_current <> NEW.is_current OR OLD.user_id <> NEW.user_id"
               " OR OLD.crown_id <> NEW.crown_id OR OLD.playcount <> NEW.playcount",
               concat(count_down_holding("OLD.is_current = 1 AND NOT " + same),
                      {count_up_holding("NEW.is_current = 1 AND NOT " + same),
                       "UPDATE crowns SET holder_plays = NEW.playcount"
                       " WHERE id = NEW.crown_id AND NEW.is_current = 1"})});
  // A user's deletion cascades here while the crowns stay. A crown's
  // deletion cascades here too, but the crown row is gone by then on both
  // backends, so these statements find nothing: crowns_count_delete
  // counted it down before.
  add_trigger(out, {"crown_holders_count_delete", "AFTER DELETE ON crown_holders",
                    "OLD.is_current = 1", count_down_holding("1 = 1")});
}

void add_crown_triggers(std::vector<std::string>& out) {
  std::string holder = "(SELECT h.user_id FROM crown_holders h WHERE h.crown_id = OLD.id"
                       " AND h.is_current = 1)";
  // A supergroup migration moves crowns to another group; an artist
  // correction moves them to the canonical entity.
  add_trigger(out, {"crowns_count_move", "AFTER UPDATE OF group_id, entity_id ON crowns",
                    "OLD.group_id <> NEW.group_id OR OLD.entity_id <> NEW.entity_id",
                    concat(count_down("OLD.group_id",
                                      "(SELECT e.kind FROM entities e WHERE e.id = OLD.entity_id)",
                                      holder, "1 = 1"),
                           {count_up("SELECT NEW.group_id, e.kind, h.user_id, 1 FROM crown_holders h"
                                     " JOIN entities e ON e.id = NEW.entity_id"
                                     " WHERE h.crown_id = NEW.id AND h.is_current = 1")})});
  // Before the row goes, while its holding and entity are still there (the
  // cascade to crown_holders comes after the row is gone). The store never
  // deletes a held crown; a group's deletion takes its counters by cascade.
  add_trigger(out, {"crowns_count_delete", "BEFORE DELETE ON crowns",
                    "OLD.holder_plays IS NOT NULL",
                    count_down("OLD.group_id",
                               "(SELECT e.kind FROM entities e WHERE e.id = OLD.entity_id)", holder,
                               "1 = 1"),
                    "OLD"});
}

} // namespace

std::vector<std::string> crown_counter_recount() {
  return {
    "DELETE FROM group_crown_holders",
    "INSERT INTO group_crown_holders (group_id, kind, user_id, crowns)"
    " SELECT c.group_id, e.kind, h.user_id, COUNT(*) FROM crown_holders h"
    " JOIN crowns c ON c.id = h.crown_id JOIN entities e ON e.id = c.entity_id"
    " WHERE h.is_current = 1 GROUP BY c.group_id, e.kind, h.user_id",
    "UPDATE crowns SET holder_plays = (SELECT h.playcount FROM crown_holders h"
    " WHERE h.crown_id = crowns.id AND h.is_current = 1)",
  };
}

migration crown_counters() {
  migration m{9, "crown counters for the crown board", {}};
  auto& s = m.statements;
  s.push_back("{postgresql}SET LOCAL statement_timeout = 0");
  s.push_back("CREATE TABLE group_crown_holders ("
              " group_id BIGINT NOT NULL REFERENCES groups (id) ON DELETE CASCADE,"
              " kind TEXT NOT NULL,"
              " user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,"
              " crowns BIGINT NOT NULL,"
              " PRIMARY KEY (group_id, kind, user_id))");
  s.push_back("CREATE INDEX group_crown_holders_by_user ON group_crown_holders (user_id)");
  s.push_back("ALTER TABLE crowns ADD COLUMN holder_plays BIGINT");
  // The board's "5 by plays" and "5 most switched": the first entries of a
  // group's held crowns in each order, read from the index alone.
  s.push_back("CREATE INDEX crowns_held_by_plays ON crowns (group_id, holder_plays DESC, id)"
              " WHERE holder_plays IS NOT NULL");
  s.push_back("CREATE INDEX crowns_held_by_switches ON crowns"
              " (group_id, switched_times DESC, id) WHERE holder_plays IS NOT NULL");
  // A crown's holdings (its history, a merge of two crowns) without a scan.
  s.push_back("CREATE INDEX crown_holders_by_crown ON crown_holders (crown_id, since)");
  // The triggers count the holdings written from here on; the backfill
  // counts the ones already there.
  add_holding_triggers(s);
  add_crown_triggers(s);
  for (auto& stmt : crown_counter_recount())
    s.push_back(std::move(stmt));
  return m;
}

} // namespace lastgram::database
