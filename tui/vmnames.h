/* SPDX-License-Identifier: MIT */
/*
 * Names of the VMs behind the pids in the records, for the per-vCPU table, the detail view and `vm=NAME`
 * filters. Live sources name a pid after its process (tui/host.h); recorded ones can only use the run's
 * `run.guest` metadata (a launcher run has one VM). Looked up once per pid and cached.
 */
#ifndef EXITSCOPE_TUI_VMNAMES_H
#define EXITSCOPE_TUI_VMNAMES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TUI_VMNAMES 256

struct tui_vmnames {
	bool live;
	char run_guest[48]; /* run.guest of the recorded run, or "" */
	size_t n;
	struct {
		uint32_t pid;
		bool found;
		char name[48];
	} e[TUI_VMNAMES];
	char scratch[48]; /* a name beyond the cache */
};

void tui_vmnames_init(struct tui_vmnames *v, bool live);
/* The run's guest name (metadata run.guest) names pids /proc does not. */
void tui_vmnames_set_guest(struct tui_vmnames *v, const char *guest);
/* tui_vm_name_fn: the name of pid's VM, or NULL. arg is the struct tui_vmnames. */
const char *tui_vmnames_get(void *arg, uint32_t pid);

#endif
