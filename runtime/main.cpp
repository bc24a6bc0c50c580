// The lastgram executable: everything happens in runtime/cli.cpp.
#include "runtime/cli.hpp"

int main(int argc, char** argv) {
  return lastgram::runtime::main_cli(argc, argv);
}
