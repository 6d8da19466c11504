#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <grpcpp/impl/service_type.h>

namespace kiln::session {

/// Returns the method paths of the content service, for the session's
/// list of served methods.
std::vector<std::string> content_store_methods();

/// Serves containerd's content service (Info, Read, Status, Write,
/// Abort) over the OCI layout folders `stores`, keyed by the store id
/// the daemon names in its request metadata (`local:DIR`). Blobs are
/// written under `ingest/` and renamed into `blobs/sha256/` only once
/// their size and digest are checked; unfinished ones are removed when
/// the service goes away.
std::unique_ptr<grpc::Service>
make_content_store(std::map<std::string, std::filesystem::path> stores);

} // namespace kiln::session
