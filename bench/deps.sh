#!/usr/bin/env bash
# What the benchmarks need beyond `make build`, from Debian 12: run as root
# (make bench-deps does). Never needed by `make run` or `make test`.
#
#   netsniff-ng        trafgen, a cross-check of our generator (flat out only)
#   python3-bpfcc      BCC, for the baseline (bench/baselines/bcc_egress_printer.py)
#   python3-pyroute2   the baseline attaches with pyroute2, as the old tool did
#   linux-headers-*    BCC compiles at run time against kernel headers
#   linux-perf, time   profiles; peak memory
#   iperf3, ethtool    bridge benchmark: TCP throughput, offloads off
#   python3-scapy      the bridge benchmark's baseline (bench/baselines/scapy_bridge.py)
#   iputils-ping       ping round trips through the bridges
set -euo pipefail

[ "$(id -u)" = 0 ] || { echo "bench/deps.sh: run as root" >&2; exit 1; }

packages=(netsniff-ng python3-bpfcc python3-pyroute2 linux-perf time jq iproute2
  iperf3 ethtool python3-scapy iputils-ping)

# Debian has no headers for this (non-Debian) kernel; BCC only needs headers
# close enough for a tc program, so the newest Debian 12 headers serve.
kernel=$(uname -r)
headers_pkg=linux-headers-$kernel
if ! apt-cache show "$headers_pkg" >/dev/null 2>&1; then
  headers_pkg=$(apt-cache depends linux-headers-amd64 2>/dev/null |
    sed -n 's/.*Depends: \(linux-headers-[0-9].*-amd64\)$/\1/p' | head -1)
fi
packages+=("$headers_pkg")

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "bench/deps.sh: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# BCC looks for /lib/modules/$(uname -r)/build (arch headers) and source
# (common headers). Link them to the Debian package only where nothing is.
if [ "$headers_pkg" != "linux-headers-$kernel" ]; then
  arch_dir=/usr/src/$headers_pkg
  common_dir=/usr/src/${headers_pkg%-amd64}-common
  mkdir -p "/lib/modules/$kernel"
  for pair in "build:$arch_dir" "source:$common_dir"; do
    link=/lib/modules/$kernel/${pair%%:*}
    target=${pair#*:}
    if [ -e "$link" ] || [ -L "$link" ]; then
      echo "bench/deps.sh: $link exists ($(readlink -f "$link")), left alone"
    else
      ln -s "$target" "$link"
      echo "bench/deps.sh: no headers for kernel $kernel in Debian; linked $link -> $target"
    fi
  done
fi
