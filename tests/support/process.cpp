#include "support/process.hpp"

#include <arpa/inet.h>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <netinet/in.h>
#include <poll.h>
#include <set>
#include <sstream>
#include <random>
#include <mutex>
#include <stdexcept>
#include <sys/socket.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <utility>

extern char** environ;

namespace lastgram::test {

child_process::child_process(std::vector<std::string> argv,
                             std::vector<std::string> env) {
  int in[2], out[2], err[2];
  // Close-on-exec: a later child (say a daemonized redis-server) must not
  // inherit our end of this child's standard input and keep it from EOF.
  if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0)
    throw std::runtime_error("pipe failed");
  std::vector<std::string> envs;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string entry{*e};
    auto name = entry.substr(0, entry.find('='));
    bool overridden = false;
    for (auto& x : env)
      overridden = overridden || x.substr(0, x.find('=')) == name;
    if (!overridden)
      envs.push_back(entry);
  }
  for (auto& x : env)
    envs.push_back(x);
  pid_ = fork();
  if (pid_ < 0)
    throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    dup2(in[0], 0);
    dup2(out[1], 1);
    dup2(err[1], 2);
    for (int fd : {in[0], in[1], out[0], out[1], err[0], err[1]})
      close(fd);
    // Signals blocked by the test runner must not stay blocked in the child.
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    std::vector<char*> args, envp;
    for (auto& a : argv)
      args.push_back(a.data());
    args.push_back(nullptr);
    for (auto& e : envs)
      envp.push_back(e.data());
    envp.push_back(nullptr);
    execve(args[0], args.data(), envp.data());
    _exit(127);
  }
  close(in[0]);
  close(out[1]);
  close(err[1]);
  in_ = in[1];
  out_ = out[0];
  err_ = err[0];
  fcntl(out_, F_SETFL, O_NONBLOCK);
  fcntl(err_, F_SETFL, O_NONBLOCK);
}

child_process::~child_process() {
  if (!exited_ && pid_ > 0) {
    kill(pid_, SIGKILL);
    waitpid(pid_, &status_, 0);
  }
  for (int fd : {in_, out_, err_})
    if (fd >= 0)
      close(fd);
}

void child_process::write(const std::string& data) {
  size_t done = 0;
  while (done < data.size()) {
    auto n = ::write(in_, data.data() + done, data.size() - done);
    if (n <= 0)
      throw std::runtime_error("write to child failed");
    done += static_cast<size_t>(n);
  }
}

void child_process::close_stdin() {
  if (in_ >= 0) {
    close(in_);
    in_ = -1;
  }
}

void child_process::signal(int signo) {
  kill(pid_, signo);
}

void child_process::pump(int timeout_ms) {
  pollfd fds[2] = {{out_, POLLIN, 0}, {err_, POLLIN, 0}};
  if (poll(fds, 2, timeout_ms) <= 0)
    return;
  char buf[8192];
  for (int i = 0; i < 2; ++i) {
    for (;;) {
      auto n = read(fds[i].fd, buf, sizeof(buf));
      if (n <= 0)
        break;
      (i == 0 ? out_buf_ : err_buf_).append(buf, static_cast<size_t>(n));
    }
  }
}

const std::string& child_process::out() {
  pump(0);
  return out_buf_;
}

const std::string& child_process::err() {
  pump(0);
  return err_buf_;
}

bool child_process::wait_for_output(const std::string& needle,
                                    std::chrono::milliseconds timeout,
                                    bool from_err) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    pump(50);
    auto& buf = from_err ? err_buf_ : out_buf_;
    if (buf.find(needle) != std::string::npos)
      return true;
  }
  return false;
}

int child_process::wait(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!exited_) {
    pump(20);
    auto rc = waitpid(pid_, &status_, WNOHANG);
    if (rc == pid_) {
      exited_ = true;
      break;
    }
    if (std::chrono::steady_clock::now() > deadline) {
      kill(pid_, SIGKILL);
      waitpid(pid_, &status_, 0);
      exited_ = true;
      pump(0);
      return -1;
    }
  }
  pump(0);
  if (WIFEXITED(status_))
    return WEXITSTATUS(status_);
  if (WIFSIGNALED(status_))
    return 128 + WTERMSIG(status_);
  return -1;
}

run_result run(std::vector<std::string> argv, const std::string& input,
               std::vector<std::string> env, std::chrono::milliseconds timeout) {
  child_process child{std::move(argv), std::move(env)};
  child.write(input);
  child.close_stdin();
  run_result res;
  res.exit_code = child.wait(timeout);
  res.out = child.out();
  res.err = child.err();
  return res;
}

temp_dir::temp_dir() {
  char tmpl[] = "/tmp/lastgram-test-XXXXXX";
  if (mkdtemp(tmpl) == nullptr)
    throw std::runtime_error("mkdtemp failed");
  path_ = tmpl;
}

temp_dir::~temp_dir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

void temp_dir::write(const std::string& name, const std::string& content) const {
  std::ofstream f{file(name), std::ios::binary};
  f << content;
}

namespace {

/// Whether nothing listens on (or holds) loopback `port` now.
bool can_bind(unsigned short port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0)
    return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  bool ok = bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  close(fd);
  return ok;
}

} // namespace

unsigned short free_port() {
  // Drawn below the kernel's ephemeral range (32768 and up): a port that
  // bind(0) hands out is free only until the kernel gives it to some
  // outgoing connection as its local port, which on a busy test machine can
  // happen before the test's server binds it. Ports handed out by this
  // process are not handed out again.
  static std::mutex mutex;
  static std::set<unsigned short> given;
  static std::mt19937 rng{std::random_device{}() ^ static_cast<unsigned>(getpid())};
  std::lock_guard<std::mutex> guard{mutex};
  for (int tries = 0; tries < 2000; ++tries) {
    auto port = static_cast<unsigned short>(20000 + rng() % 12000);
    if (given.count(port) == 0 && can_bind(port)) {
      given.insert(port);
      return port;
    }
  }
  throw std::runtime_error("no free loopback port between 20000 and 32000");
}

http_reply http_get(unsigned short port, const std::string& path) {
  http_probe probe{port};
  if (probe.send(http_request_text("GET", path, {}, {{"Connection", "close"}})))
    if (auto reply = probe.read_reply())
      return std::move(*reply);
  return {};
}

std::string maps_of(int pid) {
  std::ifstream in{"/proc/" + std::to_string(pid) + "/maps"};
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

} // namespace lastgram::test
