#pragma once

namespace lastgram::runtime {

/// Parses the command line and runs the chosen subcommand:
///   lastgram [run] [--config FILE] [--set section.key=value ...]
///   lastgram config check|show|keys [--config FILE] [--set ...]
///   lastgram db migrate [--config FILE] [--set ...]
///   lastgram i18n check [--dir DIR]
///   lastgram telegram set-webhook|delete-webhook [--drop-pending-updates] [--config ...]
///   lastgram telegram set-commands [--dry-run] [--config ...]
///   lastgram attach HOST:PORT [--once [--json]]
///   lastgram cluster make-certs DIR [--nodes N | --names a,b,c]
///   lastgram cluster status HOST:PORT [--json] [--config ...]
///   lastgram version
/// Returns the process exit code (0 ok, 1 runtime failure, 2 usage or
/// configuration error).
int main_cli(int argc, char** argv);

} // namespace lastgram::runtime
