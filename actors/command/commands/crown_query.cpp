#include "actors/command/commands/crown_query.hpp"

#include <utility>

#include "caf/event_based_actor.hpp"

namespace lastgram::command::groups {

crown_request crown_request_for(const context& ctx, crown_query what, std::string user) {
  crown_request req;
  req.what = what;
  req.platform = ctx.message().platform;
  req.group_id = ctx.message().chat.id;
  req.user_id = std::move(user);
  return req;
}

void ask_crowns(context& ctx, crown_request req,
                std::function<outgoing_reply(context&, crown_answer&)> render) {
  ctx.defer();
  auto run = ctx;
  ctx.self()
    ->request(ctx.database(), ctx.engine_timeout(), crowns_atom::value, std::move(req))
    .then(
      [run, render = std::move(render)](crown_answer& a) mutable {
        run.reply(render(run, a));
        run.finish();
      },
      [run](caf::error& err) mutable { run.reply_error(err); });
}

} // namespace lastgram::command::groups
