// SPDX-License-Identifier: MIT
#include "common/host_facts.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>

/* "vendor_id" and "model name" of the first CPU in /proc/cpuinfo. */
static int cpu_facts(struct xs_sink *s)
{
	FILE *f = fopen("/proc/cpuinfo", "r");
	if (!f)
		return 0; /* not knowing the CPU is no error */
	int first = 0, rc;
	char line[512];
	bool vendor = false, model = false;
	while ((!vendor || !model) && fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':');
		if (!colon)
			continue;
		char *value = colon + 1 + (colon[1] == ' ');
		value[strcspn(value, "\n")] = 0;
		if (!vendor && !strncmp(line, "vendor_id", 9)) {
			if ((rc = xs_sink_meta(s, "run.cpu_vendor", value)) && !first)
				first = rc;
			vendor = true;
		} else if (!model && !strncmp(line, "model name", 10)) {
			if ((rc = xs_sink_meta(s, "run.cpu_model", value)) && !first)
				first = rc;
			model = true;
		}
	}
	fclose(f);
	return first;
}

int xs_meta_host_facts(struct xs_sink *s)
{
	int first, rc;
	time_t now = time(NULL);
	struct tm tm;
	char iso[32];
	gmtime_r(&now, &tm);
	strftime(iso, sizeof(iso), "%Y-%m-%dT%H:%M:%SZ", &tm);
	first = xs_sink_meta(s, "run.started_at", iso);
	struct utsname u;
	if (!uname(&u)) {
		if ((rc = xs_sink_meta(s, "run.host", u.nodename)) && !first)
			first = rc;
		if ((rc = xs_sink_meta(s, "run.kernel", u.release)) && !first)
			first = rc;
	}
	if ((rc = cpu_facts(s)) && !first)
		first = rc;
	return first;
}
