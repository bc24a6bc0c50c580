#pragma once

/// The answer to an inline query (answerInlineQuery's `results`), built from
/// the command runs the query started. Pure function; RapidJSON stays in
/// inline_results.cpp.

#include <string>
#include <utility>
#include <vector>

#include "messages/model.hpp"

namespace lastgram::telegram {

/// One command run of an inline query: the result id (the command's name,
/// e.g. "listening") and what the command answered.
using inline_answer = std::pair<std::string, command_result>;

/// The InlineQueryResult array, in the order of `answers`: a photo per
/// answer with a cover whose caption fits, an article otherwise (the first
/// piece of the reply as its message). Only the first refusal (e.g. not
/// registered) is kept, as one explaining article with the id "refused";
/// answers without replies, or whose reply carries a picture the bot drew
/// (photo_jpeg: an inline result offers a photo by URL only, so the caller
/// publishes it first and sets image_url), are left out.
std::string inline_results_json(const std::vector<inline_answer>& answers);

} // namespace lastgram::telegram
