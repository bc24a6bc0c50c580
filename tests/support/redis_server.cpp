#include "support/redis_server.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdlib>
#include <utility>

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <hiredis/hiredis.h>

extern char** environ;

namespace lastgram::test {

namespace {

// The reply as redis_command describes it.
std::string describe(const redisReply* reply) {
  if (reply == nullptr)
    return "(error)";
  switch (reply->type) {
    case REDIS_REPLY_STRING:
    case REDIS_REPLY_STATUS:
      return std::string(reply->str, reply->len);
    case REDIS_REPLY_NIL:
      return "(nil)";
    case REDIS_REPLY_INTEGER:
      return std::to_string(reply->integer);
    default:
      return "(error)";
  }
}

// Runs `commands` in order on one fresh connection (so that an AUTH applies
// to what follows) and describes the last reply.
std::string run_commands(int port, const std::vector<std::vector<std::string>>& commands) {
  timeval tv{1, 0};
  auto ctx = redisConnectWithTimeout("127.0.0.1", port, tv);
  if (ctx == nullptr || ctx->err != 0) {
    redisFree(ctx);
    return "(error)";
  }
  redisSetTimeout(ctx, tv);
  std::string out = "(error)";
  for (auto& args : commands) {
    std::vector<const char*> argv;
    std::vector<size_t> lens;
    for (auto& a : args) {
      argv.push_back(a.data());
      lens.push_back(a.size());
    }
    auto reply = static_cast<redisReply*>(redisCommandArgv(
      ctx, static_cast<int>(argv.size()), argv.data(), lens.data()));
    out = describe(reply);
    if (reply == nullptr)
      break;
    freeReplyObject(reply);
  }
  redisFree(ctx);
  return out;
}

// How long a redis-server child may take to come up or go away.
constexpr std::chrono::seconds server_limit{10};

} // namespace

int shared_redis_port() {
  if (auto env = std::getenv("LASTGRAM_TEST_REDIS_PORT_OVERRIDE"); env && *env)
    return std::atoi(env);
  return LASTGRAM_TEST_REDIS_PORT;
}

std::string redis_url(int port) {
  return "redis://127.0.0.1:" + std::to_string(port);
}

std::string redis_command(int port, const std::vector<std::string>& args) {
  return run_commands(port, {args});
}

redis_server::redis_server(std::vector<std::string> extra)
  : redis_server(free_port(), std::move(extra)) {
}

redis_server::redis_server(unsigned short port, std::vector<std::string> extra)
  : port_(port), extra_(std::move(extra)) {
  start();
}

redis_server::~redis_server() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
}

void redis_server::start() {
  REQUIRE(pid_ <= 0);
  std::vector<std::string> args{"redis-server", "--port", std::to_string(port_),
                                "--bind", "127.0.0.1", "--save", "",
                                "--appendonly", "no", "--dir", dir_.path(),
                                "--loglevel", "warning", "--logfile", "/dev/null"};
  args.insert(args.end(), extra_.begin(), extra_.end());
  std::vector<char*> argv;
  for (auto& arg : args)
    argv.push_back(arg.data());
  argv.push_back(nullptr);
  // The server outlives the test's output stream: it must not hold the
  // pipes a test runner reads the test's output from.
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  pid_t pid = -1;
  int spawned = ::posix_spawnp(&pid, "redis-server", &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  REQUIRE(spawned == 0);
  pid_ = pid;
  REQUIRE(eventually([this] { return accepts_connections(); }, server_limit));
}

void redis_server::shutdown() {
  REQUIRE(pid_ > 0);
  std::vector<std::vector<std::string>> commands;
  if (auto auth = hello(); !auth.empty())
    commands.push_back(std::move(auth));
  // SHUTDOWN closes the connection instead of answering.
  commands.push_back({"SHUTDOWN", "NOSAVE"});
  run_commands(port_, commands);
  int status = 0;
  REQUIRE(eventually([&] { return ::waitpid(pid_, &status, WNOHANG) == pid_; }, server_limit));
  pid_ = -1;
}

std::vector<std::string> redis_server::hello() const {
  auto pass = std::find(extra_.begin(), extra_.end(), "--requirepass");
  if (pass == extra_.end() || pass + 1 == extra_.end())
    return {};
  return {"AUTH", *(pass + 1)};
}

bool redis_server::accepts_connections() {
  int status = 0;
  // Exited already: most likely the port was taken meanwhile.
  REQUIRE(::waitpid(pid_, &status, WNOHANG) == 0);
  timeval tv{0, 200000};
  auto ctx = redisConnectWithTimeout("127.0.0.1", port_, tv);
  bool ok = ctx != nullptr && ctx->err == 0;
  redisFree(ctx);
  return ok;
}

} // namespace lastgram::test
