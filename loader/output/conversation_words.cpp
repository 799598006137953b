// The words and letters records use for a conversation's initiator and TCP
// flags, shared by the JSON and the text formats.
#include "egresswatch_abi.h"
#include "output/line_formatter.h"

namespace ew {

const char* initiator_name(uint8_t initiator) {
  switch (initiator) {
    case EW_INITIATOR_LOCAL:
      return "local";
    case EW_INITIATOR_REMOTE:
      return "remote";
    default:
      return "unknown";
  }
}

size_t tcp_flag_letters(uint8_t flags, char* out) {
  // Handshake and teardown first, as a person reads a conversation.
  static constexpr struct {
    uint8_t bit;
    char letter;
  } kLetters[] = {
      {EW_TCP_SYN, 'S'}, {EW_TCP_ACK, 'A'}, {EW_TCP_FIN, 'F'}, {EW_TCP_RST, 'R'},
      {EW_TCP_PSH, 'P'}, {EW_TCP_URG, 'U'}, {EW_TCP_ECE, 'E'}, {EW_TCP_CWR, 'C'},
  };
  size_t n = 0;
  for (const auto& l : kLetters)
    if (flags & l.bit) out[n++] = l.letter;
  return n;
}

}  // namespace ew
