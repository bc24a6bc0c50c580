#include "actors/translation/engine.hpp"

#include "caf/all.hpp"

#include "actors/logging/log.hpp"
#include "actors/support/exceptions.hpp"
#include "actors/support/thread_name.hpp"
#include "actors/translation/catalogs.hpp"
#include "i18n/catalog.hpp"

namespace lastgram::translation {

namespace {

struct engine_state {
  std::shared_ptr<i18n::catalog> texts;
  i18n_settings settings;
  static inline const char* name = "translation_engine";
};

using engine_pointer = translation_actor::stateful_pointer<engine_state>;

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items)
    out += (out.empty() ? "" : ",") + item;
  return out;
}

reload_outcome reload(engine_state& st) {
  reload_outcome out;
  auto before = st.texts->languages();
  auto next = load_checked(st.settings.dir, st.settings.default_language);
  out.error = reload_refusal(next, before);
  if (!out.error.empty()) {
    out.languages = std::move(before);
    log::error("translation", "reload refused, keeping the current translations",
               {{"dir", st.settings.dir}, {"error", out.error}});
    return out;
  }
  st.texts->replace(*next.value);
  out.ok = true;
  out.languages = st.texts->languages();
  log::info("translation", "translations reloaded",
            {{"dir", st.settings.dir}, {"languages", joined(out.languages)}});
  return out;
}

translation_actor::behavior_type engine_impl(engine_pointer self,
                                             std::shared_ptr<i18n::catalog> texts,
                                             i18n_settings settings) {
  name_thread("lg.translation");
  keep_exception_text(self);
  self->state.texts = std::move(texts);
  self->state.settings = std::move(settings);
  log::info("translation", "serving translations",
            {{"dir", self->state.settings.dir},
             {"languages", joined(self->state.texts->languages())}});
  return {
    [self](reload_atom) { return reload(self->state); },
    [self](languages_atom) { return self->state.texts->languages(); },
  };
}

} // namespace

translation_actor spawn_engine(caf::local_actor* parent, std::shared_ptr<i18n::catalog> texts,
                               i18n_settings settings) {
  return parent->spawn<caf::detached>(engine_impl, std::move(texts), std::move(settings));
}

} // namespace lastgram::translation
