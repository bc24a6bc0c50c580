// libpq's pipeline mode behind pg_pipe (actors/database/pg_pipe.hpp).

#include "actors/database/pg_pipe.hpp"

#include <libpq-fe.h>

#include <cstdlib>
#include <string>
#include <utility>

namespace lastgram::database {

namespace {

/// Frees a PGresult when it goes.
struct result_ptr {
  PGresult* r;
  ~result_ptr() {
    PQclear(r);
  }
};

std::string statement_name(std::size_t i) {
  return "lg_hot_" + std::to_string(i);
}

class pipe final : public pg_pipe {
public:
  pipe(PGconn* conn, std::vector<std::string> setup, std::vector<std::string> statements)
    : conn_(conn), setup_(std::move(setup)), statements_(std::move(statements)) {
  }
  ~pipe() override {
    PQfinish(conn_);
  }
  pipe(const pipe&) = delete;
  pipe& operator=(const pipe&) = delete;

  step connect() override {
    switch (PQconnectPoll(conn_)) {
      case PGRES_POLLING_READING:
        return step::read;
      case PGRES_POLLING_WRITING:
        return step::write;
      case PGRES_POLLING_OK:
        return start();
      default:
        return step::failed;
    }
  }

  int socket() const override {
    return PQsocket(conn_);
  }

  bool send(int index, const std::vector<std::string>& values) override {
    if (index < 0 || static_cast<std::size_t>(index) >= statements_.size())
      return false;
    // Small: no statement of the lane has more than six parameters.
    const char* params[8];
    if (values.size() > 8)
      return false;
    for (std::size_t i = 0; i < values.size(); ++i)
      params[i] = values[i].c_str();
    auto name = statement_name(static_cast<std::size_t>(index));
    return PQsendQueryPrepared(conn_, name.c_str(), static_cast<int>(values.size()), params,
                               nullptr, nullptr, 0)
           == 1;
  }

  bool sync() override {
    if (PQpipelineSync(conn_) != 1)
      return false;
    ++syncs_;
    return true;
  }

  int flush() override {
    return PQflush(conn_);
  }

  bool consume() override {
    return PQconsumeInput(conn_) == 1 && PQstatus(conn_) == CONNECTION_OK;
  }

  pg_reply next() override {
    pg_reply out;
    while (syncs_ > 0 && PQisBusy(conn_) == 0) {
      PGresult* raw = PQgetResult(conn_);
      if (raw == nullptr)
        continue; // the end of one statement's results
      result_ptr r{raw};
      auto status = PQresultStatus(raw);
      if (status == PGRES_PIPELINE_SYNC) {
        --syncs_;
        if (!in_setup_) {
          out.what = pg_reply::kind::sync;
          return out;
        }
        in_setup_ = false;
        if (!setup_error_.empty()) {
          out.what = pg_reply::kind::broken;
          out.error = setup_error_;
          return out;
        }
        continue;
      }
      bool ok = status == PGRES_TUPLES_OK || status == PGRES_COMMAND_OK;
      if (in_setup_) {
        if (!ok && setup_error_.empty())
          setup_error_ = message(raw);
        continue;
      }
      if (status == PGRES_TUPLES_OK) {
        out.what = pg_reply::kind::rows;
        int rows = PQntuples(raw);
        out.columns = PQnfields(raw);
        out.cells.reserve(static_cast<std::size_t>(rows) * static_cast<std::size_t>(out.columns));
        for (int row = 0; row < rows; ++row)
          for (int col = 0; col < out.columns; ++col) {
            if (PQgetisnull(raw, row, col) != 0)
              out.cells.emplace_back();
            else
              out.cells.emplace_back(std::in_place, PQgetvalue(raw, row, col),
                                     static_cast<std::size_t>(PQgetlength(raw, row, col)));
          }
      } else if (status == PGRES_COMMAND_OK) {
        out.what = pg_reply::kind::command;
        out.affected = std::strtoll(PQcmdTuples(raw), nullptr, 10);
      } else {
        out.what = pg_reply::kind::failed;
        out.error = message(raw);
      }
      return out;
    }
    return out;
  }

  std::string error() const override {
    std::string e = PQerrorMessage(conn_);
    while (!e.empty() && (e.back() == '\n' || e.back() == ' '))
      e.pop_back();
    return e;
  }

private:
  static std::string message(PGresult* r) {
    if (PQresultStatus(r) == PGRES_PIPELINE_ABORTED)
      return "skipped after an earlier failure in the same operation";
    std::string e = PQresultErrorMessage(r);
    while (!e.empty() && (e.back() == '\n' || e.back() == ' '))
      e.pop_back();
    return e;
  }

  step start() {
    if (PQsetnonblocking(conn_, 1) != 0 || PQenterPipelineMode(conn_) != 1)
      return step::failed;
    for (auto& s : setup_)
      if (PQsendQueryParams(conn_, s.c_str(), 0, nullptr, nullptr, nullptr, nullptr, 0) != 1)
        return step::failed;
    for (std::size_t i = 0; i < statements_.size(); ++i)
      if (PQsendPrepare(conn_, statement_name(i).c_str(), statements_[i].c_str(), 0, nullptr)
          != 1)
        return step::failed;
    if (!sync())
      return step::failed;
    in_setup_ = true;
    return step::ready;
  }

  PGconn* conn_;
  std::vector<std::string> setup_;
  std::vector<std::string> statements_;
  /// Syncs sent whose PGRES_PIPELINE_SYNC has not been read: while there
  /// are none, PQgetResult has nothing to give.
  int syncs_ = 0;
  bool in_setup_ = false;
  std::string setup_error_;
};

} // namespace

std::unique_ptr<pg_pipe> open_pg_pipe(const std::string& conninfo,
                                      const std::vector<std::string>& setup,
                                      const std::vector<std::string>& statements) {
  PGconn* conn = PQconnectStart(conninfo.c_str());
  if (conn == nullptr)
    return nullptr;
  return std::make_unique<pipe>(conn, setup, statements);
}

} // namespace lastgram::database
