# exitscope — top-level build.
#
#   make              build everything this host can build (build/exitscope); installs nothing: a missing Debian
#                     package stops it with one line naming the package
#   make deps         install the missing Debian packages (scripts/deps.sh; as root, idempotent)
#   make test         build and run the whole suite: unit, sanitizers, fuzzers, integration, QEMU AMD-V, Bochs VT-x
#   make demo         launch the built-in guest, record into exitscope.db, print the report
#   make bench        run every benchmark and print one results table
#   make install PREFIX=/usr/local
#
# Each area (common/, decoder/, launcher/, ...) adds its sources, tests and extra targets in its own
# <area>/build.mk; this file holds only what they share. BUILD=dir builds elsewhere (build/san, build/fuzz).

.DEFAULT_GOAL := all
SHELL := /bin/bash
# A recipe that fails half-way leaves no half-written target that a later make would take as up to date.
.DELETE_ON_ERROR:

BUILD ?= build
O := $(BUILD)/obj
PREFIX ?= /usr/local
XS_VERSION ?= $(shell git describe --always --dirty 2>/dev/null || echo dev)

# SAN=1: ASan+UBSan; SAN=fuzz: libFuzzer instrumentation (with clang); STATIC=1: a static binary.
SAN ?=
STATIC ?=
CPPFLAGS := -I. -Iinclude -D_GNU_SOURCE -DXS_VERSION=\"$(XS_VERSION)\"
CFLAGS := -std=gnu11 -Wall -Wextra -Werror -g -MMD -MP
OPTFLAGS := -O2
LDFLAGS :=
LDLIBS := -lpthread -lm
ifeq ($(SAN),1)
OPTFLAGS := -O1 -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all
LDFLAGS += -fsanitize=address,undefined
endif
ifeq ($(SAN),fuzz)
OPTFLAGS := -O1 -fno-omit-frame-pointer -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all
LDFLAGS += -fsanitize=address,undefined
endif
ifeq ($(STATIC),1)
LDFLAGS += -static
endif

# Filled in by the areas' build.mk files.
LIB_SRCS :=         # C sources linked into libexitscope.a (everything but cli/)
GEN_HEADERS :=      # generated headers the C sources need (BPF skeletons, ...)
ALL_EXTRA :=        # further things `make` builds (guest payloads, test images, the extension, ...)
UNIT_TEST_LIBS :=   # extra libraries unit tests link with
INSTALL_EXTRA :=    # phony targets `make install` also runs
TEST_PREP := check-layering # targets `make test` builds before running the suite

include $(sort $(wildcard */build.mk))

CLI_SRCS := $(wildcard cli/*.c)
LIB_OBJS := $(LIB_SRCS:%.c=$(O)/%.o)
CLI_OBJS := $(CLI_SRCS:%.c=$(O)/%.o)
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/unit/%)
FUZZ_SRCS := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BINS := $(FUZZ_SRCS:tests/fuzz/%.c=$(BUILD)/fuzzers/%)
LIB := $(BUILD)/libexitscope.a
EXITSCOPE := $(BUILD)/exitscope

.PHONY: all deps test test-unit test-san test-fuzz test-integration demo bench install clean format \
	unit-bins fuzz-bins exitscope check-layering
all: $(EXITSCOPE) $(ALL_EXTRA)
exitscope: $(EXITSCOPE)

# Installing packages is a step of its own: `make deps`, which the goals that promise to set a machine up
# (demo, test, test-*, bench) run first and then build in a sub-make (so under -j nothing compiles before the
# packages are there). Every other top-level invocation only checks, with dpkg, that the packages are installed
# and stops with one line naming the missing ones; sub-makes (XS_NO_DEPS=1), clean and format skip the check.
XS_INSTALLING_GOALS := deps demo test test-% bench clean format
ifneq ($(XS_NO_DEPS),1)
ifneq ($(filter-out $(XS_INSTALLING_GOALS),$(or $(MAKECMDGOALS),all)),)
XS_DEPS_MISSING := $(shell scripts/deps.sh --check 2>&1)
ifneq ($(XS_DEPS_MISSING),)
$(error $(XS_DEPS_MISSING))
endif
endif
endif
deps:
	scripts/deps.sh

$(O)/%.o: %.c | $(GEN_HEADERS)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(OPTFLAGS) -c $< -o $@

$(LIB): $(LIB_OBJS)
	@mkdir -p $(@D)
	@rm -f $@
	$(AR) rcs $@ $^

$(EXITSCOPE): $(CLI_OBJS) $(LIB)
	$(CC) $(OPTFLAGS) $(LDFLAGS) $(CLI_OBJS) $(LIB) $(LDLIBS) -o $@

# ---- tests ----

# A unit test links its own object, any further objects tests/build.mk names for it, the test helpers and the
# library.
$(BUILD)/tests/unit/%: $(O)/tests/unit/%.o $(TEST_HELPER_LIB) $(LIB)
	@mkdir -p $(@D)
	$(CC) $(OPTFLAGS) $(LDFLAGS) $(filter %.o,$^) $(TEST_HELPER_LIB) $(LIB) $(UNIT_TEST_LIBS) $(LDLIBS) -lcmocka -o $@

unit-bins: $(UNIT_BINS)

$(BUILD)/fuzzers/%: $(O)/tests/fuzz/%.o $(LIB)
	@mkdir -p $(@D)
	$(CC) $(OPTFLAGS) -fsanitize=fuzzer $(LDFLAGS) $< $(LIB) $(LDLIBS) -o $@

fuzz-bins: $(FUZZ_BINS)

SUB_MAKE = $(MAKE) --no-print-directory XS_NO_DEPS=1

# Every #include of ours against docs/architecture.md's include table (a violation fails `make test`).
check-layering:
	scripts/check-layering.py

test: deps
	$(SUB_MAKE) all unit-bins $(TEST_PREP)
	$(SUB_MAKE) BUILD=$(BUILD)/san SAN=1 unit-bins
	$(SUB_MAKE) BUILD=$(BUILD)/fuzz SAN=fuzz CC=clang fuzz-bins
	BUILD=$(BUILD) tests/run.sh all

test-unit: deps
	$(SUB_MAKE) all unit-bins
	BUILD=$(BUILD) tests/run.sh unit

test-san: deps
	$(SUB_MAKE) BUILD=$(BUILD)/san SAN=1 unit-bins
	BUILD=$(BUILD) tests/run.sh san

test-fuzz: deps
	$(SUB_MAKE) BUILD=$(BUILD)/fuzz SAN=fuzz CC=clang fuzz-bins
	BUILD=$(BUILD) tests/run.sh fuzz

test-integration: deps
	$(SUB_MAKE) all $(TEST_PREP)
	BUILD=$(BUILD) tests/run.sh integration

# ---- the main job on its embedded default ----

DEMO_DB ?= exitscope.db
demo: deps
	+$(SUB_MAKE) all
	$(EXITSCOPE) run --guest mixed --iterations 1000 -o $(DEMO_DB)
	$(EXITSCOPE) report $(DEMO_DB)

# ---- install ----

install: all $(INSTALL_EXTRA)
	install -D -m 0755 $(EXITSCOPE) $(DESTDIR)$(PREFIX)/bin/exitscope
	if [ -f docs/exitscope.1 ]; then install -D -m 0644 docs/exitscope.1 $(DESTDIR)$(PREFIX)/share/man/man1/exitscope.1; fi

format:
	clang-format -i $$(git ls-files '*.c' '*.h' | grep -v '^kmod-vmx/linux/')

clean:
	rm -rf build

# Keep objects that only feed a pattern rule (tests, fuzzers): relinking must not recompile them.
.SECONDARY:

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
