#include "actors/command/guards.hpp"

namespace lastgram::command {

std::optional<guard_failure> check_guards(std::uint16_t guards,
                                          const guard_facts& f) {
  auto fail = [](const char* key, std::string name = {}) {
    return std::optional<guard_failure>{guard_failure{key, std::move(name)}};
  };
  if ((guards & guard_developer) && !f.is_developer)
    return fail("guard.developer");
  if ((guards & guard_only_dms) && !f.is_private)
    return fail("guard.only_dms");
  if ((guards & guard_no_dms) && f.is_private)
    return fail("guard.no_dms");
  if ((guards & guard_group_admin) && !f.is_developer && !f.is_private && !f.is_group_admin)
    return fail("guard.group_admin");
  if ((guards & guard_targeted) && !f.replies_to_user)
    return fail("guard.targeted");
  bool about_target = f.replies_to_user
                      && (guards & (guard_targeted | guard_targetable));
  if (about_target && (!f.target_registered || f.target_banned))
    return fail("guard.target_not_registered", f.target_name);
  bool needs_author = (guards & (guard_registered | guard_linked
                                 | guard_crowns_enabled))
                      || ((guards & guard_targetable) && !f.replies_to_user);
  if (needs_author) {
    if (f.author_banned)
      return fail("guard.banned");
    if (!f.author_registered)
      return fail("guard.registered");
  }
  if ((guards & guard_linked) && !f.author_linked)
    return fail("guard.linked");
  if ((guards & guard_crowns_enabled) && f.author_crown_banned)
    return fail("guard.crowns_banned");
  return std::nullopt;
}

} // namespace lastgram::command
