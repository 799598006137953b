# The two commands of the README, for a fresh Debian 12 machine:
#   sudo make run [ARGS="..."]   install what is missing, build, watch the default-route interface
#   sudo make test               install what is missing, build, run the whole test suite
# Both work as root without sudo.

BUILD_DIR ?= build
BUILD_TYPE ?= RelWithDebInfo
ARGS ?=
JOBS ?= $(shell nproc 2>/dev/null || echo 2)

# Everything the build, the tests and the run need, all from Debian.
DEBIAN_PACKAGES := \
	build-essential cmake pkg-config clang llvm bpftool \
	libbpf-dev libelf-dev zlib1g-dev libmnl-dev nlohmann-json3-dev \
	libcli11-dev libcap-ng-dev nettle-dev libgtest-dev libgmock-dev libclang-rt-14-dev \
	iproute2 iputils-ping jq util-linux systemd ethtool netcat-openbsd man-db groff-base

.PHONY: all deps build run test clean format bench-deps build-variants install deb deb-deps package-test test-kernels

all: build

deps:
	@missing=""; \
	for p in $(DEBIAN_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' "$$p" 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" != 0 ]; then \
	    echo "missing Debian packages:$$missing; run as root (sudo make ...) to install them" >&2; exit 1; \
	  fi; \
	  echo "installing:$$missing"; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  apt-get update -qq && apt-get install -y -qq --no-install-recommends $$missing; \
	fi

build: deps
	cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) -DEW_WERROR=ON
	cmake --build $(BUILD_DIR) -j $(JOBS)

run: build
	./$(BUILD_DIR)/egresswatch $(ARGS)

# The whole suite, then the unit and namespace tests again with the loader
# built under AddressSanitizer and UndefinedBehaviorSanitizer (the sanitize
# preset): a leak or an undefined operation fails them. The unit tests run as
# one process there (CTest's one process per test costs ASan's start 366
# times, about 45 s). Then every libFuzzer target (tests/fuzz, the fuzz
# preset, clang) runs a few seconds over its seed corpus: a crash fails the
# suite. That build is clang's, warnings fatal, and
# takes in both programs too, so clang's warnings fail make test as g++'s do
# (the package build, g++ with Debian's flags); make build-variants builds
# other ways and is not part of it.
# The unit, BPF and packaging tests run two at a time (49 s one at a time,
# 27 s two at a time, here); the namespace tests one at a time, as before:
# they were not written to run beside each other.
# Each stage says what it cost (tests/stage.sh).
test: deps
	tests/stage.sh build $(MAKE) build
	tests/stage.sh "CTest suite" sh -c 'cd $(BUILD_DIR) && \
	  ctest --output-on-failure --timeout 300 -j 2 -LE integration && \
	  ctest --output-on-failure --timeout 300 -j 1 -L integration'
	tests/stage.sh "sanitize build and tests" sh -c 'cmake --preset sanitize && \
	  cmake --build build-sanitize -j $(JOBS) --target egresswatch egresswatch-bridge ew_rawframe egresswatch_unit_tests && \
	  cd build-sanitize && ./egresswatch_unit_tests --gtest_brief=1 && \
	  ctest --output-on-failure --timeout 300 -j 1 -L integration'
	tests/stage.sh "fuzz build and runs" sh -c 'cmake --preset fuzz && \
	  cmake --build build-fuzz -j $(JOBS) --target fuzz_targets egresswatch egresswatch-bridge && \
	  tests/fuzz/run_fuzzers.sh build-fuzz'
	tests/stage.sh "package: make deb and the install test" $(MAKE) package-test
	tests/stage.sh "kernels: ARM packages and four emulated kernels" $(MAKE) test-kernels DEBS_BUILT=$(ARCH)

# The builds a user or a packager makes besides the development build: the
# two programs alone (no GoogleTest, no benchmarks), optimised, with Debian's
# own flags (dpkg-buildflags: hardening, _FORTIFY_SOURCE, -O2) as debhelper
# passes them (CMAKE_BUILD_TYPE=None). Warnings fail these builds here so
# that a new one shows up in CI first; a user's build never has -Werror. g++
# with Debian's flags is the package build itself, which `make test` makes
# with warnings fatal (package-test), so only clang is built here; it
# optimises as a Release build does, which stands for that one too. Not part
# of make test (clang's warnings are fatal in its fuzz build). Others:
# make build-variants VARIANTS="g++:Release clang++:Release".
VARIANTS ?= clang++:None
build-variants: deps
	@set -e; for v in $(VARIANTS); do \
	  cxx=$${v%%:*}; type=$${v##*:}; dir=build-variant-$$cxx-$$type; \
	  cc=$$(echo $$cxx | sed 's/clang++/clang/; s/g++/gcc/'); \
	  echo "== $$cxx, CMAKE_BUILD_TYPE=$$type$$( [ $$type = None ] && echo ', dpkg-buildflags')"; \
	  ( if [ $$type = None ]; then eval "$$(dpkg-buildflags --export=sh)"; fi; \
	    cmake -S . -B $$dir -DCMAKE_BUILD_TYPE=$$type -DCMAKE_C_COMPILER=$$cc \
	      -DCMAKE_CXX_COMPILER=$$cxx -DBUILD_TESTING=OFF -DEW_BUILD_BENCH=OFF \
	      -DEW_WERROR=ON >/dev/null && \
	    cmake --build $$dir -j $(JOBS) --target egresswatch egresswatch-bridge >/dev/null ) || \
	    { echo "build failed: $$cxx $$type (cmake --build $$dir to see why)" >&2; exit 1; }; \
	done; echo "all build variants built"

# make install [PREFIX=/usr/local] [DESTDIR=...]: the programs (stripped, with
# their debug symbols under lib/debug), the units, the example config in
# /etc/egresswatch, the logrotate snippet and the man pages (cmake/Install.cmake).
PREFIX ?= /usr/local
install: build
	cmake --install $(BUILD_DIR) --prefix $(PREFIX)

# make deb [ARCH=amd64|arm64|armhf]: dist/egresswatch_<version>_<arch>.deb,
# by dpkg-buildpackage (debhelper, dpkg-shlibdeps), cross-built for ARM, then
# checked by lintian (an error fails it).
ARCH ?= $(shell dpkg --print-architecture)
DEB_TOOLS := debhelper dpkg-dev fakeroot lintian mmdebstrap systemd-container
DEB_ARCH_LIBS := libbpf-dev libelf-dev zlib1g-dev libmnl-dev libcap-ng-dev nettle-dev libstdc++-12-dev
deb-deps: deps
	@set -e; native=$$(dpkg --print-architecture); need="$(DEB_TOOLS)"; \
	if [ "$(ARCH)" != "$$native" ]; then \
	  dpkg --print-foreign-architectures | grep -qx "$(ARCH)" || \
	    { dpkg --add-architecture $(ARCH); apt-get update -qq; }; \
	  need="$$need crossbuild-essential-$(ARCH) pkgconf:$(ARCH)"; \
	  for p in $(DEB_ARCH_LIBS); do need="$$need $$p:$(ARCH)"; done; \
	fi; \
	missing=""; for p in $$need; do \
	  dpkg-query -W -f='$${Status}' "$$p" 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; export DEBIAN_FRONTEND=noninteractive; \
	  apt-get install -y -qq --no-install-recommends $$missing; \
	fi
DEB_CMAKE_FLAGS ?=
deb: deb-deps
	@deb=$$(EW_EXTRA_CMAKE_FLAGS="$(DEB_CMAKE_FLAGS)" packaging/make-deb.sh $(ARCH)) && echo "built $$deb" && \
	lintian --fail-on error --suppress-tags initial-upload-closes-no-bugs "$$deb"

# The amd64 package installed with dpkg -i into a fresh Debian 12 root
# (mmdebstrap, cached), its units started, reloaded and stopped under a real
# systemd (systemd-nspawn --boot), then purged (tests/packaging).
package-test:
	$(MAKE) deb DEB_CMAKE_FLAGS=-DEW_WERROR=ON
	tests/packaging/test_deb_install.sh dist/egresswatch_$$(sed -n 's/^project(egresswatch VERSION \([0-9.]*\).*/\1/p' CMakeLists.txt)_$(ARCH).deb

# The packages under Debian's own kernels in qemu (tests/kernels/run_guest.sh:
# no disk, no NIC; downloads cached in /var/cache/egresswatch-test), one
# closing line each ("kernel 6.1.0-57-arm64 arm64: 5 passed, 0 failed"):
#   amd64      Debian 11's 5.10 (bullseye): the oldest kernel claimed
#   arm64      Debian 12's 6.1: the Raspberry Pi OS 64-bit class
#   arm64-16k  6.12 from bookworm-backports with 16 KiB pages: a Pi 5's
#   armhf      Debian 12's 6.1 armmp-lpae, no BTF, BPF JIT off: the interpreter
# The package of each architecture is built once (warnings fatal, as in
# package-test), then the guests run two at a time (each emulated CPU takes
# one of this machine's), their consoles shown in turn; every guest runs, and
# a failure in any fails the target.
# DEBS_BUILT: architectures whose package is built already (make test's
# package-test has just made the amd64 one).
KERNEL_GUESTS ?= amd64 arm64 arm64-16k armhf
DEBS_BUILT ?=
# What the guests need on this machine, installed once before two start at
# once (two apt-gets at once would fight over dpkg's lock).
GUEST_TOOLS := qemu-system-arm qemu-system-x86 xz-utils cpio
test-kernels:
	@set -u; failed=""; built="$(DEBS_BUILT)"; for g in $(KERNEL_GUESTS); do \
	  a=$${g%%-*}; \
	  case " $$built " in *" $$a "*) ;; *) \
	    $(MAKE) --no-print-directory deb ARCH=$$a DEB_CMAKE_FLAGS=-DEW_WERROR=ON || \
	      { echo "make deb ARCH=$$a failed" >&2; failed="$$failed $$g"; continue; }; \
	    built="$$built $$a";; \
	  esac; \
	done; \
	missing=""; for p in $(GUEST_TOOLS); do \
	  dpkg-query -W -f='$${Status}' "$$p" 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing || \
	    { echo "could not install$$missing for the guests" >&2; exit 1; }; \
	fi; \
	mkdir -p build-deb; \
	printf '%s\n' $(KERNEL_GUESTS) | xargs -P 2 -I{} sh -c \
	  'tests/kernels/run_guest.sh {} >build-deb/guest-{}.log 2>&1; echo $$? >build-deb/guest-{}.rc'; \
	for g in $(KERNEL_GUESTS); do \
	  cat build-deb/guest-$$g.log; \
	  [ "$$(cat build-deb/guest-$$g.rc 2>/dev/null)" = 0 ] || failed="$$failed $$g"; \
	done; \
	if [ -n "$$failed" ]; then echo "test-kernels failed for:$$failed" >&2; exit 1; fi

# What bench/ needs beyond the build (BCC baseline, kernel headers, perf): never
# part of run or test.
bench-deps:
	bench/deps.sh

format:
	clang-format -i $$(git ls-files '*.cpp' '*.h' '*.c')

clean:
	rm -rf $(BUILD_DIR) build-sanitize build-fuzz build-variant-* build-deb dist
