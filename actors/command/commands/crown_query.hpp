#pragma once

/// What the crown commands share: one crown query to the database for the
/// chat's group, answered with the formatted text.

#include <functional>
#include <string>

#include "actors/command/context.hpp"
#include "messages/groups.hpp"

namespace lastgram::command::groups {

/// A crown request for the run's group (and `user`, a platform id).
crown_request crown_request_for(const context& ctx, crown_query what, std::string user = {});

/// Sends `req` and replies with what `render` makes of the answer (the run
/// is deferred here and finished after the reply or an error).
void ask_crowns(context& ctx, crown_request req,
                std::function<outgoing_reply(context&, crown_answer&)> render);

} // namespace lastgram::command::groups
