/* SPDX-License-Identifier: MIT */
/* The vmx backend's CPU models and control translation (launcher/vmx_bochs.c), for the CLI and tests. */
#ifndef EXITSCOPE_LAUNCHER_VMX_BACKEND_H
#define EXITSCOPE_LAUNCHER_VMX_BACKEND_H

#include "kmod-vmx/core/controls.h"
#include "launcher/launcher.h"
#include "launcher/vmx_models.h"

/* A model by name; NULL name: the default (the model with the most VMX controls). NULL when unknown. */
const struct vmx_model *xs_vmx_model_find(const char *name);
size_t xs_vmx_model_count(void);
const struct vmx_model *xs_vmx_model_at(size_t i);
void xs_vmx_model_caps(const struct vmx_model *m, struct kvmx_caps *c);
/* How many of the core's controls the model may set. */
unsigned int xs_vmx_model_features(const struct vmx_model *m);

/* The core's controls for a run of cfg with controls c (vmx.* keys and the generic keys translated). */
int xs_vmx_build_controls(const struct xs_launch_config *cfg, const struct xs_controls *c, struct kvmx_controls *k,
			  char *err, size_t errlen);

int xs_vmx_list_controls(const char *cpu_model,
			 void (*each)(void *ctx, const char *name, const char *kind, const char *values, bool supported,
				      const char *why),
			 void *ctx, char *err, size_t errlen);

#endif
