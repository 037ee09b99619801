// Message framing over pipes, see wire.h. A frame is: the header's length (8 bytes, little-endian),
// the header as JSON text with "payload_bytes": [n0, n1, ...], then the payloads back to back.
#include "search/measure/wire.h"

#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstring>

#include "ir/error.h"

namespace tt {
namespace {

// A header longer than this is a corrupt frame, not a message (headers are small; data travels in
// payloads).
constexpr uint64_t kMaxHeaderBytes = 64ull << 20;
// No single payload is larger than this (a tensor of 16 GiB would not fit the worker anyway).
constexpr uint64_t kMaxPayloadBytes = 16ull << 30;

bool write_all(int fd, const char* data, size_t size) {
  while (size > 0) {
    ssize_t n = ::write(fd, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EPIPE) return false;
    if (n < 0) internal_error("writing a measurement message failed: {}", std::strerror(errno));
    data += n;
    size -= size_t(n);
  }
  return true;
}

using Clock = std::chrono::steady_clock;

// Reads exactly `size` bytes, waiting at most until `deadline` (none when it is max()).
ReadStatus read_all(int fd, char* data, size_t size, Clock::time_point deadline) {
  while (size > 0) {
    if (deadline != Clock::time_point::max()) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      if (left.count() <= 0) return ReadStatus::TimedOut;
      pollfd p{fd, POLLIN, 0};
      int ready = ::poll(&p, 1, int(std::min<int64_t>(left.count() + 1, 1 << 30)));
      if (ready < 0 && errno == EINTR) continue;
      if (ready < 0)
        internal_error("waiting for a measurement message failed: {}", std::strerror(errno));
      if (ready == 0) continue;  // the loop re-checks the deadline
    }
    ssize_t n = ::read(fd, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) internal_error("reading a measurement message failed: {}", std::strerror(errno));
    if (n == 0) return ReadStatus::Closed;
    data += n;
    size -= size_t(n);
  }
  return ReadStatus::Ok;
}

}  // namespace

bool write_message(int fd, const WireMessage& message) {
  TT_ASSERT(message.header.is_object(), "a message header must be a JSON object");
  nlohmann::json header = message.header;
  std::vector<uint64_t> sizes;
  for (const std::string& p : message.payloads) sizes.push_back(p.size());
  header["payload_bytes"] = sizes;
  std::string text = header.dump();
  uint64_t length = text.size();
  char prefix[8];
  for (int i = 0; i < 8; ++i) prefix[i] = char((length >> (8 * i)) & 0xff);

  // A write to a pipe whose reader is gone raises SIGPIPE in the writing thread, which would kill
  // the whole tuner; blocked here, the write fails with EPIPE instead, and the signal left pending
  // is taken off before the old mask comes back.
  sigset_t pipe_signal, old_mask;
  sigemptyset(&pipe_signal);
  sigaddset(&pipe_signal, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe_signal, &old_mask);
  bool ok = write_all(fd, prefix, 8) && write_all(fd, text.data(), text.size());
  for (size_t i = 0; ok && i < message.payloads.size(); ++i)
    ok = write_all(fd, message.payloads[i].data(), message.payloads[i].size());
  if (!ok && !sigismember(&old_mask, SIGPIPE)) {
    timespec zero{0, 0};
    while (sigtimedwait(&pipe_signal, nullptr, &zero) < 0 && errno == EINTR) {
    }
  }
  pthread_sigmask(SIG_SETMASK, &old_mask, nullptr);
  return ok;
}

ReadStatus read_message(int fd, WireMessage& message, double timeout_s) {
  Clock::time_point deadline = Clock::time_point::max();
  if (std::isfinite(timeout_s))
    deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                  std::chrono::duration<double>(std::max(0.0, timeout_s)));
  unsigned char prefix[8];
  ReadStatus status = read_all(fd, reinterpret_cast<char*>(prefix), 8, deadline);
  if (status != ReadStatus::Ok) return status;
  uint64_t length = 0;
  for (int i = 0; i < 8; ++i) length |= uint64_t(prefix[i]) << (8 * i);
  if (length > kMaxHeaderBytes)
    internal_error("corrupt measurement message: a header of {} bytes", length);
  std::string text(length, '\0');
  status = read_all(fd, text.data(), text.size(), deadline);
  if (status != ReadStatus::Ok) return status;
  message.header = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!message.header.is_object() || !message.header.contains("payload_bytes") ||
      !message.header["payload_bytes"].is_array())
    internal_error("corrupt measurement message header: {}", text.substr(0, 200));
  message.payloads.clear();
  for (const nlohmann::json& size : message.header["payload_bytes"]) {
    if (!size.is_number_unsigned() || size.get<uint64_t>() > kMaxPayloadBytes)
      internal_error("corrupt measurement message: payload size {}", size.dump());
    std::string payload(size.get<uint64_t>(), '\0');
    status = read_all(fd, payload.data(), payload.size(), deadline);
    if (status != ReadStatus::Ok) return status;
    message.payloads.push_back(std::move(payload));
  }
  message.header.erase("payload_bytes");
  return ReadStatus::Ok;
}

}  // namespace tt
