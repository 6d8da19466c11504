#include "kiln/session/raw.h"

#include <string>
#include <vector>

namespace kiln::session {

bool parse_raw(const grpc::ByteBuffer& buffer,
               google::protobuf::MessageLite& msg)
{
  std::vector<grpc::Slice> slices;
  if (!buffer.Dump(&slices).ok()) {
    return false;
  }
  std::string bytes;
  bytes.reserve(buffer.Length());
  for (const auto& s : slices) {
    bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
  }
  return msg.ParseFromString(bytes);
}

grpc::ByteBuffer to_raw(const google::protobuf::MessageLite& msg)
{
  grpc::Slice slice(msg.SerializeAsString());
  return grpc::ByteBuffer(&slice, 1);
}

} // namespace kiln::session
