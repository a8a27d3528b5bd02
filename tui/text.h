/* SPDX-License-Identifier: MIT */
/*
 * Text snapshots for `exitscope top --batch`: the header, the exit-reason table, the per-vCPU table and the
 * latest exits, as plain text for logs and scripts. Counts are exact; columns are those of a wide terminal.
 */
#ifndef EXITSCOPE_TUI_TEXT_H
#define EXITSCOPE_TUI_TEXT_H

#include <stdio.h>

#include "tui/frame.h"
#include "tui/header.h"

#define TUI_TEXT_WIDTH 132
#define TUI_TEXT_LATEST 10

/* One snapshot: number n (from 1); reasons and vcpus are frames of the two tables under the same view. */
void tui_text_snapshot(FILE *out, unsigned long n, const struct tui_header *h, const struct tui_view *v,
		       const struct tui_frame *reasons, const struct tui_frame *vcpus);

#endif
