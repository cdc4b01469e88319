// cli.hpp — keel-load's command line: parsing, validation, --help.
#pragma once

#include "keel/core/error.hpp"
#include "settings.hpp"

namespace keel::load {

// Parses argv. --help prints the usage and exits 0; a malformed command line prints CLI11's
// message and exits 2. Invalid values (a negative rate, a ramp interval that is not whole
// seconds, …) are returned as an Error naming the option.
[[nodiscard]] Result<Settings> ParseCommandLine(int argc, char** argv);

}  // namespace keel::load
