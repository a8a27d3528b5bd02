// SPDX-License-Identifier: MIT
#include "tui/input.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

#include "common/util.h"
#include "tui/keys.h"

#define KEY_QUEUE 256
#define ESCAPE_DELAY_MS 30 /* a lone ESC: wait this long for the rest of a sequence (ncurses' ESCDELAY idea) */

struct tui_input {
	int fd, wake_fd;
	int stop_pipe[2];
	pthread_t thread;
	pthread_mutex_t lock;
	int keys[KEY_QUEUE];
	size_t head, count;
	uint64_t dropped;
	bool ended;
};

static void wake(struct tui_input *in)
{
	char b = 1;
	/* The pipe is non-blocking: when it is full the drawing thread is already due to wake. */
	if (write(in->wake_fd, &b, 1) < 0 && errno != EAGAIN)
		return;
}

static void push(struct tui_input *in, const int *keys, size_t n)
{
	if (!n)
		return;
	pthread_mutex_lock(&in->lock);
	for (size_t i = 0; i < n; i++) {
		if (in->count == KEY_QUEUE) {
			in->dropped++;
			continue;
		}
		in->keys[(in->head + in->count) % KEY_QUEUE] = keys[i];
		in->count++;
	}
	pthread_mutex_unlock(&in->lock);
	wake(in);
}

static void *input_main(void *arg)
{
	struct tui_input *in = arg;
	struct tui_keydec dec;
	tui_keydec_init(&dec);
	pthread_setname_np(pthread_self(), "xs-top-input");
	for (;;) {
		struct pollfd p[2] = {{in->fd, POLLIN, 0}, {in->stop_pipe[0], POLLIN, 0}};
		int rc = poll(p, 2, tui_keydec_pending(&dec) ? ESCAPE_DELAY_MS : -1);
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc < 0 || (p[1].revents & POLLIN))
			break;
		if (rc == 0) {
			int key = tui_keydec_timeout(&dec);
			push(in, &key, key ? 1 : 0);
			continue;
		}
		unsigned char buf[256];
		ssize_t n = read(in->fd, buf, sizeof(buf));
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0) {
			pthread_mutex_lock(&in->lock);
			in->ended = true;
			pthread_mutex_unlock(&in->lock);
			wake(in);
			break;
		}
		int keys[2 * sizeof(buf)];
		push(in, keys, tui_keydec_feed(&dec, buf, (size_t)n, keys, XS_ARRAY_SIZE(keys)));
	}
	return NULL;
}

struct tui_input *tui_input_start(int fd, int wake_fd)
{
	struct tui_input *in = xs_calloc(1, sizeof(*in));
	in->fd = fd;
	in->wake_fd = wake_fd;
	if (pipe2(in->stop_pipe, O_CLOEXEC))
		xs_die("cannot create a pipe for the input thread: %m");
	pthread_mutex_init(&in->lock, NULL);
	int err = pthread_create(&in->thread, NULL, input_main, in);
	if (err) {
		errno = err;
		xs_die("cannot start the input thread: %m");
	}
	return in;
}

size_t tui_input_take(struct tui_input *in, int *keys, size_t max)
{
	pthread_mutex_lock(&in->lock);
	size_t n = in->count < max ? in->count : max;
	for (size_t i = 0; i < n; i++)
		keys[i] = in->keys[(in->head + i) % KEY_QUEUE];
	in->head = (in->head + n) % KEY_QUEUE;
	in->count -= n;
	pthread_mutex_unlock(&in->lock);
	return n;
}

bool tui_input_ended(struct tui_input *in)
{
	pthread_mutex_lock(&in->lock);
	bool ended = in->ended;
	pthread_mutex_unlock(&in->lock);
	return ended;
}

uint64_t tui_input_dropped(struct tui_input *in)
{
	pthread_mutex_lock(&in->lock);
	uint64_t d = in->dropped;
	pthread_mutex_unlock(&in->lock);
	return d;
}

void tui_input_stop(struct tui_input *in)
{
	if (!in)
		return;
	char b = 1;
	if (write(in->stop_pipe[1], &b, 1) < 0)
		xs_err("cannot stop the input thread: %m");
	pthread_join(in->thread, NULL);
	close(in->stop_pipe[0]);
	close(in->stop_pipe[1]);
	pthread_mutex_destroy(&in->lock);
	free(in);
}
