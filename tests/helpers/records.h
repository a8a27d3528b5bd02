/* SPDX-License-Identifier: MIT */
/*
 * Exit records for tests: the fields every test sets the same way in one place, so a test spells out only
 * what it is about. Linked into every unit test (libxstest.a, tests/build.mk).
 */
#ifndef EXITSCOPE_TESTS_RECORDS_H
#define EXITSCOPE_TESTS_RECORDS_H

#include <stdint.h>

#include "exitscope/record.h"

/* A zeroed record of the current version and core size with this reason. */
struct xs_exit_record xs_test_record(unsigned int isa, uint32_t reason);

/* Set latency_ns and XS_F_LATENCY when lat is not 0 (0: leave the record without one). */
void xs_test_set_latency(struct xs_exit_record *r, uint64_t lat);

/* Set guest_rip and XS_F_RIP when rip is not 0. */
void xs_test_set_rip(struct xs_exit_record *r, uint64_t rip);

/* Mark the guest-state block present (XS_F_GUEST_STATE, full size) with these valid bits. */
void xs_test_set_guest_state(struct xs_exit_record *r, uint64_t valid);

/* The I/O detail KVM and the launcher give one OUT/IN of size bytes at port. */
void xs_test_set_io(struct xs_exit_record *r, uint16_t port, uint8_t size, uint8_t direction, uint64_t value);

#endif
