// SPDX-License-Identifier: MIT
#include "cli/kvm_device.h"

#include <stdlib.h>

const char *xs_cli_kvm_device(void)
{
	const char *device = getenv("EXITSCOPE_KVM");
	return device && *device ? device : "/dev/kvm";
}
