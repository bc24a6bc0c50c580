// The taste score: weighted overlap of play shares, and its tiers.

#include <catch2/catch.hpp>

#include "actors/command/commands/compat_score.hpp"

using namespace lastgram;
using namespace lastgram::command::music;

namespace {

fm::top_item artist(std::string name, std::int64_t plays) {
  fm::top_item x;
  x.name = std::move(name);
  x.playcount = plays;
  return x;
}

} // namespace

TEST_CASE("identical shares score 100 whatever the volume", "[compat]") {
  auto r = compare_tastes({artist("Queen", 10), artist("Blur", 30)},
                          {artist("queen", 100), artist("Blur", 300)});
  CHECK(r.percent == Approx(100));
  REQUIRE(r.shared.size() == 2);
  CHECK(r.shared[0].name == "Blur"); // 75% of both: the biggest contribution
  CHECK(r.shared[0].mine == 30);
  CHECK(r.shared[0].theirs == 300);
  CHECK(tier_key(r.percent) == "compat.tier.soulmates");
}

TEST_CASE("nothing in common scores 0 and an empty list scores 0", "[compat]") {
  auto r = compare_tastes({artist("Queen", 10)}, {artist("Blur", 10)});
  CHECK(r.percent == Approx(0));
  CHECK(r.shared.empty());
  CHECK(tier_key(r.percent) == "compat.tier.very_low");
  CHECK(compare_tastes({}, {artist("Blur", 10)}).percent == Approx(0));
}

TEST_CASE("a shared artist counts as much as the lighter share", "[compat]") {
  // Mine: Queen 50%, Blur 50%. Theirs: Queen 10%, Muse 90%. Overlap: 10%.
  auto r = compare_tastes({artist("Queen", 5), artist("Blur", 5)},
                          {artist("Queen", 1), artist("Muse", 9)});
  CHECK(r.percent == Approx(10));
  CHECK(tier_key(r.percent) == "compat.tier.low");
  CHECK(tier_key(12) == "compat.tier.medium");
  CHECK(tier_key(25) == "compat.tier.high");
  CHECK(tier_key(40) == "compat.tier.very_high");
}
