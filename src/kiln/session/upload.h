#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>

#include <grpcpp/impl/service_type.h>

namespace kiln::session {

/// The method path the daemon calls to fetch an uploaded stream.
inline constexpr const char* k_upload_method = "/moby.upload.v1.Upload/Pull";

/// Returns the next bytes of an upload, empty at its end; may throw to
/// fail the transfer.
using UploadSource = std::function<std::string()>;

/// Returns the URL the frontend is given for the upload called `id`;
/// the daemon asks the session for its path.
std::string upload_url(const std::string& id);

/// Serves Upload/Pull: streams the source named by the last part of the
/// `urlpath` request metadata, once.
std::unique_ptr<grpc::Service>
make_upload(std::map<std::string, UploadSource> sources);

} // namespace kiln::session
