// SPDX-License-Identifier: MIT
/*
 * exitscope decode: what an exit reason and its qualification mean.
 *
 *   exitscope decode --isa vmx|svm [--json] REASON [QUALIFICATION] [key=value ...]
 *   exitscope decode [--isa ISA] [--json] -          one request per stdin line, one result per line
 *   exitscope decode --list --isa vmx|svm|kvm|host [--json]
 *
 * Batch mode is built for volume: stdin is read in large blocks, lines are parsed in place and results are
 * rendered into one reused buffer (no allocation per line). A bad line yields an error object (JSON) or an
 * error message (text) and the stream goes on; the exit status is 1 if any line failed.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/command.h"
#include "cli/options.h"
#include "common/util.h"
#include "decoder/decoder.h"
#include "decoder/request.h"

#define MAX_LINE 4096	     /* longest batch line accepted, without its newline */
#define READ_BLOCK (1 << 16) /* stdin bytes read per call */
#define OUT_LINE (16 * 1024) /* one rendered result; a decoded exit needs well under 4 KiB */

static void usage(FILE *out)
{
	fprintf(out,
		"usage: exitscope decode --isa vmx|svm [--json] REASON [QUALIFICATION] [key=value ...]\n"
		"       exitscope decode [--isa ISA] [--json] -\n"
		"       exitscope decode --list --isa vmx|svm|kvm|host [--json]\n"
		"\n"
		"Decode a VM exit: the reason's name, its VMX flag bits, and its exit qualification (VMX) or\n"
		"EXITINFO1/EXITINFO2 (SVM) field by field.\n"
		"\n"
		"  REASON          a name (CR_ACCESS, EXIT_REASON_CR_ACCESS, npf, ...) or a number (28, 0x1c);\n"
		"                  VMX numbers may carry flag bits (0x80000021); SVM's -1 is ERR\n"
		"  QUALIFICATION   the exit qualification / EXITINFO1, decimal or 0x hex (default 0)\n"
		"  vector=N        exception vector of a VMX EXCEPTION_NMI exit (selects the #DB / #PF format)\n"
		"  intr_info=X     VMX VM-exit interruption information / SVM EXITINTINFO (low 32 bits)\n"
		"  error_code=X    the interruption error code (VMX) / EXITINTINFO bits 63:32 (SVM)\n"
		"  info2=X         SVM EXITINFO2 (NPF guest-physical address, IOIO next RIP, ...)\n"
		"  idt=X, idt_error=X   VMX IDT-vectoring information and error code\n"
		"  gpa=X, gla=X    guest-physical / guest-linear address of the exit\n"
		"\n"
		"  -               batch: read '[ISA] REASON [QUALIFICATION] [key=value ...]' lines from stdin\n"
		"                  (ISA optional with --isa; blank and '#' lines are skipped); one result per line\n"
		"  --json          JSON output: one object per exit; a bad batch line gives "
		"{\"line\":N,\"error\":...}\n"
		"  --list          print the reason table of the isa\n"
		"  --isa ISA       vmx, svm, kvm or host\n"
		"\n"
		"Exit status: 0 if everything decoded, 1 if a request (or any batch line) was bad, 2 for usage "
		"errors.\n"
		"Examples:\n"
		"  exitscope decode --isa vmx CR_ACCESS 0x3\n"
		"  exitscope decode --isa vmx --json EXCEPTION_NMI 0x4000 vector=1\n"
		"  printf 'svm NPF 0x100000004 info2=0xfee00000\\n' | exitscope decode --json -\n");
}

/* ---- --list ---- */

static int list_table(unsigned int isa, int json)
{
	const struct xs_reason_info *t;
	size_t n = xs_reason_table(isa, &t);
	for (size_t i = 0; i < n; i++) {
		if (json) {
			char line[512];
			struct xs_writer w;
			xs_w_init(&w, line, sizeof(line));
			xs_w_str(&w, "{\"isa\":\"");
			xs_w_str(&w, xs_isa_name(isa));
			xs_w_str(&w, "\",\"code\":");
			xs_w_u64(&w, t[i].code);
			xs_w_str(&w, ",\"hex\":\"");
			xs_w_hex(&w, t[i].code);
			xs_w_str(&w, "\",\"name\":");
			if (t[i].name)
				xs_w_json_str(&w, t[i].name, strlen(t[i].name));
			else
				xs_w_str(&w, "null");
			xs_w_str(&w, ",\"description\":");
			xs_w_json_str(&w, t[i].description, strlen(t[i].description));
			xs_w_ch(&w, '}');
			xs_w_finish(&w);
			puts(line);
		} else {
			printf("%10u  0x%-8x  %-28s  %s\n", (unsigned int)t[i].code, (unsigned int)t[i].code,
			       t[i].name ? t[i].name : "(reserved)", t[i].description);
		}
	}
	if (fflush(stdout) || ferror(stdout)) {
		xs_err("decode: writing the table: %s", strerror(errno));
		return XS_EXIT_FAILURE;
	}
	return XS_EXIT_OK;
}

/* ---- one request ---- */

/* Render a parsed request's result into out; false if it did not fit (never expected). */
static bool render(const struct xs_request *req, int json, char *out, size_t outlen, size_t *len)
{
	struct xs_decoded d;
	xs_decode_input(&req->in, &d);
	struct xs_writer w;
	xs_w_init(&w, out, outlen);
	if (json)
		xs_request_render_json(&w, req, &d);
	else
		xs_request_render_text(&w, req, &d);
	xs_w_ch(&w, '\n');
	*len = xs_w_finish(&w);
	return *len < outlen;
}

static int decode_args(int argc, char **argv, unsigned int isa, int json)
{
	const char *tok[XS_REQUEST_MAX_TOKENS];
	size_t toklen[XS_REQUEST_MAX_TOKENS];
	if (argc > XS_REQUEST_MAX_TOKENS) {
		xs_err("decode: too many arguments (%d, at most %d)", argc, XS_REQUEST_MAX_TOKENS);
		return XS_EXIT_USAGE;
	}
	for (int i = 0; i < argc; i++) {
		tok[i] = argv[i];
		toklen[i] = strlen(argv[i]);
	}
	struct xs_request req;
	char err[256];
	enum xs_request_status st = xs_request_parse_tokens(tok, toklen, (size_t)argc, isa, &req, err, sizeof(err));
	if (st != XS_REQUEST_OK) {
		xs_err("decode: %s", st == XS_REQUEST_EMPTY ? "missing reason" : err);
		return XS_EXIT_FAILURE;
	}
	static char out[OUT_LINE];
	size_t len;
	if (!render(&req, json, out, sizeof(out), &len)) {
		xs_err("decode: result too long (%zu bytes)", len);
		return XS_EXIT_FAILURE;
	}
	if (fwrite(out, 1, len, stdout) != len || fflush(stdout)) {
		xs_err("decode: writing the result: %s", strerror(errno));
		return XS_EXIT_FAILURE;
	}
	return XS_EXIT_OK;
}

/* ---- batch ---- */

struct batch {
	unsigned int isa;
	int json;
	unsigned long lineno;
	unsigned long failed;
	bool write_error;
	char out[OUT_LINE];
};

static void emit(struct batch *b, const char *s, size_t n)
{
	if (!b->write_error && fwrite(s, 1, n, stdout) != n)
		b->write_error = true;
}

static void line_error(struct batch *b, const char *msg, const char *line, size_t len)
{
	b->failed++;
	if (!b->json) {
		xs_err("decode: line %lu: %s", b->lineno, msg);
		return;
	}
	struct xs_writer w;
	xs_w_init(&w, b->out, sizeof(b->out));
	/* Echo at most MAX_LINE bytes of the input (an over-long line is cut; its error says so). */
	xs_request_render_error_json(&w, b->lineno, msg, line, len < MAX_LINE ? len : MAX_LINE);
	xs_w_ch(&w, '\n');
	size_t n = xs_w_finish(&w);
	emit(b, b->out, n < sizeof(b->out) ? n : sizeof(b->out) - 1);
}

static void batch_line(struct batch *b, const char *line, size_t len)
{
	b->lineno++;
	struct xs_request req;
	char err[256];
	switch (xs_request_parse_line(line, len, b->isa, &req, err, sizeof(err))) {
	case XS_REQUEST_EMPTY:
		return;
	case XS_REQUEST_ERROR:
		line_error(b, err, line, len);
		return;
	case XS_REQUEST_OK:
		break;
	}
	size_t n;
	if (!render(&req, b->json, b->out, sizeof(b->out), &n)) {
		line_error(b, "result too long", line, len);
		return;
	}
	emit(b, b->out, n);
}

static int decode_batch(unsigned int isa, int json)
{
	static struct batch b;
	static char buf[MAX_LINE + READ_BLOCK];
	b.isa = isa;
	b.json = json;
	/* A large stdout buffer: results go out in big writes. */
	static char obuf[1 << 16];
	setvbuf(stdout, obuf, _IOFBF, sizeof(obuf));

	size_t have = 0;       /* bytes in buf not yet consumed */
	bool skipping = false; /* inside an over-long line: drop bytes up to its newline */
	for (;;) {
		ssize_t got = read(STDIN_FILENO, buf + have, sizeof(buf) - have);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			xs_err("decode: reading stdin: %s", strerror(errno));
			return XS_EXIT_FAILURE;
		}
		bool eof = got == 0;
		have += (size_t)got;
		size_t start = 0;
		for (;;) {
			char *nl = memchr(buf + start, '\n', have - start);
			if (!nl)
				break;
			size_t len = (size_t)(nl - (buf + start));
			if (skipping)
				skipping = false;
			else
				batch_line(&b, buf + start, len);
			start += len + 1;
		}
		size_t rest = have - start;
		if (eof) {
			if (rest && !skipping)
				batch_line(&b, buf + start, rest);
			break;
		}
		if (rest > MAX_LINE) {
			/* Report the over-long line once, then skip to its end. */
			if (!skipping) {
				b.lineno++;
				line_error(&b, "line too long (more than 4096 bytes)", buf + start, rest);
			}
			skipping = true;
			rest = 0;
		}
		memmove(buf, buf + start, rest);
		have = rest;
	}
	if (fflush(stdout) || b.write_error || ferror(stdout)) {
		xs_err("decode: writing results: %s", strerror(errno ? errno : EIO));
		return XS_EXIT_FAILURE;
	}
	if (b.failed)
		xs_err("decode: %lu of %lu lines failed", b.failed, b.lineno);
	return b.failed ? XS_EXIT_FAILURE : XS_EXIT_OK;
}

/* ---- command ---- */

/* "-1" (SVM's VMRUN failure) is a reason, not an option: hide a negative number's sign from getopt. */
static bool negative_number(const char *s)
{
	if (s[0] != '-' || !s[1])
		return false;
	for (s++; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

/* The argument getopt left: a number whose sign was hidden gets it back (the pointer moved one past it). */
static char *unhide_sign(char *arg, char **hidden, int nhidden)
{
	for (int i = 0; i < nhidden; i++)
		if (arg == hidden[i])
			return arg - 1;
	return arg;
}

static int cmd_decode(int argc, char **argv)
{
	static const struct option options[] = {
		{"isa", required_argument, 0, 'i'},
		{"json", no_argument, 0, 'j'},
		{"list", no_argument, 0, 'l'},
		{"help", no_argument, 0, 'h'},
		{0, 0, 0, 0},
	};
	unsigned int isa = 0;
	int json = 0, list = 0, c;
	char *hidden[XS_REQUEST_MAX_TOKENS];
	int nhidden = 0;
	for (int i = 1; i < argc && strcmp(argv[i - 1], "--"); i++)
		if (negative_number(argv[i]) && strcmp(argv[i - 1], "-i") && strcmp(argv[i - 1], "--isa") &&
		    nhidden < XS_REQUEST_MAX_TOKENS)
			hidden[nhidden++] = ++argv[i];
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "i:jlh", options, 0)) != -1) {
		switch (c) {
		case 'i': {
			uint8_t v;
			if (!xs_isa_from_name(optarg, &v)) {
				xs_err("decode: unknown isa '%s' (vmx, svm, kvm or host)", optarg);
				return XS_EXIT_USAGE;
			}
			isa = v;
			break;
		}
		case 'j':
			json = 1;
			break;
		case 'l':
			list = 1;
			break;
		case 'h':
			usage(stdout);
			return XS_EXIT_OK;
		default:
			return xs_usage_error("decode", "unknown option '%s'", argv[optind - 1]);
		}
	}
	argc -= optind;
	argv += optind;
	for (int i = 0; i < argc; i++)
		argv[i] = unhide_sign(argv[i], hidden, nhidden);
	if (list) {
		if (!isa) {
			xs_err("decode: --list needs --isa vmx|svm|kvm|host");
			return XS_EXIT_USAGE;
		}
		if (argc) {
			xs_err("decode: --list takes no arguments ('%s')", argv[0]);
			return XS_EXIT_USAGE;
		}
		return list_table(isa, json);
	}
	if (argc == 1 && !strcmp(argv[0], "-"))
		return decode_batch(isa, json);
	if (argc == 0) {
		usage(stderr);
		return XS_EXIT_USAGE;
	}
	return decode_args(argc, argv, isa, json);
}

XS_COMMAND(decode, "decode an exit reason and qualification (also batch, and --list)", cmd_decode);
