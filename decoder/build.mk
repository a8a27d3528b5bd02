# decoder/: reason tables, qualification decoding, rendering, the batch request parser.
#
# DECODER_CORE_SRCS is the part that must build freestanding (no libc, only stdint/stdbool/stddef and
# decoder/strings.h): the bare-metal VT-x test kernel and the kernel module link these objects. The
# `decoder-freestanding` target (part of `make all`) compiles them with -ffreestanding -nostdlib -fno-builtin
# and fails on any undefined symbol beyond the four a freestanding C environment must provide.
DECODER_CORE_SRCS := decoder/reasons.c decoder/names.c decoder/strings.c decoder/decode.c decoder/decode_vmx.c \
	decoder/decode_svm.c decoder/writer.c decoder/render.c decoder/record_render.c decoder/detail_fields.c \
	decoder/request.c
LIB_SRCS += $(wildcard decoder/*.c)

# ---- freestanding check ----
DECODER_FREESTANDING_FLAGS := -std=gnu11 -Wall -Wextra -Werror -O2 -ffreestanding -nostdlib -fno-builtin \
	-fno-stack-protector -mgeneral-regs-only -mno-red-zone -fno-pic
DECODER_FREESTANDING_OBJS := $(DECODER_CORE_SRCS:%.c=$(BUILD)/freestanding/%.o)
# What any freestanding C environment must supply (GCC may emit calls to them for struct copies).
DECODER_FREESTANDING_ALLOWED := memcpy memset memmove memcmp

$(BUILD)/freestanding/%.o: %.c
	@mkdir -p $(@D)
	$(CC) -I. -Iinclude $(DECODER_FREESTANDING_FLAGS) -c $< -o $@

$(BUILD)/freestanding/decoder-core.o: $(DECODER_FREESTANDING_OBJS)
	$(LD) -r -o $@ $^
	@undef=$$(nm -u $@ | awk '{print $$2}' | grep -vxF $(addprefix -e ,$(DECODER_FREESTANDING_ALLOWED)) || true); \
	if [ -n "$$undef" ]; then \
		echo "decoder core is not freestanding: undefined symbols: $$undef" >&2; rm -f $@; exit 1; \
	fi

.PHONY: decoder-freestanding
decoder-freestanding: $(BUILD)/freestanding/decoder-core.o
ALL_EXTRA += decoder-freestanding

# ---- the tables against the installed uapi headers (tests/unit/test_decoder_uapi.c) ----
DECODER_UAPI_GEN := $(BUILD)/gen/decoder_uapi_macros.h

# Regenerated on every build (one preprocessor run); the file changes only when the headers do.
$(DECODER_UAPI_GEN): decoder/gen_uapi_reasons.sh FORCE
	@mkdir -p $(@D)
	@decoder/gen_uapi_reasons.sh "$(CC)" $@

$(O)/tests/unit/test_decoder_uapi.o: $(DECODER_UAPI_GEN)
$(O)/tests/unit/test_decoder_uapi.o: CPPFLAGS += -I$(BUILD)/gen

.PHONY: FORCE
FORCE:
