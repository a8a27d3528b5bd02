# collector/: every exit of every VM on the host, from KVM tracepoints through a BPF ring buffer (or perf rings).
#
# The BPF object is built with clang against a vmlinux.h generated from the running kernel's BTF, and
# embedded in the program as a libbpf skeleton ($(BUILD)/gen/collector/exitscope.skel.h).
#
#   make test-vm          boot Debian's kernel under QEMU TCG with AMD-V and run tests/vm (statically linked
#                         exitscope inside)
#   make bench-collector  see bench/collector.mk

COLLECTOR_GEN := $(BUILD)/gen/collector
COLLECTOR_VMLINUX := $(COLLECTOR_GEN)/vmlinux.h
COLLECTOR_BPF_OBJ := $(COLLECTOR_GEN)/exitscope.bpf.o
COLLECTOR_SKEL := $(COLLECTOR_GEN)/exitscope.skel.h
BPFTOOL ?= $(shell command -v bpftool 2>/dev/null || echo /usr/sbin/bpftool)
BPF_CLANG ?= clang
KERNEL_BTF ?= /sys/kernel/btf/vmlinux

LIB_SRCS += $(filter-out %.bpf.c,$(wildcard collector/*.c))
GEN_HEADERS += $(COLLECTOR_SKEL)
CPPFLAGS += -I$(BUILD)/gen

ifeq ($(STATIC),1)
COLLECTOR_LIBS := $(shell pkg-config --static --libs libbpf 2>/dev/null || echo -lbpf -lelf -lz) -lzstd
else
COLLECTOR_LIBS := $(shell pkg-config --libs libbpf 2>/dev/null || echo -lbpf -lelf -lz)
endif
LDLIBS += $(COLLECTOR_LIBS)

# A static link resolves left to right: the libraries other areas add after -lm and -lpthread (SQLite needs
# libm) and libelf's compression libraries must come again at the very end. Target-specific `+=` appends
# after every area's LDLIBS.
ifeq ($(STATIC),1)
$(BUILD)/exitscope: LDLIBS += -lm -lpthread -lzstd -lz
endif

$(COLLECTOR_VMLINUX):
	@mkdir -p $(@D)
	@test -r $(KERNEL_BTF) || { echo "collector: $(KERNEL_BTF) is missing: the kernel has no BTF (CONFIG_DEBUG_INFO_BTF)" >&2; exit 1; }
	$(BPFTOOL) btf dump file $(KERNEL_BTF) format c >$@.tmp
	mv $@.tmp $@

$(COLLECTOR_BPF_OBJ): collector/exitscope.bpf.c collector/agg_map.h collector/kvm_core.bpf.h collector/kread.bpf.h collector/events.h collector/bpf_config.h include/exitscope/record.h $(COLLECTOR_VMLINUX)
	@mkdir -p $(@D)
	$(BPF_CLANG) -g -O2 -target bpf -D__TARGET_ARCH_x86 -Wall -Werror -I. -Iinclude -I$(COLLECTOR_GEN) -c $< -o $@

$(COLLECTOR_SKEL): $(COLLECTOR_BPF_OBJ)
	$(BPFTOOL) gen skeleton $< name exitscope_bpf >$@.tmp
	mv $@.tmp $@

# ---- the QEMU AMD-V test host (tests/vm) ----
# A statically linked exitscope runs inside the test host's initramfs.
.PHONY: static-exitscope test-vm
static-exitscope:
	$(MAKE) --no-print-directory XS_NO_DEPS=1 BUILD=$(BUILD)/static STATIC=1 $(BUILD)/static/exitscope
TEST_PREP += static-exitscope

test-vm: deps
	$(SUB_MAKE) static-exitscope
	BUILD=$(BUILD) tests/run.sh vm
