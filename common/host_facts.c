// SPDX-License-Identifier: MIT
#include "common/host_facts.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>

/* "vendor_id" and "model name" of the first CPU in /proc/cpuinfo. */
static void cpu_facts(struct xs_sink *s)
{
	FILE *f = fopen("/proc/cpuinfo", "r");
	if (!f)
		return;
	char line[512];
	bool vendor = false, model = false;
	while ((!vendor || !model) && fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':');
		if (!colon)
			continue;
		char *value = colon + 1 + (colon[1] == ' ');
		value[strcspn(value, "\n")] = 0;
		if (!vendor && !strncmp(line, "vendor_id", 9)) {
			xs_sink_meta(s, "run.cpu_vendor", value);
			vendor = true;
		} else if (!model && !strncmp(line, "model name", 10)) {
			xs_sink_meta(s, "run.cpu_model", value);
			model = true;
		}
	}
	fclose(f);
}

void xs_meta_host_facts(struct xs_sink *s)
{
	time_t now = time(NULL);
	struct tm tm;
	char iso[32];
	gmtime_r(&now, &tm);
	strftime(iso, sizeof(iso), "%Y-%m-%dT%H:%M:%SZ", &tm);
	xs_sink_meta(s, "run.started_at", iso);
	struct utsname u;
	if (!uname(&u)) {
		xs_sink_meta(s, "run.host", u.nodename);
		xs_sink_meta(s, "run.kernel", u.release);
	}
	cpu_facts(s);
}
