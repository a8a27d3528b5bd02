// SPDX-License-Identifier: MIT
#include "tui/vmnames.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/text.h"
#include "tui/host.h"

void tui_vmnames_init(struct tui_vmnames *v, bool live)
{
	memset(v, 0, sizeof(*v));
	v->live = live;
}

void tui_vmnames_set_guest(struct tui_vmnames *v, const char *guest)
{
	snprintf(v->run_guest, sizeof(v->run_guest), "%s", guest);
}

const char *tui_vmnames_get(void *arg, uint32_t pid)
{
	struct tui_vmnames *v = arg;
	/* A guest this process launched is named by its run, not by our own command line. */
	if (pid == (uint32_t)getpid() && v->run_guest[0])
		return v->run_guest;
	for (size_t i = 0; i < v->n; i++)
		if (v->e[i].pid == pid)
			return v->e[i].found ? v->e[i].name : (v->run_guest[0] ? v->run_guest : NULL);
	char raw[48], name[48];
	bool found = v->live && tui_process_vm_name(pid, raw, sizeof(raw));
	if (found) /* another user's command line: no raw escapes on our screen */
		xs_text_safe(raw, name, sizeof(name));
	if (v->n < TUI_VMNAMES) { /* beyond that many VMs, names are looked up each time */
		v->e[v->n].pid = pid;
		v->e[v->n].found = found;
		snprintf(v->e[v->n].name, sizeof(v->e[v->n].name), "%s", found ? name : "");
		v->n++;
		return found ? v->e[v->n - 1].name : (v->run_guest[0] ? v->run_guest : NULL);
	}
	if (found) {
		snprintf(v->scratch, sizeof(v->scratch), "%s", name);
		return v->scratch;
	}
	return v->run_guest[0] ? v->run_guest : NULL;
}
