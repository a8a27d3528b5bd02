# analysis/: pure functions over exit records and aggregates that report, top, query and export share —
# guest symbol tables (ELF through libelf, System.map, kallsyms), the guest's privilege level, latency
# histograms, per-symbol aggregation, and the export formats.
LIB_SRCS += $(wildcard analysis/*.c)
LDLIBS += -lelf
