/* SPDX-License-Identifier: MIT */
/* Small output helpers the analysis printers and exporters share. */
#ifndef EXITSCOPE_ANALYSIS_FORMAT_H
#define EXITSCOPE_ANALYSIS_FORMAT_H

#include <stddef.h>
#include <stdio.h>

/* A duration for people: 850ns, 12.3us, 4.56ms, 1.20s. Returns buf. */
const char *xs_fmt_ns(double ns, char *buf, size_t len);

/* s as a JSON string, quotes included. */
void xs_fputs_json(FILE *out, const char *s);

#endif
