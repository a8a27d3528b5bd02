/* SPDX-License-Identifier: MIT */
/*
 * The guest's current privilege level at an exit, from the record's guest-state snapshot: SS.DPL when the
 * segment access rights were captured (the CPL on both VT-x and AMD-V), else the CS selector's RPL; 0 in real
 * mode (CR0.PE clear). -1 when the record carries no state that says.
 */
#ifndef EXITSCOPE_ANALYSIS_CPL_H
#define EXITSCOPE_ANALYSIS_CPL_H

#include "exitscope/record.h"

int xs_guest_cpl(const struct xs_exit_record *r);

#endif
