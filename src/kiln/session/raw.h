#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include <sys/types.h>

#include <google/protobuf/message_lite.h>
#include <grpcpp/support/byte_buffer.h>

namespace kiln::session {

/// Parses the message in `buffer` into `msg`; returns false when the
/// bytes are not one.
bool parse_raw(const grpc::ByteBuffer& buffer,
               google::protobuf::MessageLite& msg);

/// Returns `msg` serialised into a buffer for a raw stream.
grpc::ByteBuffer to_raw(const google::protobuf::MessageLite& msg);

/// A buffer that reads are made into and whose bytes then leave as a
/// slice without a copy when there are many, or as a copy when few.
class ReadBuffer {
public:
  /// Makes a buffer of `size` bytes.
  explicit ReadBuffer(std::size_t size);

  /// Reads once from `fd` into the buffer; returns what read(2) does.
  ssize_t read_from(int fd);

  /// Returns the `n` bytes read last as a slice; the buffer is handed
  /// on when `n` is large and a fresh one is made for the next read.
  grpc::Slice take(std::size_t n);

private:
  std::size_t m_size;
  grpc::Slice m_slice;
};

/// Returns the encoding of a message whose only field, a `bytes` field
/// numbered `field`, holds `data`, without copying `data`: `prefix`
/// comes first (other fields, already encoded).
grpc::ByteBuffer bytes_field_message(const std::string& prefix, int field,
                                     grpc::Slice data);

} // namespace kiln::session
