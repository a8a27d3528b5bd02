# launcher/: the KVM guest launcher behind `exitscope run`, and the built-in guests it embeds.
#
# Each guest source launcher/guests/<name>.S is assembled once per CPU mode (16 real, 32 protected,
# 64 long) with the shared runtime, linked flat at 0x8000 (guests/guest.ld), and embedded as C
# ($(BUILD)/gen/launcher_guests.c) into libexitscope.a. GNU as and ld do the work, whatever $(CC) is.

LAUNCHER_GUESTS := io mmio msr cpuid hlt cr debug mixed insns
LAUNCHER_MODES := 16 32 64
LAUNCHER_GEN := $(BUILD)/gen/launcher_guests.c
LAUNCHER_GDIR := $(BUILD)/guests

LIB_SRCS += $(wildcard launcher/*.c) $(LAUNCHER_GEN)

# name_mode pairs: every guest in every mode, and the probe guest in long mode only.
LAUNCHER_IMAGES := $(foreach g,$(LAUNCHER_GUESTS),$(foreach m,$(LAUNCHER_MODES),$(g)_$(m))) probe_64
LAUNCHER_GUEST_DEPS := launcher/guests/mode.h launcher/guests/guest.ld launcher/guest_abi.h launcher/probe_abi.h

guest_as = $(if $(filter 64,$(1)),--64,--32)
guest_ld = $(if $(filter 64,$(1)),elf_x86_64,elf_i386)

# $(LAUNCHER_GDIR)/<name>_<mode>.o from launcher/guests/<name>.S
define launcher_guest_rules
$(LAUNCHER_GDIR)/$(1)_$(2).o: launcher/guests/$(1).S $(LAUNCHER_GUEST_DEPS)
	@mkdir -p $$(@D)
	$$(CC) -E -P -x assembler-with-cpp -I. -DXS_MODE=$(2) $$< | as $(call guest_as,$(2)) -o $$@
$(LAUNCHER_GDIR)/$(1)_$(2).elf: $(LAUNCHER_GDIR)/runtime_$(2).o $(LAUNCHER_GDIR)/$(1)_$(2).o
	ld -m $(call guest_ld,$(2)) -nostdlib -T launcher/guests/guest.ld $$^ -o $$@
$(LAUNCHER_GDIR)/$(1)_$(2).bin: $(LAUNCHER_GDIR)/$(1)_$(2).elf
	objcopy -O binary $$< $$@
endef
# the runtime once per mode
define launcher_runtime_rule
$(LAUNCHER_GDIR)/runtime_$(1).o: launcher/guests/runtime.S $(LAUNCHER_GUEST_DEPS)
	@mkdir -p $$(@D)
	$$(CC) -E -P -x assembler-with-cpp -I. -DXS_MODE=$(1) $$< | as $(call guest_as,$(1)) -o $$@
endef
$(foreach m,$(LAUNCHER_MODES),$(eval $(call launcher_runtime_rule,$(m))))
$(foreach i,$(LAUNCHER_IMAGES),$(eval $(call launcher_guest_rules,$(word 1,$(subst _, ,$(i))),$(word 2,$(subst _, ,$(i))))))

$(LAUNCHER_GEN): launcher/guests/embed.sh $(foreach i,$(LAUNCHER_IMAGES),$(LAUNCHER_GDIR)/$(i).bin $(LAUNCHER_GDIR)/$(i).elf)
	@mkdir -p $(@D)
	launcher/guests/embed.sh $@ $(foreach i,$(LAUNCHER_IMAGES),$(subst _,:,$(i)):$(LAUNCHER_GDIR)/$(i).bin:$(LAUNCHER_GDIR)/$(i).elf)
