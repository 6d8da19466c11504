#include "kiln/cli/app.h"

#include <iostream>

namespace kiln::cli {

int run(int argc, char** argv)
{
  (void)argc;
  (void)argv;
  std::cerr << "kiln: not ready\n";
  return 1;
}

} // namespace kiln::cli
