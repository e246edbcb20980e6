// `ocspd user add|passwd|role|remove|list`: the users file of a stopped daemon's state directory.
#pragma once

#include <string>
#include <vector>

namespace ocspd {

/// args: what follows "user". Returns the exit code (0 done, 1 failed, 2 usage).
int users_command(const std::vector<std::string>& args);

}  // namespace ocspd
