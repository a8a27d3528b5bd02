# kmod-vmx/: the VT-x core (core/), the bare-metal Bochs test kernel (bare/), the Linux module (linux/) and
# the tools that test them (tools/).
#
# The core builds three ways:
#   - freestanding, linked into the bare test kernel image  $(BUILD)/kmod-vmx/vmx-test.img
#   - its pure parts as host objects for unit tests and fuzzers  $(BUILD)/libkmodvmx-host.a
#   - inside the Linux module kmod_vmx.ko (kmod-vmx/linux, kbuild)
#
#   make test-vmx     build the image and run tests/vmx/*.sh (Bochs on several CPU models)
#   make kmod         build kmod_vmx.ko against KDIR (default: the running kernel's build directory)
#   make test-kmod    boot Debian's kernel in Bochs with VT-x, load the module there and run tests/kmod

KVMX_BUILD := $(BUILD)/kmod-vmx
KVMX_IMAGE := $(KVMX_BUILD)/vmx-test.img
KVMX_XSR_CHECK := $(KVMX_BUILD)/xsr-check

# ---- host objects of the core's pure parts (no privileged instructions) ----
KVMX_HOST_SRCS := $(addprefix kmod-vmx/core/,fmt.c caps.c controls.c ept.c ring.c exit_record.c policy.c vcpu_state.c \
	guest_regs.c) kmod-vmx/bare/runner_decode.c kmod-vmx/bare/runner_entry.c
KVMX_HOST_LIB := $(BUILD)/libkmodvmx-host.a
# The launcher's vmx backend checks controls against CPU models with the same code (host objects).
LIB_SRCS += $(KVMX_HOST_SRCS)

$(KVMX_HOST_LIB): $(KVMX_HOST_SRCS:%.c=$(O)/%.o)
	@mkdir -p $(@D)
	@rm -f $@
	$(AR) rcs $@ $^

KVMX_UNIT_BINS := $(patsubst tests/unit/%.c,$(BUILD)/tests/unit/%,$(wildcard tests/unit/test_kmodvmx_*.c))
$(KVMX_UNIT_BINS): $(KVMX_HOST_LIB)
$(KVMX_UNIT_BINS): UNIT_TEST_LIBS += $(KVMX_HOST_LIB)
KVMX_FUZZ_BINS := $(patsubst tests/fuzz/%.c,$(BUILD)/fuzzers/%,$(wildcard tests/fuzz/fuzz_kmodvmx_*.c))
$(KVMX_FUZZ_BINS): $(KVMX_HOST_LIB)
$(KVMX_FUZZ_BINS): LDLIBS := $(KVMX_HOST_LIB) $(LDLIBS)

# ---- the bare-metal test kernel ----
# Always GCC: the image's flags (and the boot code) are GCC's, whatever CC a sanitizer build picked.
KVMX_BARE_CC := gcc
KVMX_BARE_CFLAGS := -std=gnu11 -Wall -Wextra -Werror -g -O2 -MMD -MP -I. -Iinclude \
	-ffreestanding -fno-builtin -nostdlib -fno-stack-protector -fno-pic -fno-pie -mcmodel=small \
	-mgeneral-regs-only -mno-red-zone -fno-tree-loop-distribute-patterns -fno-asynchronous-unwind-tables \
	-fcf-protection=none
# Both images share the core, the decoder, the boot code and the machine (machine.c, platform.c, ...); the
# test kernel adds its scenarios and guests, the runner (the vmx backend's image) its run loop.
KVMX_RUNNER_ONLY := $(wildcard kmod-vmx/bare/runner*.c)
KVMX_TEST_ONLY := kmod-vmx/bare/main.c kmod-vmx/bare/guest_env.c $(wildcard kmod-vmx/bare/scenario*.c)
KVMX_SHARED_SRCS = $(wildcard kmod-vmx/core/*.c) \
	$(filter-out $(KVMX_RUNNER_ONLY) $(KVMX_TEST_ONLY),$(wildcard kmod-vmx/bare/*.c)) $(DECODER_CORE_SRCS)
KVMX_SHARED_ASM := kmod-vmx/bare/boot.S kmod-vmx/bare/start.S kmod-vmx/core/enter_x86_64.S
KVMX_SHARED_OBJS = $(patsubst %.c,$(KVMX_BUILD)/obj/%.o,$(KVMX_SHARED_SRCS)) \
	$(patsubst %.S,$(KVMX_BUILD)/obj/%.o,$(KVMX_SHARED_ASM))
KVMX_BARE_OBJS = $(KVMX_SHARED_OBJS) $(patsubst %.c,$(KVMX_BUILD)/obj/%.o,$(KVMX_TEST_ONLY)) \
	$(KVMX_BUILD)/obj/kmod-vmx/bare/guests.o
KVMX_RUNNER_OBJS = $(KVMX_SHARED_OBJS) $(patsubst %.c,$(KVMX_BUILD)/obj/%.o,$(KVMX_RUNNER_ONLY))
KVMX_RUNNER := $(KVMX_BUILD)/vmx-runner.img
# Disk geometry the tests' bochsrc uses: 2 cylinders x 16 heads x 63 sectors.
KVMX_DISK_BYTES := 1032192

$(KVMX_BUILD)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(KVMX_BARE_CC) $(KVMX_BARE_CFLAGS) -c $< -o $@

$(KVMX_BUILD)/obj/%.o: %.S
	@mkdir -p $(@D)
	$(KVMX_BARE_CC) -MMD -MP -I. -Iinclude -c $< -o $@

# Two images from one link and one disk layout: the test kernel and the runner image the vmx backend boots
# (launcher/vmx_bochs.c finds it next to the binary's build tree or in EXITSCOPE_VMX_RUNNER).
$(KVMX_BUILD)/kernel.elf: $(KVMX_BARE_OBJS)
$(KVMX_BUILD)/runner.elf: $(KVMX_RUNNER_OBJS)
$(KVMX_BUILD)/kernel.elf $(KVMX_BUILD)/runner.elf: kmod-vmx/bare/kernel.ld
	ld -m elf_x86_64 -nostdlib -static -z noexecstack --no-warn-rwx-segments -T kmod-vmx/bare/kernel.ld -o $@ \
		$(filter %.o,$^)

$(KVMX_IMAGE): $(KVMX_BUILD)/kernel.elf
$(KVMX_RUNNER): $(KVMX_BUILD)/runner.elf
$(KVMX_IMAGE) $(KVMX_RUNNER):
	objcopy -O binary $< $@.tmp
	truncate -s $(KVMX_DISK_BYTES) $@.tmp
	mv $@.tmp $@

# ---- the record-file checker the tests use ----
# Only the common objects it needs, so the checker builds whatever state other areas are in.
$(KVMX_XSR_CHECK): $(O)/kmod-vmx/tools/xsr_check.o $(addprefix $(O)/common/,xsr.o sink.o util.o)
	@mkdir -p $(@D)
	$(CC) $(OPTFLAGS) $(LDFLAGS) $^ $(LDLIBS) -o $@

# ---- the Linux module and its test tools (statically linked: they run in the Bochs Linux test host) ----
KDIR ?= /lib/modules/$(shell uname -r)/build
KVMX_TEST := $(KVMX_BUILD)/kvmx-test
KVMX_FUZZ := $(KVMX_BUILD)/kvmx-fuzz
KVMX_TOOL_OBJS := $(O)/kmod-vmx/tools/kvmx_dev.o $(O)/kmod-vmx/tools/kvmx_guest.o

$(O)/kmod-vmx/tools/%.o: kmod-vmx/tools/%.S
	@mkdir -p $(@D)
	$(CC) -c $< -o $@

# the decoder names the reasons it counts
$(KVMX_TEST): $(O)/kmod-vmx/tools/kvmx_test.o $(KVMX_TOOL_OBJS) $(KVMX_HOST_LIB) $(DECODER_CORE_SRCS:%.c=$(O)/%.o)
	@mkdir -p $(@D)
	$(CC) -static $(OPTFLAGS) $^ -o $@

$(KVMX_FUZZ): $(O)/kmod-vmx/tools/kvmx_fuzz.o $(KVMX_TOOL_OBJS) $(KVMX_HOST_LIB)
	@mkdir -p $(@D)
	$(CC) -static $(OPTFLAGS) $^ -o $@

.PHONY: kmod kmod-tools test-kmod
kmod:
	$(MAKE) -C kmod-vmx/linux KDIR=$(KDIR) OUT=$(abspath $(KVMX_BUILD))/module

kmod-tools: $(KVMX_TEST) $(KVMX_FUZZ)
ALL_EXTRA += kmod-tools
TEST_PREP += kmod-tools

test-kmod: deps
	$(SUB_MAKE) kmod-tools static-exitscope vmx-image exitscope
	BUILD=$(BUILD) tests/run.sh kmod

.PHONY: vmx-image test-vmx
vmx-image: $(KVMX_IMAGE) $(KVMX_XSR_CHECK) $(KVMX_RUNNER)
ALL_EXTRA += vmx-image
TEST_PREP += vmx-image

test-vmx: deps
	$(SUB_MAKE) vmx-image exitscope
	BUILD=$(BUILD) tests/run.sh vmx

-include $(shell find $(KVMX_BUILD)/obj -name '*.d' 2>/dev/null)
