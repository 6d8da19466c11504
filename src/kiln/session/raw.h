#pragma once

#include <google/protobuf/message_lite.h>
#include <grpcpp/support/byte_buffer.h>

namespace kiln::session {

/// Parses the message in `buffer` into `msg`; returns false when the
/// bytes are not one.
bool parse_raw(const grpc::ByteBuffer& buffer,
               google::protobuf::MessageLite& msg);

/// Returns `msg` serialised into a buffer for a raw stream.
grpc::ByteBuffer to_raw(const google::protobuf::MessageLite& msg);

} // namespace kiln::session
