#pragma once

/// The one type-ID block of every message type that travels between actors,
/// so each can be printed and sent to another node. Register with
/// `cfg.add_message_types<caf::id_block::lastgram>()`.

#include "caf/type_id.hpp"

#include "messages/cache.hpp"
#include "messages/cluster.hpp"
#include "messages/command.hpp"
#include "messages/database.hpp"
#include "messages/diag.hpp"
#include "messages/event.hpp"
#include "messages/fm_engine.hpp"
#include "messages/image.hpp"
#include "messages/indexer.hpp"
#include "messages/logging.hpp"
#include "messages/lyrics.hpp"
#include "messages/model.hpp"
#include "messages/translation.hpp"
#include "messages/telegram.hpp"
#include "messages/discord_gateway.hpp"

CAF_BEGIN_TYPE_ID_BLOCK(lastgram, caf::first_custom_type_id)

  CAF_ADD_TYPE_ID(lastgram, (lastgram::incoming_message))
  CAF_ADD_TYPE_ID(lastgram, (lastgram::outgoing_reply))
  CAF_ADD_TYPE_ID(lastgram, (lastgram::command_result))
  CAF_ADD_TYPE_ID(lastgram, (lastgram::command_stats))
  CAF_ADD_TYPE_ID(lastgram, (lastgram::button_command))
  CAF_ADD_TYPE_ID(lastgram, (lastgram::platform_kind))
  CAF_ADD_TYPE_ID(lastgram, (lastgram::chat_kind))
  CAF_ADD_TYPE_ID(lastgram, (lastgram::user_record))
  CAF_ADD_TYPE_ID(lastgram, (lastgram::group_record))
  CAF_ADD_TYPE_ID(lastgram, (lastgram::user_lookup))
  CAF_ADD_TYPE_ID(lastgram, (lastgram::guard_users))
  CAF_ADD_TYPE_ID(lastgram, (lastgram::user_setting))
  CAF_ADD_TYPE_ID(lastgram, (lastgram::cache_value))
  CAF_ADD_TYPE_ID(lastgram, (lastgram::recent_query))
  CAF_ADD_TYPE_ID(lastgram, (lastgram::top_query))
  CAF_ADD_TYPE_ID(lastgram, (lastgram::entity_query))
  CAF_ADD_TYPE_ID(lastgram, (lastgram::love_query))
  CAF_ADD_TYPE_ID(lastgram, (lastgram::fm::user_info))
  CAF_ADD_TYPE_ID(lastgram, (lastgram::fm::recent_tracks))
  CAF_ADD_TYPE_ID(lastgram, (lastgram::fm::top_list))
  CAF_ADD_TYPE_ID(lastgram, (lastgram::fm::artist_info))
  CAF_ADD_TYPE_ID(lastgram, (lastgram::fm::album_info))
  CAF_ADD_TYPE_ID(lastgram, (lastgram::fm::track_info))
  CAF_ADD_TYPE_ID(lastgram, (lastgram::fm::similar_artists))
  CAF_ADD_TYPE_ID(lastgram, (lastgram::fm::auth_token))
  CAF_ADD_TYPE_ID(lastgram, (lastgram::fm::auth_session))
  CAF_ADD_TYPE_ID(lastgram, (lastgram::fm::write_ack))
  CAF_ADD_TYPE_ID(lastgram, (lastgram::button_press))
  CAF_ADD_TYPE_ID(lastgram, (lastgram::press_result))
  CAF_ADD_TYPE_ID(lastgram, (lastgram::member_gossip))
  CAF_ADD_TYPE_ID(lastgram, (lastgram::cluster_view))
  CAF_ADD_TYPE_ID(lastgram, (lastgram::node_snapshot))
  CAF_ADD_TYPE_ID(lastgram, (lastgram::diag_report))
  CAF_ADD_TYPE_ID(lastgram, (lastgram::log_stats))
  CAF_ADD_TYPE_ID(lastgram, (std::vector<lastgram::problem_line>))
  CAF_ADD_TYPE_ID(lastgram, (lastgram::reload_outcome))
  CAF_ADD_TYPE_ID(lastgram, (lastgram::telegram::parsed_update))
  CAF_ADD_TYPE_ID(lastgram, (lastgram::discord::gateway_shard_stats))
  CAF_ADD_TYPE_ID(lastgram, (lastgram::lyrics_query))
  CAF_ADD_TYPE_ID(lastgram, (lastgram::lyrics_result))
  CAF_ADD_TYPE_ID(lastgram, (lastgram::inbox_entry))
  CAF_ADD_TYPE_ID(lastgram, (std::vector<lastgram::inbox_entry>))
  CAF_ADD_TYPE_ID(lastgram, (lastgram::inbox_mark))
  CAF_ADD_TYPE_ID(lastgram, (lastgram::collage_request))
  CAF_ADD_TYPE_ID(lastgram, (lastgram::collage_image))
  CAF_ADD_TYPE_ID(lastgram, (lastgram::who_knows_request))
  CAF_ADD_TYPE_ID(lastgram, (lastgram::who_knows_answer))
  CAF_ADD_TYPE_ID(lastgram, (lastgram::crown_request))
  CAF_ADD_TYPE_ID(lastgram, (lastgram::crown_answer))
  CAF_ADD_TYPE_ID(lastgram, (lastgram::member_change))
  CAF_ADD_TYPE_ID(lastgram, (lastgram::index_request_result))
  CAF_ADD_TYPE_ID(lastgram, (lastgram::index_progress))
  CAF_ADD_TYPE_ID(lastgram, (lastgram::indexed_plays_query))
  CAF_ADD_TYPE_ID(lastgram, (lastgram::fm::artist_correction))
  CAF_ADD_TYPE_ID(lastgram, (lastgram::entity_kind))

  CAF_ADD_TYPE_ID(lastgram, (lastgram::group_config))
  CAF_ADD_TYPE_ID(lastgram, (lastgram::group_setting))
CAF_END_TYPE_ID_BLOCK(lastgram)
