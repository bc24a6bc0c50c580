// The message keys the command registry builds at run time: every listed
// command's description ("desc.<name>", for /help and the platforms' menus),
// every argument's name ("args.<name>", for usage lines) and the messages
// arguments of the wrong kind are answered with. Taken from the
// registry itself, so a new command or argument is checked without a list
// to update. Literal keys in the source are checked by tests/i18n/keys.cpp.

#include <catch2/catch.hpp>

#include <set>
#include <string>

#include "actors/command/commands/builtin.hpp"
#include "actors/command/registry.hpp"
#include "i18n/catalog.hpp"
#include "i18n/temp_locales.hpp"
#include "i18n/translated.hpp"

using namespace lastgram;

TEST_CASE("every command's description and argument names are in every locale",
          "[command][i18n]") {
  command::registry reg;
  command::add_all_commands(reg);
  std::set<std::string> keys;
  for (const auto& spec : reg.all()) {
    // What /help and the platforms' menus show.
    if (command::listed(*spec))
      keys.insert(command::description_key(*spec));
    // Usage lines name every command's arguments, listed or not; a value of
    // the wrong kind may have its own message.
    for (const auto& arg : spec->args) {
      keys.insert("args." + arg.name);
      if (!arg.invalid_key.empty())
        keys.insert(arg.invalid_key);
    }
  }
  // The registry really holds the node's commands.
  CHECK(reg.all().size() >= 10);
  for (auto known : {"desc.help", "desc.listening", "args.username"})
    CHECK(keys.count(known) == 1);

  auto loaded = i18n::catalog::load(i18n::test::real_locales());
  INFO(loaded.error);
  REQUIRE(loaded);
  auto messages = i18n::test::read_locales(i18n::test::real_locales());
  for (const auto& key : keys)
    i18n::test::check_translated(*loaded.value, messages, key);
}
