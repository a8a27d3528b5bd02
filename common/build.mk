# common/: utilities, the sink interface, record files, aggregation.
LIB_SRCS += $(wildcard common/*.c)
