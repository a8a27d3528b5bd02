// SPDX-License-Identifier: MIT
#include "tui/text.h"

#include <string.h>

#include "tui/columns.h"
#include "tui/format.h"

/* Sparkline levels in ASCII: logs must read the same everywhere. */
static const char spark_ascii[TUI_SPARK_LEVELS] = {' ', '_', '.', '-', '=', '+', '*', '#', '@'};

static void print_cell(FILE *out, const struct tui_column *c, const char *text, bool first)
{
	fprintf(out, "%s%*.*s", first ? "" : " ", c->right ? c->width : -c->width, c->width, text);
}

static void print_table(FILE *out, const char *title, const struct tui_frame *f)
{
	struct tui_column cols[TUI_MAX_COLUMNS];
	size_t n = tui_columns(f->table, TUI_TEXT_WIDTH, cols);
	fprintf(out, "%s\n", title);
	for (size_t c = 0; c < n; c++)
		print_cell(out, &cols[c], tui_column_title(&cols[c], f->time), !c);
	fputc('\n', out);
	for (size_t r = 0; r < f->nrows; r++) {
		const struct tui_row *row = &f->rows[r];
		for (size_t c = 0; c < n; c++) {
			char text[128];
			if (cols[c].col == TUI_COL_SPARK) {
				unsigned char levels[TUI_SPARK_MAX];
				/* The newest second is still filling: the line ends with the last complete one. */
				tui_sparkline(row->agg.per_sec, XS_AGG_SECONDS - 1, (size_t)cols[c].width, levels);
				for (int i = 0; i < cols[c].width; i++)
					text[i] = spark_ascii[levels[i]];
				text[cols[c].width] = 0;
			} else {
				tui_cell(f, row, cols[c].col, true, text, sizeof(text));
			}
			print_cell(out, &cols[c], text, !c);
		}
		fputc('\n', out);
	}
	if (!f->nrows)
		fprintf(out, "(no exits%s)\n", f->received ? " under the filter" : " yet");
}

void tui_text_snapshot(FILE *out, unsigned long n, const struct tui_header *h, const struct tui_view *v,
		       const struct tui_frame *reasons, const struct tui_frame *vcpus)
{
	char lines[3][TUI_HEADER_LINE];
	tui_header_lines(h, v, TUI_TEXT_WIDTH, lines, NULL);
	fprintf(out, "=== snapshot %lu ===\n%s\n%s\n%s\n\n", n, lines[0], lines[1], lines[2]);
	print_table(out, "EXIT REASONS", reasons);
	fputc('\n', out);
	print_table(out, "PER VCPU", vcpus);
	fprintf(out, "\nLATEST EXITS\n");
	char line[1024];
	tui_latest_title(TUI_TEXT_WIDTH, reasons->time, reasons->symbols, line, sizeof(line));
	fprintf(out, "%s\n", line);
	for (size_t i = 0; i < reasons->nlatest && i < TUI_TEXT_LATEST; i++) {
		tui_latest_line(&reasons->latest[i], reasons->base_ts, reasons->time, reasons->symbols, TUI_TEXT_WIDTH,
				line, sizeof(line));
		fprintf(out, "%s\n", line);
	}
	fputc('\n', out);
	fflush(out);
}
