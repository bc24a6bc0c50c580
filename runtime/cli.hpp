#pragma once

namespace lastgram::runtime {

/// Parses the command line and runs the chosen subcommand:
///   lastgram [run] [--config FILE] [--set section.key=value ...]
///   lastgram config check|show|keys [--config FILE] [--set ...]
///   lastgram i18n check [--dir DIR]
///   lastgram version
/// Returns the process exit code (0 ok, 1 runtime failure, 2 usage or
/// configuration error).
int main_cli(int argc, char** argv);

} // namespace lastgram::runtime
