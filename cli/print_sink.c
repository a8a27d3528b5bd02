// SPDX-License-Identifier: MIT
/* The print sink: one line per exit record (see print_sink.h). */
#include "cli/print_sink.h"

#include <errno.h>
#include <stdlib.h>

#include "common/util.h"
#include "decoder/decoder.h"

struct print_sink {
	struct xs_sink base;
	FILE *f;
	enum xs_print_format format;
	bool own_file;
	int error;  /* first write error, -errno */
	char *line; /* grows when a record needs more (a JSON record with guest state is ~3 KiB) */
	size_t cap;
};

static size_t render(struct print_sink *p, const struct xs_exit_record *r)
{
	for (;;) {
		size_t n = p->format == XS_PRINT_JSON ? xs_record_json(r, p->line, p->cap)
						      : xs_record_text(r, p->line, p->cap);
		if (n + 1 < p->cap) {
			p->line[n] = '\n';
			return n + 1;
		}
		p->cap = (n + 2) * 2;
		p->line = xs_realloc(p->line, p->cap);
	}
}

static int print_write(struct xs_sink *s, const struct xs_exit_record *recs, size_t n)
{
	struct print_sink *p = (struct print_sink *)s;
	s->written += n;
	for (size_t i = 0; i < n; i++) {
		if (p->error) {
			s->dropped += n - i;
			break;
		}
		size_t len = render(p, &recs[i]);
		if (fwrite(p->line, 1, len, p->f) != len) {
			p->error = -(errno ? errno : EIO);
			s->dropped++;
		}
	}
	return p->error;
}

static int print_flush(struct xs_sink *s)
{
	struct print_sink *p = (struct print_sink *)s;
	if (fflush(p->f) && !p->error)
		p->error = -(errno ? errno : EIO);
	return p->error;
}

static int print_close(struct xs_sink *s)
{
	struct print_sink *p = (struct print_sink *)s;
	int rc = print_flush(s);
	if (p->own_file && fclose(p->f) && !rc)
		rc = -(errno ? errno : EIO);
	free(p->line);
	free(p);
	return rc;
}

static const struct xs_sink_ops print_ops = {
	.write = print_write,
	.meta = 0,
	.flush = print_flush,
	.close = print_close,
};

struct xs_sink *xs_print_sink(FILE *f, enum xs_print_format format, bool own_file)
{
	struct print_sink *p = xs_calloc(1, sizeof(*p));
	p->base.ops = &print_ops;
	p->base.name = format == XS_PRINT_JSON ? "JSON printer" : "text printer";
	p->f = f;
	p->format = format;
	p->own_file = own_file;
	p->cap = 1024;
	p->line = xs_malloc(p->cap);
	return &p->base;
}
