/* SPDX-License-Identifier: MIT */
/* `exitscope run --list-cpu-models` and `--list-controls` (cli/vmx_lists.c). */
#ifndef EXITSCOPE_CLI_VMX_LISTS_H
#define EXITSCOPE_CLI_VMX_LISTS_H

#include <stdio.h>

/* Every Bochs CPU model the vmx backend emulates, with its VMX controls; the default marked. */
void xs_vmx_print_models(FILE *out);
/* Every control of the backend with supported yes/no; -1 after a one-line error. */
int xs_print_controls(FILE *out, const char *backend, const char *vmx_host, const char *cpu_model);

#endif
