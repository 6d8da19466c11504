#pragma once

#include <chrono>

#include "kiln/cli/common.h"

namespace kiln::cli {

/// Waits until every node of `builder` answers, showing a "waiting for
/// connection" line on stderr, for at most `timeout`. Retries while a
/// node is unreachable; throws `util::UserError` with the node's reason
/// when the time is up or the failure cannot pass by waiting (TLS,
/// bad options).
void bootstrap(const Builder& builder, std::chrono::milliseconds timeout);

} // namespace kiln::cli
