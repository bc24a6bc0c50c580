#pragma once

#include <exception>
#include <string>

#include "caf/error.hpp"
#include "caf/scheduled_actor.hpp"
#include "caf/sec.hpp"

namespace lastgram {

/// Makes an actor that throws die with `sec::runtime_error` *and* the
/// exception's text, instead of CAF's default handler that prints to stderr
/// and loses what() (see reference/caf-0.17.md §2). Supervisors log the text
/// and count the restart.
inline void keep_exception_text(caf::scheduled_actor* self) {
  self->set_exception_handler(
    [](caf::scheduled_actor*, std::exception_ptr& ep) -> caf::error {
      try {
        std::rethrow_exception(ep);
      } catch (const std::exception& e) {
        return caf::make_error(caf::sec::runtime_error, std::string{e.what()});
      } catch (...) {
        return caf::make_error(caf::sec::runtime_error,
                               std::string{"non-standard exception"});
      }
    });
}

} // namespace lastgram
