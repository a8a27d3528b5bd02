/* SPDX-License-Identifier: MIT */
/*
 * The scenario harness, in the style of kvm-unit-tests' vmx tests: each scenario is a function that sets
 * controls, runs a guest from guests.S and checks the exit records the run produced (reason, decoded
 * qualification, RIP, guest state). Results go to the debug port as TAP; records go to COM1.
 */
#ifndef KVMX_BARE_SCENARIO_H
#define KVMX_BARE_SCENARIO_H

#include "kmod-vmx/core/vcpu.h"
#include "decoder/decoder.h"

#define SCN_MAX_RECS 64

struct scn {
	const char *name;
	unsigned int failures;
	bool skipped;
	char skip_reason[160];
	bool todo; /* a known defect of the emulator, not ours: reported as TAP "# TODO" with skip_reason */
	struct kvmx_cpu *cpu;
	struct kvmx_ring_header *ring;
	struct kvmx_vcpu v;
	bool vcpu_live;
	struct kvmx_controls c;
	struct kvmx_guest_state gs;
	struct xs_exit_record recs[SCN_MAX_RECS]; /* records drained since scn_begin */
	unsigned int n;
	u64 not_kept;		    /* records past SCN_MAX_RECS (still streamed to COM1) */
	struct xs_exit_record last; /* the newest record drained, kept or not */
	bool have_last;
	enum kvmx_stop stop;
	struct kvmx_err err;
};

struct scenario {
	const char *name;
	void (*run)(struct scn *s);
};

extern const struct scenario scenarios_exec[], scenarios_events[], scenarios_memory[], scenarios_failures[];

/* ---- results ---- */
void scn_fail(struct scn *s, const char *file, int line, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Skip the scenario: only for a feature this CPU model lacks; reason says which. */
void scn_skip(struct scn *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Mark a check that fails because of a known emulator defect (only when running under Bochs). */
void scn_todo(struct scn *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Are we running under Bochs? (Its port 0xe9 hack reads back 0xe9.) */
bool scn_under_bochs(void);

#define CHECK(s, cond, ...)                                           \
	do {                                                          \
		if (!(cond))                                          \
			scn_fail(s, __FILE__, __LINE__, __VA_ARGS__); \
	} while (0)
#define CHECK_EQ(s, what, got, want)                                                                                   \
	do {                                                                                                           \
		u64 got_ = (u64)(got), want_ = (u64)(want);                                                            \
		if (got_ != want_)                                                                                     \
			scn_fail(s, __FILE__, __LINE__, "%s: got 0x%llx, want 0x%llx", what, (unsigned long long)got_, \
				 (unsigned long long)want_);                                                           \
	} while (0)

/* ---- running guests ---- */
/* Fresh vCPU, zeroed controls, a 64-bit guest state at rip, guest log cleared, records cleared. */
void scn_begin(struct scn *s, const void *rip);
/* Does the CPU allow these controls? If not, skip the scenario naming the first one missing; false. */
bool scn_require(struct scn *s, const enum kvmx_ctl *ctls, unsigned int n);
#define SCN_REQUIRE(s, ...)                                  \
	scn_require(s, (const enum kvmx_ctl[]){__VA_ARGS__}, \
		    sizeof((const enum kvmx_ctl[]){__VA_ARGS__}) / sizeof(enum kvmx_ctl))
/* Map guest RAM 1:1 in the EPT (and the LAPIC page, uncached). */
bool scn_ept_identity(struct scn *s);
/* Configure the VMCS from s->c and s->gs; a refusal fails the scenario. */
bool scn_configure(struct scn *s);
/*
 * Run until the guest's VMCALL (I/O exits are completed on the way: IN reads all ones). Returns false, with
 * the scenario failed, if the run stopped for any other reason.
 */
bool scn_run_to_vmcall(struct scn *s);
/* One kvmx_vcpu_run; the records are drained. */
enum kvmx_stop scn_run_once(struct scn *s);
/* scn_configure + scn_run_to_vmcall. */
bool scn_go(struct scn *s);

/* The nth (0-based) record with this basic reason, or NULL. */
const struct xs_exit_record *scn_find(const struct scn *s, u32 basic_reason, unsigned int nth);
unsigned int scn_count(const struct scn *s, u32 basic_reason);
/* Print the kept records of the last run to the debug port (after a failure). */
void scn_dump(const struct scn *s);
/* The last record (the one that stopped the run). */
const struct xs_exit_record *scn_last(const struct scn *s);

/*
 * Expect exactly `count` exits of this reason, the first at guest RIP `at` (NULL: any). Returns the first
 * (NULL when none; the scenario has failed then).
 */
const struct xs_exit_record *scn_expect(struct scn *s, u32 basic_reason, unsigned int count, const void *at);
/* The same guest with the control off: no exit of this reason at all. */
void scn_expect_none(struct scn *s, u32 basic_reason);

/* Decoded qualification / interruption fields, by the decoder's names. */
void scn_check_field(struct scn *s, const struct xs_exit_record *r, const char *field, u64 want, int line);
void scn_check_field_name(struct scn *s, const struct xs_exit_record *r, const char *field, const char *want, int line);
#define CHECK_FIELD(s, r, field, want) scn_check_field(s, r, field, want, __LINE__)
#define CHECK_FIELD_NAME(s, r, field, want) scn_check_field_name(s, r, field, want, __LINE__)
/* Exits whose qualification the SDM leaves undefined (or zero): the decoder must find no field in it. */
void scn_check_no_fields(struct scn *s, const struct xs_exit_record *r, int line);
#define CHECK_NO_FIELDS(s, r) scn_check_no_fields(s, r, __LINE__)
/* The decoder's name for the record's reason must be `want`. */
void scn_check_reason_name(struct scn *s, const struct xs_exit_record *r, const char *want, int line);
#define CHECK_REASON(s, r, want) scn_check_reason_name(s, r, want, __LINE__)

/* Does text contain needle? (Refusal messages must name what they refuse.) */
bool scn_contains(const char *text, const char *needle);

static inline u64 addr(const void *p)
{
	return (u64)(__UINTPTR_TYPE__)p;
}

#endif
