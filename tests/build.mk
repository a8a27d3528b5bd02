# tests/: what the unit tests share. tests/helpers/*.c (record builders, assert_reason) form libxstest.a,
# linked into every unit test; tests/helpers/prng.h is header-only, for benchmarks and fuzz targets too.
TEST_HELPER_SRCS := $(wildcard tests/helpers/*.c)
TEST_HELPER_LIB := $(BUILD)/libxstest.a

$(TEST_HELPER_LIB): $(TEST_HELPER_SRCS:%.c=$(O)/%.o)
	@mkdir -p $(@D)
	@rm -f $@
	$(AR) rcs $@ $^

# A unit test of a cli/ piece links that object (cli/ is not in libexitscope.a) instead of including its source.
$(BUILD)/tests/unit/test_decoder_print_sink: $(O)/cli/print_sink.o
