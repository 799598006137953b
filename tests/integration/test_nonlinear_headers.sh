#!/usr/bin/env bash
# Ports behind a long IPv6 extension chain are found when the headers lie
# outside the skb's linear area. A packet socket's frame of a page or more
# leaves with only its Ethernet header linear and the rest in page fragments
# (af_packet's packet_alloc_skb), as GSO/GRO packets of real NICs often do;
# BPF_PROG_TEST_RUN only builds linear skbs, hence this namespace test.
source "$(dirname "$0")/lib.sh"
require_root
EW_RAWFRAME=${EW_RAWFRAME:?set EW_RAWFRAME to the ew_rawframe binary}
setup_pair
ip -n "$NS_A" link set veth0 mtu 9000
ip -n "$NS_B" link set veth1 mtu 9000

# hex BYTES: that many zero bytes, as hex.
zeros() { printf '%*s' "$(($1 * 2))" '' | tr ' ' 0; }
hex16() { printf '%04x' "$1"; }

# IPv6 from 2001:db8::1 to 2001:db8::2: one destination-options header of
# the largest size (2,048 bytes; the zero bytes are Pad1 options), then UDP
# 40000 -> 5353 and 3,000 bytes of payload. The ports sit at byte 2,102.
dstopts_len=2048
udp_len=$((8 + 3000))
frame="02000000000202000000000186dd"
frame+="60000000$(hex16 $((dstopts_len + udp_len)))3c40"
frame+="20010db8000000000000000000000001"
frame+="20010db8000000000000000000000002"
frame+="11ff$(zeros $((dstopts_len - 2)))"
frame+="9c4014e9$(hex16 $udp_len)0000$(zeros 3000)"

start_egresswatch run veth0 --mode packet --include 2001:db8::/32
wait_attached run
in_a "$EW_RAWFRAME" send veth0 "$frame"
sleep 0.2
stop_egresswatch INT

expect_eq "$(count_records run 'select(.dst == "2001:db8::2")')" 1 "records of the frame"
expect_eq "$(count_records run 'select(.dst == "2001:db8::2" and .proto == "udp" and .sport == 40000 and .dport == 5353)')" 1 \
  "record with the UDP ports behind the 2,048-byte extension header"
log "ok: $(jq -c 'select(.type == "packet")' "$WORK/run.jsonl")"
