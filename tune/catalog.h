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
	bool owned;    /* name is malloc'd */
};

/* The backends xs.run{backend=} takes; NULL-terminated. */
const char *const *xs_tune_backends(void);

/*
 * The controls of a backend; *out is freed with xs_tune_controls_free. kvm: the KVM keys, each probed on this
 * host. vmx: the launcher's list for the CPU model (xs_launch_list_controls), with examples. -1 and a message
 * for an unknown backend or model.
 */
int xs_tune_controls(const char *backend, const char *cpu_model, struct xs_tune_control **out, size_t *n, char *err,
		     size_t errlen);
void xs_tune_controls_free(struct xs_tune_control *list, size_t n);

/* "auto" or NULL as a run resolves it: kvm when the KVM device opens, else vmx; other names as given. */
const char *xs_tune_backend_resolve(const char *backend);

#endif
