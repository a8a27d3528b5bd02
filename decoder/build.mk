# decoder/: reason tables and qualification decoding. Freestanding (no libc) so the VT-x test kernel links it.
LIB_SRCS += $(wildcard decoder/*.c)
