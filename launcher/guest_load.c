// SPDX-License-Identifier: MIT
/* Loading a run's guest: built-in or an --image file (guest_load.h). */
#include "launcher/guest_load.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ERR(...) (snprintf(err, errlen, __VA_ARGS__), -1)

static int load_builtin(const struct xs_launch_config *cfg, struct xs_loaded_guest *g, char *err, size_t errlen)
{
	g->guest = xs_guest_find(cfg->guest);
	if (!g->guest)
		return ERR("unknown guest '%s'", cfg->guest);
	g->blob = xs_guest_image(g->guest->name, cfg->mode);
	if (!g->blob)
		return ERR("guest %s is not built for %s mode", g->guest->name, xs_mode_name(cfg->mode));
	if (cfg->entry_set || cfg->load_set)
		return ERR("--entry and --load are for --image; built-in guests start at 0x%x", XS_GPA_GUEST);
	g->img.n = 1;
	g->img.seg[0] = (struct xs_image_segment){XS_GPA_GUEST, g->blob->image, g->blob->size, g->blob->size};
	g->entry = XS_GPA_GUEST;
	g->own_exceptions = g->guest->own_exceptions ? g->guest->own_exceptions(cfg->args) : 0;
	return 0;
}

static int load_file(const struct xs_launch_config *cfg, struct xs_loaded_guest *g, char *err, size_t errlen)
{
	size_t len;
	if (xs_image_read_file(cfg->image_path, cfg->mem_mb << 20, &g->file, &len, err, errlen))
		return -1;
	char msg[256];
	uint64_t flat_load = cfg->load_set ? cfg->load : cfg->entry;
	if (xs_image_parse(g->file, len, flat_load, &g->img, msg, sizeof(msg)))
		return ERR("%s: %s", cfg->image_path, msg);
	if (!g->img.elf && !cfg->entry_set)
		return ERR("%s: a flat image needs --entry ADDR", cfg->image_path);
	if (g->img.elf && cfg->load_set)
		return ERR("%s: --load is for flat images; an ELF file says where its segments go", cfg->image_path);
	g->entry = cfg->entry_set ? cfg->entry : g->img.entry;
	struct xs_layout_check lc = {cfg->mem_mb << 20, cfg->mode, g->entry};
	if (xs_image_check_layout(&g->img, &lc, msg, sizeof(msg)))
		return ERR("%s: %s", cfg->image_path, msg);
	return 0;
}

int xs_guest_load(const struct xs_launch_config *cfg, struct xs_loaded_guest *out, char *err, size_t errlen)
{
	memset(out, 0, sizeof(*out));
	return cfg->guest ? load_builtin(cfg, out, err, errlen) : load_file(cfg, out, err, errlen);
}

void xs_guest_loaded_free(struct xs_loaded_guest *g)
{
	free(g->file);
	g->file = NULL;
}
