// The framing of the messages between the measurer and its worker process: one JSON header and any
// number of binary payloads (arrays, object files) per message, each length-prefixed, over a pipe.
// Reads can wait with a timeout, so the parent notices a hung worker; writes never raise SIGPIPE.
#pragma once

#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace tt {

struct WireMessage {
  nlohmann::json header;              // an object; its "payload_bytes" key is the framing's own
  std::vector<std::string> payloads;  // raw bytes, in order
};

// Writes the whole message. False when the reader is gone (EPIPE); the SIGPIPE that a write to a
// closed pipe raises is blocked in this thread and consumed, so the writer lives on to notice.
// InternalError for any other write failure.
bool write_message(int fd, const WireMessage& message);

enum class ReadStatus { Ok, Closed, TimedOut };

// Reads one whole message into `message`. Closed at end of file (the writer exited or died), also
// mid-message; TimedOut when `timeout_s` passes first (the message may then be partly read: the
// channel is unusable). InternalError for a malformed frame.
ReadStatus read_message(int fd, WireMessage& message,
                        double timeout_s = std::numeric_limits<double>::infinity());

}  // namespace tt
