#pragma once
// The actor system configuration of the actor tests: two scheduler threads
// (the CI machine's cores), every lastgram message type and error category.

#include <caf/all.hpp>

#include "messages/errors.hpp"
#include "messages/type_ids.hpp"

namespace lastgram::test {

struct test_config : caf::actor_system_config {
  test_config() {
    set("scheduler.max-threads", size_t{2});
    add_message_types<caf::id_block::lastgram>();
    add_error_categories(*this);
  }
};

} // namespace lastgram::test
