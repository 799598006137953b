#!/usr/bin/python3
# Start-up probe for bench/startup.sh: starts COMMAND, times from just before
# fork/exec to the first stderr line containing PATTERN (the tool saying it is
# attached), then stops it with SIGINT and reads its peak resident memory from
# wait4(). Prints one JSON line: {"attach_ms":..., "peak_rss_kb":..., "status":...}.
#
#   startup_probe.py PATTERN COMMAND...
import json
import os
import signal
import subprocess
import sys
import time

pattern = sys.argv[1].encode()
start = time.monotonic_ns()
proc = subprocess.Popen(sys.argv[2:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
attach_ns = None
for line in proc.stderr:
    if pattern in line:
        attach_ns = time.monotonic_ns() - start
        break
time.sleep(0.2)
proc.send_signal(signal.SIGINT)
proc.stderr.read()
_, status, usage = os.wait4(proc.pid, 0)
print(json.dumps({
    "attach_ms": attach_ns / 1e6 if attach_ns is not None else None,
    "peak_rss_kb": usage.ru_maxrss,
    "status": os.waitstatus_to_exitcode(status),
}))
