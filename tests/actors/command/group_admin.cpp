// guard_group_admin: what counts as a group administrator on each platform,
// the per-node cache of Telegram's answers, and the developer bypass.

#include <catch2/catch.hpp>

#include <chrono>
#include <string>

#include "actors/command/group_admin.hpp"
#include "actors/command/guards.hpp"

using namespace lastgram::command;
using namespace std::chrono_literals;

TEST_CASE("telegram creators and administrators are group admins", "[command][guards][admin]") {
  CHECK(telegram_status_is_admin("creator"));
  CHECK(telegram_status_is_admin("administrator"));
  for (auto status : {"member", "restricted", "left", "kicked", "", "Administrator"})
    CHECK_FALSE(telegram_status_is_admin(status));
}

TEST_CASE("the group admin guard refuses a member and passes admins and developers",
          "[command][guards][admin]") {
  guard_facts member;
  member.is_private = false;
  auto refused = check_guards(guard_no_dms | guard_group_admin, member);
  REQUIRE(refused);
  CHECK(refused->key == "guard.group_admin");

  auto admin = member;
  admin.is_group_admin = true;
  CHECK_FALSE(check_guards(guard_no_dms | guard_group_admin, admin));

  // Developers always pass, admin or not.
  auto dev = member;
  dev.is_developer = true;
  CHECK_FALSE(check_guards(guard_no_dms | guard_group_admin, dev));

  // A private chat has no administrators to ask: /config there is the
  // user's own menu.
  guard_facts in_private;
  in_private.is_private = true;
  CHECK_FALSE(check_guards(guard_group_admin, in_private));
  // The chat kind is checked first.
  CHECK(check_guards(guard_no_dms | guard_group_admin, in_private)->key == "guard.no_dms");
}

TEST_CASE("the admin guard is checked before the reply target", "[command][guards][admin]") {
  // A non-admin learns nothing about whom they replied to.
  guard_facts f;
  f.replies_to_user = true;
  f.target_registered = false;
  f.target_name = "Bob";
  auto refused = check_guards(guard_group_admin | guard_targeted, f);
  REQUIRE(refused);
  CHECK(refused->key == "guard.group_admin");
}

TEST_CASE("the admin cache remembers an answer until its ttl", "[command][guards][admin]") {
  admin_cache cache{60s};
  auto t0 = admin_cache::clock_type::time_point{} + 1h;
  auto key = admin_cache::key("telegram", "-100123", "42");
  CHECK(key == "telegram:-100123:42");
  CHECK_FALSE(cache.find(key, t0));
  cache.put(key, true, t0);
  REQUIRE(cache.find(key, t0 + 59s));
  CHECK(*cache.find(key, t0 + 59s));
  // Another user, or the same user in another group, is another question.
  CHECK_FALSE(cache.find(admin_cache::key("telegram", "-100123", "43"), t0));
  CHECK_FALSE(cache.find(admin_cache::key("telegram", "-100999", "42"), t0));
  // Expired: asked again (a demoted admin loses the rights within a minute).
  CHECK_FALSE(cache.find(key, t0 + 60s));
  cache.put(key, false, t0 + 60s);
  REQUIRE(cache.find(key, t0 + 61s));
  CHECK_FALSE(*cache.find(key, t0 + 61s));
}

TEST_CASE("a full admin cache stays bounded", "[command][guards][admin]") {
  admin_cache cache{60s, 3};
  auto t0 = admin_cache::clock_type::time_point{} + 1h;
  cache.put("a", true, t0);
  cache.put("b", true, t0);
  cache.put("c", true, t0 + 30s);
  // Full: what expired goes first; the fresh entries stay.
  cache.put("d", false, t0 + 70s);
  CHECK(cache.size() == 2);
  CHECK(cache.find("c", t0 + 70s));
  CHECK(cache.find("d", t0 + 70s));
  // Full of live entries: dropped rather than grown.
  cache.put("e", true, t0 + 71s);
  cache.put("f", true, t0 + 72s);
  CHECK(cache.size() <= 3);
  CHECK(cache.find("f", t0 + 72s));
}
