/* SPDX-License-Identifier: MIT */
/*
 * The dashboard's header: the source, the host it describes (kernel, CPU vendor, the exit isa seen), the rate
 * now, the total, what was dropped, elapsed time, and the view settings. Filled by the dashboard from the model,
 * the queue and the source; rendered to lines here so the screen and the text snapshots agree.
 */
#ifndef EXITSCOPE_TUI_HEADER_H
#define EXITSCOPE_TUI_HEADER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tui/frame.h"

struct tui_header {
	char source[128];  /* "replay run.xsr at 10x", "all VMs (bpf)", "run: guest io" */
	char kernel[64];   /* the host kernel the exits come from */
	char cpu[64];	   /* its CPU vendor */
	char isas[48];	   /* the isas of the exits seen: "svm", "vmx", "host events" */
	char state[96];	   /* the source's state: "running", "replay finished", "guest exited", or its error */
	double rate_now;   /* exits/s over the last complete second, under the filter; < 0: unknown */
	uint64_t total;	   /* exits under the filter */
	uint64_t received; /* all exits received */
	uint64_t dropped;  /* lost anywhere: queue overflow, the source's own drops, unreadable records */
	double elapsed_s;
	double interval_s;
	bool paused;
	bool tsc_ticks;	   /* latencies in TSC ticks (vmx backend): the header says what "t" means */
	bool finished;	   /* the source ended: the figures are final */
	char counting[96]; /* how exits are counted: "in the kernel (aggregation)", "per exit (replay)" */
	uint64_t agg_full; /* aggregation mode: exits not counted, the kernel's cell map was full */
};

#define TUI_HEADER_LINE 512

/*
 * The three header lines for a terminal `width` wide (line 2 carries filter, sort and table). *state_x (may be
 * NULL) gets the column where the state (PAUSED, replay finished, ...) starts on line 0.
 */
void tui_header_lines(const struct tui_header *h, const struct tui_view *v, int width, char lines[3][TUI_HEADER_LINE],
		      int *state_x);

/* "A list of the isas in mask (tui_model.isa_seen)": "svm", "vmx+kvm", "none yet". */
void tui_isas_text(unsigned int mask, char *buf, size_t len);

#endif
