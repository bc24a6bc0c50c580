#pragma once

/// The one type-ID block of every message type that travels between actors,
/// so each can be printed and sent to another node. Register with
/// `cfg.add_message_types<caf::id_block::lastgram>()`.

#include "caf/type_id.hpp"

#include "messages/command.hpp"
#include "messages/model.hpp"

CAF_BEGIN_TYPE_ID_BLOCK(lastgram, caf::first_custom_type_id)

  CAF_ADD_TYPE_ID(lastgram, (lastgram::incoming_message))
  CAF_ADD_TYPE_ID(lastgram, (lastgram::outgoing_reply))
  CAF_ADD_TYPE_ID(lastgram, (lastgram::command_result))
  CAF_ADD_TYPE_ID(lastgram, (lastgram::command_stats))

CAF_END_TYPE_ID_BLOCK(lastgram)
