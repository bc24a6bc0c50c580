// lastgram's entry point; everything else lives in runtime/cli.cpp.
int main() { return 0; }
