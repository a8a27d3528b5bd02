/* SPDX-License-Identifier: MIT */
/*
 * The controls a backend offers, as xs.controls() lists them: name, kind, the values it takes, an example
 * value that turns it on (what controls-impact.lua flips a control to), and whether this host honours it.
 * "Supported" is measured, not assumed: each control is handed to the launcher with its example value and
 * the launcher's own probe (launcher/probe.h, by effect) decides; a host without the backend's device gets
 * every control unsupported with the reason.
 */
#ifndef EXITSCOPE_TUNE_CATALOG_H
#define EXITSCOPE_TUNE_CATALOG_H

#include <stdbool.h>
#include <stddef.h>

struct xs_tune_control {
	const char *name, *kind, *values, *example;
	bool supported;
	char why[600]; /* when not supported */
};

/* The backends xs.run{backend=} takes; NULL-terminated. */
const char *const *xs_tune_backends(void);

/* The controls of a backend, probed; *out malloc'd (free it). -1 and a message for an unknown backend. */
int xs_tune_controls(const char *backend, const char *cpu_model, struct xs_tune_control **out, size_t *n, char *err,
		     size_t errlen);

#endif
