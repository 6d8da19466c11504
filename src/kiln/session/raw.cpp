#include "kiln/session/raw.h"

#include <string>
#include <vector>

#include <unistd.h>

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

ReadBuffer::ReadBuffer(std::size_t size) : m_size(size), m_slice(size) {}

ssize_t ReadBuffer::read_from(int fd)
{
  // Until it is handed on, the slice's memory is this buffer's alone.
  auto* at = const_cast<std::uint8_t*>(m_slice.begin());
  return ::read(fd, at, m_size);
}

grpc::Slice ReadBuffer::take(std::size_t n)
{
  // A few bytes are cheaper to copy than a whole buffer is to make.
  if (n < m_size / 4) {
    return grpc::Slice(m_slice.begin(), n);
  }
  grpc::Slice out = n == m_size ? m_slice : m_slice.sub(0, n);
  m_slice = grpc::Slice(m_size);
  return out;
}

grpc::ByteBuffer bytes_field_message(const std::string& prefix, int field,
                                     grpc::Slice data)
{
  std::string head = prefix;
  if (data.size() > 0) {
    // Tag (field number, wire type 2), then the length as a varint.
    head += static_cast<char>((field << 3) | 2);
    for (std::size_t n = data.size(); true; n >>= 7) {
      if (n < 0x80) {
        head += static_cast<char>(n);
        break;
      }
      head += static_cast<char>((n & 0x7f) | 0x80);
    }
  }
  grpc::Slice slices[2] = {grpc::Slice(head), std::move(data)};
  return grpc::ByteBuffer(slices, slices[1].size() > 0 ? 2 : 1);
}

} // namespace kiln::session
